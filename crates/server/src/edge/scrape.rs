//! `GET /metrics`. Metrics are not public (they say how much a vendor sells, and when): on the
//! API's address they answer an admin key only; `--metrics-listen` serves them on an address
//! of their own, which only the scraper should reach, without a key.

use entitle_domain::api::ProblemCode;
use poem::http::{StatusCode, header};
use poem::listener::TcpAcceptor;
use poem::web::Data;
use poem::{EndpointExt, IntoResponse, Request, Response, Route, Server, handler};
use sea_orm::{ColumnTrait, EntityTrait, QuerySelect};

use crate::auth::keys;
use crate::problem::ApiError;
use crate::state::AppState;
use crate::store::entity::order;

fn unauthorized(detail: &str) -> Response {
    crate::problem::refusal(StatusCode::UNAUTHORIZED, ProblemCode::Unauthorized, detail)
}

/// `None` when `req` carries an admin key, else the refusal (401 without a known key, 403
/// for an account's key; unknown keys count against the client as on every operation).
async fn refuse_non_admin(state: &AppState, req: &Request) -> Option<Response> {
    let Some(secret) = req
        .header(header::AUTHORIZATION)
        .and_then(|h| h.strip_prefix("Bearer "))
    else {
        return Some(unauthorized(
            "GET /metrics needs an admin key as `Authorization: Bearer <key>` (or scrape the \
             --metrics-listen address)",
        ));
    };
    match keys::principal_for(
        &state.db,
        &state.verified_keys,
        state.bootstrap_admin_hash.as_deref(),
        secret,
    )
    .await
    {
        Ok(Some(principal)) => principal
            .require_admin()
            .err()
            .map(|err| ApiError::from(err).into_response()),
        Ok(None) => Some(match state.limits.bad_key_from(req) {
            Some(wait) => crate::problem::refusal(
                StatusCode::TOO_MANY_REQUESTS,
                ProblemCode::RateLimited,
                &format!("too many unknown API keys from this address: retry in {wait} s"),
            ),
            None => unauthorized("send a valid admin key as `Authorization: Bearer <key>`"),
        }),
        Err(err) => Some(ApiError::from(err).into_response()),
    }
}

/// `GET /metrics` on the API's address: an admin key's.
#[handler]
pub async fn scrape(state: Data<&AppState>, req: &Request) -> Response {
    match refuse_non_admin(&state, req).await {
        Some(refused) => refused,
        None => render(&state).await,
    }
}

/// `GET /metrics` on `--metrics-listen`: the address itself is the guard.
#[handler]
pub async fn scrape_unguarded(state: Data<&AppState>) -> Response {
    render(&state).await
}

/// Serves `/metrics` (only) on `acceptor`, without a key, until `shutdown` resolves.
pub async fn serve(
    state: AppState,
    acceptor: TcpAcceptor,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let app = Route::new()
        .at("/metrics", poem::get(scrape_unguarded))
        .catch_all_error(crate::problem::problem_for_error)
        .data(state);
    Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(app, shutdown, None)
        .await
}

/// The metrics, counted now.
async fn render(state: &AppState) -> Response {
    let counts: Vec<(String, i64)> = order::Entity::find()
        .select_only()
        .column(order::Column::Status)
        .column_as(order::Column::Id.count(), "count")
        .group_by(order::Column::Status)
        .into_tuple()
        .all(&state.db)
        .await
        .unwrap_or_default();
    match state.metrics.encode(counts, state.limits.entries()) {
        Ok(text) => text
            .with_content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
