//! `GET /metrics` in the Prometheus text format: requests and their latency per operation,
//! orders by status (counted at scrape time), payments fulfilled, job runs and failures, and
//! the rate limiters' entries.
//!
//! Metrics are not public (they say how much a vendor sells, and when): on the API's address
//! they answer an admin key only; `--metrics-listen` serves them on an address of their own,
//! which only the scraper should reach, without a key.

use std::sync::Mutex;
use std::time::Duration;

use poem::http::{StatusCode, header};
use poem::listener::TcpAcceptor;
use poem::web::Data;
use poem::{EndpointExt, IntoResponse, Request, Response, Route, Server, handler};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use sea_orm::{ColumnTrait, EntityTrait, QuerySelect};

use crate::auth::keys;
use crate::problem::ApiError;
use crate::state::AppState;
use crate::store::entity::order;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    operation: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    job: String,
}

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<OperationLabels, Histogram>,
    orders: Family<StatusLabels, Gauge>,
    payments: Counter,
    reconciled: Counter,
    job_runs: Family<JobLabels, Counter>,
    job_failures: Family<JobLabels, Counter>,
    limiter_entries: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<OperationLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        let orders = Family::<StatusLabels, Gauge>::default();
        let payments = Counter::default();
        let reconciled = Counter::default();
        let job_runs = Family::<JobLabels, Counter>::default();
        let job_failures = Family::<JobLabels, Counter>::default();
        let limiter_entries = Gauge::default();
        let mut registry = Registry::with_prefix("entitle");
        registry.register(
            "http_requests",
            "HTTP requests by operation and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by operation",
            latency.clone(),
        );
        registry.register("orders", "Orders by status", orders.clone());
        registry.register(
            "payments_fulfilled",
            "Payments that fulfilled an order",
            payments.clone(),
        );
        registry.register(
            "payments_reconciled",
            "Payments found by reconciliation (their callback had not arrived)",
            reconciled.clone(),
        );
        registry.register("job_runs", "Background job runs", job_runs.clone());
        registry.register(
            "job_failures",
            "Background job runs that failed",
            job_failures.clone(),
        );
        registry.register(
            "rate_limiter_entries",
            "Entries the rate limiters hold (keys and client addresses)",
            limiter_entries.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            requests,
            latency,
            orders,
            payments,
            reconciled,
            job_runs,
            job_failures,
            limiter_entries,
        }
    }
}

impl Metrics {
    /// Counts a request to `operation` answered with `status` after `elapsed`.
    pub fn observe_request(&self, operation: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                operation: operation.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&OperationLabels {
                operation: operation.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Counts a payment that fulfilled an order.
    pub fn payment_fulfilled(&self) {
        self.payments.inc();
    }

    /// Counts a payment that reconciliation found before its callback arrived.
    pub fn payment_reconciled(&self) {
        self.reconciled.inc();
    }

    /// Counts a run of `job`, and whether it failed.
    pub fn job_ran(&self, job: &str, failed: bool) {
        let labels = JobLabels {
            job: job.to_owned(),
        };
        self.job_runs.get_or_create(&labels).inc();
        if failed {
            self.job_failures.get_or_create(&labels).inc();
        }
    }
}

fn unauthorized(detail: &str) -> Response {
    super::refusal(StatusCode::UNAUTHORIZED, "unauthorized", detail)
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
    match keys::principal_for(state, secret).await {
        Ok(Some(principal)) => principal
            .require_admin()
            .err()
            .map(|err| ApiError::from(err).into_response()),
        Ok(None) => Some(match state.limits.bad_key(super::limits::client_ip(req)) {
            Some(wait) => super::refusal(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
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
    state
        .metrics
        .limiter_entries
        .set(i64::try_from(state.limits.entries()).unwrap_or(i64::MAX));
    for (status, count) in counts {
        state
            .metrics
            .orders
            .get_or_create(&StatusLabels { status })
            .set(count);
    }
    let mut text = String::new();
    let encoded = state
        .metrics
        .registry
        .lock()
        .map_err(|_| std::fmt::Error)
        .and_then(|registry| encode(&mut text, &registry));
    match encoded {
        Ok(()) => text
            .with_content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
