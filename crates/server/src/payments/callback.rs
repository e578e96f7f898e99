//! `POST /v1/payments/sandbox/callback`: where the provider tells the server a payment
//! happened. Authenticated by its signature alone, so it carries no API key; a forged,
//! stale, replayed or tampered callback changes nothing and is logged.
//!
//! Decision: provider callbacks are a plain route, not an operation of the OpenAPI spec: the
//! signature covers the raw body bytes, and the spec describes the API that integrations and
//! generated clients call, which this is not.

use poem::http::{HeaderMap, StatusCode};
use poem::web::{Data, Json};
use poem::{IntoResponse, Response, handler};
use serde_json::json;

use super::{PaymentProvider, service};
use crate::app::AppState;
use crate::error::ServiceError;
use crate::problem::ApiError;

/// Receives a sandbox callback: 200 once it is applied (or was already), a problem otherwise
/// (the provider retries anything but 2xx).
#[handler]
pub async fn sandbox_callback(
    state: Data<&AppState>,
    headers: &HeaderMap,
    body: poem::Body,
) -> Response {
    let result = async {
        let bytes = body
            .into_bytes_limit(64 * 1024)
            .await
            .map_err(|e| ServiceError::Invalid(format!("unreadable callback body: {e}")))?;
        let notice = state
            .payments
            .verify_callback(headers, &bytes, state.clock.now())?;
        service::apply(&state, state.payments.name(), &notice).await
    }
    .await;
    match result {
        Ok(changed) => Json(json!({ "received": true, "changed": changed }))
            .with_status(StatusCode::OK)
            .into_response(),
        Err(err) => ApiError::from(err).into_response(),
    }
}
