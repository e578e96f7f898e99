//! The client API (issue 22): what the licensed software calls on the customer's hosts,
//! authenticated by its license key (`Entitle-License-Key`), never by an account API key.
//! An unknown key answers 401 `license_key_invalid` and is slowed down like an unknown API
//! key; a known one is limited per key as well as per address.

pub mod api;

use entitle_domain::api::ProblemCode;
use poem::Request;
use poem::http::StatusCode;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::ApiKey;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::auth::secret;
use crate::machines::Licensed;
use crate::problem::{ApiError, refusal, too_many_requests};
use crate::state::AppState;
use crate::store::entity::license;

/// A license key, sent as `Entitle-License-Key`.
#[derive(SecurityScheme)]
#[oai(
    ty = "api_key",
    key_name = "Entitle-License-Key",
    key_in = "header",
    checker = "authenticate"
)]
pub struct LicenseKey(pub Licensed);

fn too_many(seconds: u64, detail: &str) -> poem::Error {
    poem::Error::from_response(too_many_requests(seconds, detail))
}

async fn authenticate(req: &Request, key: ApiKey) -> poem::Result<Licensed> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR))?;
    let presented = key.key.trim();
    // Compared as text in the store's unique index: a license key is a name, not a secret
    // the server must not hold (it is printed on the customer's invoice and console).
    let found = if presented.len() <= 64 && presented.is_ascii() {
        license::Entity::find()
            .filter(license::Column::Key.eq(presented.to_ascii_uppercase()))
            .one(&state.db)
            .await
            .map_err(|err| {
                poem::Error::from(ApiError::from(crate::error::ServiceError::from(err)))
            })?
    } else {
        None
    };
    let Some(row) = found else {
        if let Some(wait) = state.limits.bad_key_from(req) {
            return Err(too_many(
                wait,
                &format!("too many unknown license keys from this address: retry in {wait} s"),
            ));
        }
        return Err(poem::Error::from_response(refusal(
            StatusCode::UNAUTHORIZED,
            ProblemCode::LicenseKeyInvalid,
            "send the license key the software was given as `Entitle-License-Key`",
        )));
    };
    if let Some(wait) = state.limits.license_key(&secret::hash(&row.key)) {
        return Err(too_many(
            wait,
            &format!("too many requests with this license key: retry in {wait} s"),
        ));
    }
    Licensed::load(&state.db, row)
        .await
        .map_err(|err| poem::Error::from(ApiError::from(err)))
}
