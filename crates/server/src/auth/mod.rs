//! Who is calling (DESIGN.md §7): every API call but the health checks, the spec and the
//! provider callbacks carries `Authorization: Bearer <key>`. An `account` key acts on its own
//! account only; an `admin` key is the vendor's staff.

pub mod cache;
pub mod keys;

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;
use uuid::Uuid;

use crate::app::AppState;
use crate::error::{ServiceError, ServiceResult};
use crate::problem::ApiError;

/// The caller behind a valid key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// The vendor's staff: every account, the catalog, the batches.
    Admin,
    /// A customer's key: its own account and nothing else.
    Account(Uuid),
}

impl Principal {
    /// Refuses anyone but an admin.
    pub fn require_admin(self) -> ServiceResult<()> {
        match self {
            Principal::Admin => Ok(()),
            Principal::Account(_) => {
                Err(ServiceError::Forbidden("this operation needs an admin key"))
            }
        }
    }

    /// Refuses a key of another account with `not_found`, so that another account's
    /// existence is never revealed.
    pub fn require_account(self, account_id: Uuid) -> ServiceResult<()> {
        match self {
            Principal::Admin => Ok(()),
            Principal::Account(own) if own == account_id => Ok(()),
            Principal::Account(_) => Err(ServiceError::NotFound("account")),
        }
    }
}

impl Principal {
    /// Refuses a key of another account reaching `what` owned by `account_id` with
    /// `not_found` for that thing, so its existence is never revealed.
    pub fn require_owner(self, account_id: Uuid, what: &'static str) -> ServiceResult<()> {
        self.require_account(account_id)
            .map_err(|_| ServiceError::NotFound(what))
    }
}

/// An API key, sent as a bearer token.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", key_name = "Authorization", checker = "authenticate")]
pub struct ApiKey(pub Principal);

async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| poem::Error::from_status(poem::http::StatusCode::INTERNAL_SERVER_ERROR))?;
    match keys::principal_for(state, &bearer.token).await {
        Ok(Some(principal)) => Ok(principal),
        // Unknown keys from one address are slowed down once they come too often.
        Ok(None) => match state.limits.bad_key(crate::edge::limits::client_ip(req)) {
            Some(wait) => {
                let mut response = crate::edge::refusal(
                    poem::http::StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    &format!("too many unknown API keys from this address: retry in {wait} s"),
                );
                if let Ok(value) = poem::http::HeaderValue::from_str(&wait.to_string()) {
                    response
                        .headers_mut()
                        .insert(poem::http::header::RETRY_AFTER, value);
                }
                Err(poem::Error::from_response(response))
            }
            None => Err(poem::Error::from_status(
                poem::http::StatusCode::UNAUTHORIZED,
            )),
        },
        Err(err) => Err(ApiError::from(err).into()),
    }
}
