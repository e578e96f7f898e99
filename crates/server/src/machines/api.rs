//! `/v1/licenses/{id}/machines` and `/v1/accounts/{id}/license-files`: the operator's door to
//! machines (account keys, audited). HTTP in, service call, HTTP out.

use entitle_domain::api::{Machine, MachineInput, MachineList, StaleFileList};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{OpenApi, Tags};
use uuid::Uuid;

use super::answer::Activated;
use super::files::Issuer;
use super::service;
use crate::auth::ApiKey;
use crate::problem::{Refused, can};
use crate::state::AppState;

#[derive(Tags)]
enum MachineTags {
    /// The hosts licenses are activated on, and their license files.
    Machines,
}

pub struct MachinesApi;

#[OpenApi(
    tag = "MachineTags::Machines",
    response_header(
        name = "X-Request-Id",
        ty = "String",
        description = "The request's id, as in the server's log: the caller's own when it sent a sane one"
    )
)]
impl MachinesApi {
    /// List a license's machines.
    ///
    /// Newest first, released ones included.
    #[oai(
        path = "/v1/licenses/:id/machines",
        method = "get",
        operation_id = "list_machines"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The license's id.
        id: Path<Uuid>,
    ) -> Result<Json<MachineList>, Refused<{ can::ONE }>> {
        Ok(Json(service::list(&state.db, principal, id.0).await?))
    }

    /// Activate a license on a host, on its behalf.
    ///
    /// For an air-gapped host: answers the license file to carry to it. Not counted against
    /// the license's moves.
    #[oai(
        path = "/v1/licenses/:id/machines",
        method = "post",
        operation_id = "activate_machine"
    )]
    async fn activate(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The license's id.
        id: Path<Uuid>,
        body: Json<MachineInput>,
    ) -> Result<Activated, Refused<{ can::ONE | can::BODY | can::CONFLICT }>> {
        Ok(service::activate(
            Issuer::from(*state),
            principal,
            id.0,
            &body.0,
            state.clock.now(),
        )
        .await?
        .into())
    }

    /// Release a license's machine.
    ///
    /// A destroyed or retired host: the license is free for another, and the release is not
    /// counted against its moves.
    #[oai(
        path = "/v1/licenses/:id/machines/:machine_id",
        method = "delete",
        operation_id = "release_machine"
    )]
    async fn release(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The license's id.
        id: Path<Uuid>,
        /// The machine's id.
        machine_id: Path<Uuid>,
    ) -> Result<Json<Machine>, Refused<{ can::ONE }>> {
        Ok(Json(
            service::release(&state.db, principal, id.0, machine_id.0, state.clock.now()).await?,
        ))
    }

    /// List an account's license files.
    ///
    /// Each active machine with its latest file; with `stale=true` only those whose file
    /// predates the license's validity (a renewal came after it: carry a new file to them).
    #[oai(
        path = "/v1/accounts/:id/license-files",
        method = "get",
        operation_id = "list_license_files"
    )]
    async fn files(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The account's id.
        id: Path<Uuid>,
        /// Only machines whose file is stale.
        stale: Query<Option<bool>>,
    ) -> Result<Json<StaleFileList>, Refused<{ can::ONE }>> {
        Ok(Json(
            super::stale::list(
                &state.db,
                principal,
                id.0,
                stale.0.unwrap_or(false),
                state.clock.now(),
            )
            .await?,
        ))
    }
}
