//! `/v1/client/*`: the licensed software's calls, with its license key. HTTP in, service
//! call, HTTP out.

use chrono::Duration;
use entitle_domain::api::{
    Heartbeat, License, LicenseFile, LicenseFileRequest, MachineInput, RunConsume, ValidateRequest,
    Validity,
};
use entitle_domain::machines::MachineActor;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi, Tags};

use super::LicenseKey;
use crate::audit::Actor;
use crate::licenses::service as licenses;
use crate::machines::activation::{self, Requester, Which};
use crate::machines::answer::Activated;
use crate::machines::files::{self, Issuer};
use crate::machines::{Licensed, heartbeat, validation};
use crate::problem::{Refused, can};
use crate::state::AppState;

#[derive(Tags)]
enum ClientTags {
    /// What the licensed software calls, with its license key: validate, activate, heartbeat,
    /// license files, consume.
    Client,
}

/// A machine released.
#[derive(ApiResponse)]
pub enum Released {
    /// The license is free for another machine.
    #[oai(status = 204)]
    Released,
}

fn software(licensed: &Licensed) -> Requester {
    Requester {
        by: MachineActor::Client,
        actor: Actor::License(licensed.license.id),
    }
}

pub struct ClientApi;

#[OpenApi(
    tag = "ClientTags::Client",
    response_header(
        name = "X-Request-Id",
        ty = "String",
        description = "The request's id, as in the server's log: the caller's own when it sent a sane one"
    )
)]
impl ClientApi {
    /// May I run?
    ///
    /// 200 for every known key: `valid` says whether to run, `code` why. The `receipt` is a
    /// signed token of the answer echoing `nonce`, valid five minutes.
    #[oai(
        path = "/v1/client/validate",
        method = "post",
        operation_id = "client_validate"
    )]
    async fn validate(
        &self,
        state: Data<&AppState>,
        LicenseKey(licensed): LicenseKey,
        body: Json<ValidateRequest>,
    ) -> Result<Json<Validity>, Refused<{ can::KEYED | can::BODY }>> {
        Ok(Json(
            validation::answer(Issuer::from(*state), &licensed, &body.0, state.clock.now()).await?,
        ))
    }

    /// Activate this machine.
    ///
    /// 201 with the machine and its license file; the same fingerprint again answers 200.
    /// Another machine holding a node-locked license: 409 `license_active_elsewhere`; over
    /// the product's moves: 429 `machine_transfer_limit` with `Retry-After`.
    #[oai(
        path = "/v1/client/machines",
        method = "post",
        operation_id = "client_activate_machine"
    )]
    async fn activate(
        &self,
        state: Data<&AppState>,
        LicenseKey(licensed): LicenseKey,
        body: Json<MachineInput>,
    ) -> Result<Activated, Refused<{ can::KEYED | can::BODY | can::CONFLICT }>> {
        let now = state.clock.now();
        let done = activation::activate(
            Issuer::from(*state),
            software(&licensed),
            &licensed,
            &body.0,
            now,
        )
        .await?;
        Ok(done.into())
    }

    /// Deactivate this machine.
    ///
    /// The license is free for another machine (moving to it counts against its moves).
    #[oai(
        path = "/v1/client/machines/:fingerprint",
        method = "delete",
        operation_id = "client_deactivate_machine"
    )]
    async fn deactivate(
        &self,
        state: Data<&AppState>,
        LicenseKey(licensed): LicenseKey,
        /// The machine's fingerprint.
        fingerprint: Path<String>,
    ) -> Result<Released, Refused<{ can::KEYED | can::NOT_FOUND }>> {
        let which = Which::Fingerprint(&fingerprint.0);
        activation::release(
            &state.db,
            software(&licensed),
            &licensed,
            which,
            state.clock.now(),
        )
        .await?;
        Ok(Released::Released)
    }

    /// Send a floating seat's heartbeat.
    ///
    /// Before `next_by`; a machine that missed its heartbeats was released and answers 410
    /// `machine_dead` (activate again).
    #[oai(
        path = "/v1/client/machines/:fingerprint/heartbeat",
        method = "post",
        operation_id = "client_heartbeat"
    )]
    async fn heartbeat(
        &self,
        state: Data<&AppState>,
        LicenseKey(licensed): LicenseKey,
        /// The machine's fingerprint.
        fingerprint: Path<String>,
    ) -> Result<Json<Heartbeat>, Refused<{ can::KEYED | can::NOT_FOUND | can::GONE }>> {
        Ok(Json(
            heartbeat::beat(
                Issuer::from(*state),
                &licensed,
                &fingerprint.0,
                state.clock.now(),
            )
            .await?,
        ))
    }

    /// Get a fresh license file for this machine.
    #[oai(
        path = "/v1/client/license-file",
        method = "post",
        operation_id = "client_license_file"
    )]
    async fn license_file(
        &self,
        state: Data<&AppState>,
        LicenseKey(licensed): LicenseKey,
        body: Json<LicenseFileRequest>,
    ) -> Result<Json<LicenseFile>, Refused<{ can::KEYED | can::BODY | can::NOT_FOUND }>> {
        let ttl = body.0.ttl_seconds.map(|s| Duration::seconds(i64::from(s)));
        Ok(Json(
            files::for_fingerprint(
                Issuer::from(*state),
                &licensed,
                &body.0.fingerprint,
                ttl,
                state.clock.now(),
            )
            .await?,
        ))
    }

    /// Consume a one-time license for a run.
    ///
    /// Once: the same `run_id` again answers the same 200; another run answers 409
    /// `license_already_consumed`.
    #[oai(
        path = "/v1/client/consume",
        method = "post",
        operation_id = "client_consume"
    )]
    async fn consume(
        &self,
        state: Data<&AppState>,
        LicenseKey(licensed): LicenseKey,
        body: Json<RunConsume>,
    ) -> Result<Json<License>, Refused<{ can::KEYED | can::BODY | can::CONFLICT }>> {
        Ok(Json(
            licenses::consume_for_run(
                &state.db,
                &licensed,
                &body.0.run_id,
                body.0.fingerprint.as_deref(),
                state.clock.now(),
            )
            .await?,
        ))
    }
}
