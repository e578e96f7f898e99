//! `/v1/admin/signing-keys` (the rotation, admin keys, audited) and
//! `/.well-known/entitle/keys.json` (the published key set, no key needed). HTTP in, service
//! call, HTTP out.

use entitle_domain::api::{SigningKey, SigningKeyList};
use poem::web::Data;
use poem::{IntoResponse, Response, handler};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi, Tags};

use super::store;
use crate::audit::Actor;
use crate::auth::ApiKey;
use crate::problem::{ApiError, Refused, can};
use crate::state::AppState;

#[derive(Tags)]
enum SigningTags {
    /// The keys that sign license files: publish a next one, activate it, retire.
    SigningKeys,
}

/// A key made.
#[derive(ApiResponse)]
pub enum Created {
    /// The new `next` key: published from now on, signing once activated.
    #[oai(status = 201)]
    Created(Json<SigningKey>),
}

pub struct SigningKeysApi;

#[OpenApi(
    tag = "SigningTags::SigningKeys",
    response_header(
        name = "X-Request-Id",
        ty = "String",
        description = "The request's id, as in the server's log: the caller's own when it sent a sane one"
    )
)]
impl SigningKeysApi {
    /// List the signing keys (admin).
    ///
    /// Newest first; never their private halves.
    #[oai(
        path = "/v1/admin/signing-keys",
        method = "get",
        operation_id = "list_signing_keys"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
    ) -> Result<Json<SigningKeyList>, Refused<{ can::ADMIN }>> {
        principal.require_admin()?;
        let keys = store::all(&state.db).await?;
        Ok(Json(SigningKeyList {
            items: keys.iter().map(store::view).collect(),
        }))
    }

    /// Make the next signing key (admin).
    ///
    /// Published in `keys.json` at once so the vendor's software can learn it before it
    /// signs; activate it later.
    #[oai(
        path = "/v1/admin/signing-keys",
        method = "post",
        operation_id = "create_signing_key"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
    ) -> Result<Created, Refused<{ can::ADMIN }>> {
        principal.require_admin()?;
        let key = store::prepare(
            &state.db,
            &state.sealer,
            Actor::from(principal),
            state.clock.now(),
        )
        .await?;
        Ok(Created::Created(Json(store::view(&key))))
    }

    /// Activate a next signing key (admin).
    ///
    /// New files and receipts are signed with it; the key that signed before is retired and
    /// stays published until the files it signed expire.
    #[oai(
        path = "/v1/admin/signing-keys/:kid/activate",
        method = "post",
        operation_id = "activate_signing_key"
    )]
    async fn activate(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The key's id.
        kid: Path<String>,
    ) -> Result<Json<SigningKey>, Refused<{ can::ADMIN | can::NOT_FOUND | can::CONFLICT }>> {
        principal.require_admin()?;
        let key =
            store::activate(&state.db, Actor::from(principal), &kid.0, state.clock.now()).await?;
        Ok(Json(store::view(&key)))
    }

    /// Retire a next signing key (admin).
    ///
    /// Abandons a key that never signed; the active key is retired by activating its
    /// successor.
    #[oai(
        path = "/v1/admin/signing-keys/:kid/retire",
        method = "post",
        operation_id = "retire_signing_key"
    )]
    async fn retire(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The key's id.
        kid: Path<String>,
    ) -> Result<Json<SigningKey>, Refused<{ can::ADMIN | can::NOT_FOUND | can::CONFLICT }>> {
        principal.require_admin()?;
        let key =
            store::retire(&state.db, Actor::from(principal), &kid.0, state.clock.now()).await?;
        Ok(Json(store::view(&key)))
    }
}

/// The key set that verifies license files (RFC 7517 JWKS of RFC 8037 OKP keys), for the
/// vendor's software to compile in or an operator to install; cached for an hour.
#[handler]
pub async fn key_set(state: Data<&AppState>) -> Response {
    match super::key_set(&state.db, state.clock.now()).await {
        Ok(keys) => poem::web::Json(keys)
            .with_header(poem::http::header::CACHE_CONTROL, "max-age=3600")
            .into_response(),
        Err(err) => ApiError::from(err).into_response(),
    }
}
