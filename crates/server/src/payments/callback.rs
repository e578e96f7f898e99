//! `POST /v1/payments/{provider}/callback`, where a provider tells the server a payment
//! happened, and `GET /v1/payments/{provider}/return`, where the customer's browser comes back.
//!
//! A callback is authenticated by its signature alone (no API key); it is verified by the
//! provider's own scheme on the system clock, applied, and answered in the provider's own
//! format only after the commit — anything else is a non-success answer, so the provider
//! delivers it again. A forged, stale, replayed or tampered callback changes nothing.
//!
//! The return is never believed by itself (DESIGN.md §8): it asks the provider what became of
//! the checkout, applies that through the same path, and sends the browser on to the order's
//! return URL, or shows the order's state.
//!
//! Decision: these are plain routes, not operations of the OpenAPI spec: the signature covers
//! the raw body bytes, and the spec describes the API integrations call, which this is not.

use chrono::Utc;
use poem::http::{HeaderMap, StatusCode, header};
use poem::web::{Data, Path, Query};
use poem::{IntoResponse, Response, handler};
use sea_orm::EntityTrait;

use super::reconcile::settle;
use super::service::{self, FoundBy};
use super::{CallbackFailure, CallbackOutcome, CallbackRejection, pay_page};
use entitle_domain::api::ProblemCode;

use crate::error::ServiceError;
use crate::orders::store;
use crate::problem::ApiError;
use crate::state::AppState;
use crate::store::entity::{checkout_session, order};

/// The largest callback body read.
const MAX_CALLBACK_BYTES: usize = 64 * 1024;

fn failure(err: ServiceError) -> CallbackFailure {
    if let ServiceError::Callback(CallbackRejection::Unconfirmed(_))
    | ServiceError::ProviderUnavailable(_) = &err
    {
        // The provider is asked again when it delivers again; its own words stay in the log.
        return CallbackFailure {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: ProblemCode::ProviderUnavailable,
            detail: "the provider could not be asked to confirm this; deliver it again".to_owned(),
        };
    }
    let code = match &err {
        ServiceError::Callback(rejection) => rejection.code(),
        ServiceError::Invalid(_) => ProblemCode::MalformedCallback,
        _ => ProblemCode::InternalError,
    };
    let api = ApiError::from(err);
    let status = match &api {
        ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
        ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ApiError::NotFound(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let detail = match api {
        ApiError::BadRequest(p)
        | ApiError::Unprocessable(p)
        | ApiError::NotFound(p)
        | ApiError::Internal(p) => p.0.detail,
        _ => "the callback was not applied".to_owned(),
    };
    CallbackFailure {
        status,
        code,
        detail,
    }
}

/// Asks `provider` what became of `session` and applies it (the browser's return, PayPal's
/// approval): the same path as reconciliation.
async fn ask(
    state: &AppState,
    provider: &dyn super::PaymentProvider,
    session: &checkout_session::Model,
    found_by: FoundBy,
) -> Result<bool, ServiceError> {
    settle(
        &state.db,
        state.clock.as_ref(),
        &state.metrics,
        state.movable_clock.as_ref(),
        provider,
        session,
        found_by,
    )
    .await
}

/// Receives a callback for `provider`.
#[handler]
pub async fn receive(
    state: Data<&AppState>,
    Path(provider): Path<String>,
    headers: &HeaderMap,
    body: poem::Body,
) -> Response {
    let Some(provider) = state.payments.named(&provider) else {
        return ApiError::from(ServiceError::NotFound("payment provider")).into_response();
    };
    let result = async {
        let bytes = body
            .into_bytes_limit(MAX_CALLBACK_BYTES)
            .await
            .map_err(|e| ServiceError::Invalid(format!("unreadable callback body: {e}")))?;
        match provider
            .verify_callback(headers, &bytes, Utc::now())
            .await?
        {
            CallbackOutcome::Payment(notice) => {
                service::apply(
                    &state.db,
                    state.clock.as_ref(),
                    &state.metrics,
                    state.movable_clock.as_ref(),
                    provider.as_ref(),
                    &notice,
                    FoundBy::Callback,
                )
                .await
            }
            CallbackOutcome::Ignored(why) => {
                tracing::info!(provider = provider.name(), why, "callback acknowledged");
                Ok(false)
            }
            CallbackOutcome::Settle(session_id) => {
                let session = checkout_session::Entity::find_by_id(session_id)
                    .one(&state.db)
                    .await?
                    .filter(|session| session.provider == provider.name());
                match session {
                    Some(session) => {
                        ask(&state, provider.as_ref(), &session, FoundBy::Callback).await
                    }
                    None => {
                        tracing::info!(provider = provider.name(), %session_id,
                            "callback for a checkout that is not ours acknowledged");
                        Ok(false)
                    }
                }
            }
        }
    }
    .await;
    if let Err(err) = &result {
        tracing::warn!(provider = provider.name(), error = %err, "payment callback not applied");
    }
    provider.acknowledge(result.map_err(failure))
}

/// The browser's return from `provider`'s page.
#[handler]
pub async fn returned(
    state: Data<&AppState>,
    Path(provider): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let Some(provider) = state.payments.named(&provider) else {
        return ApiError::from(ServiceError::NotFound("payment provider")).into_response();
    };
    let Some(session_id) = provider.returned_session(&query) else {
        return pay_page::message(
            StatusCode::NOT_FOUND,
            "Checkout not found",
            "This return names no checkout of ours.",
        );
    };
    // Only a checkout of this provider: another's number on this route is nobody's return.
    let Some(session) = checkout_session::Entity::find_by_id(session_id)
        .one(&state.db)
        .await
        .ok()
        .flatten()
        .filter(|session| session.provider == provider.name())
    else {
        return pay_page::message(
            StatusCode::NOT_FOUND,
            "Checkout not found",
            "No such checkout.",
        );
    };
    if let Err(err) = ask(&state, provider.as_ref(), &session, FoundBy::Return).await {
        tracing::warn!(provider = provider.name(), error = %err, "return: the provider was not asked");
    }
    let Ok(row) = order::Entity::find_by_id(session.order_id)
        .one(&state.db)
        .await
    else {
        return pay_page::message(StatusCode::NOT_FOUND, "Order not found", "No such order.");
    };
    match row.as_ref().and_then(|r| r.return_url.clone()) {
        Some(to) => Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, to)
            .finish(),
        None => match store::load_view(&state.db, session.order_id).await {
            Ok(order) => pay_page::outcome(&order),
            Err(_) => pay_page::message(StatusCode::NOT_FOUND, "Order not found", "No such order."),
        },
    }
}
