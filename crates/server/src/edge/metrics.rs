//! The server's metrics in the Prometheus text format: requests and their latency per
//! operation, orders by status (counted at scrape time), payments fulfilled, job runs and
//! failures, and the rate limiters' entries. `edge::scrape` serves them.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

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

    /// The metrics in the OpenMetrics text format, with the gauges read at scrape time: the
    /// orders by status and the rate limiters' entries.
    pub fn encode(
        &self,
        orders_by_status: Vec<(String, i64)>,
        limiter_entries: usize,
    ) -> Result<String, std::fmt::Error> {
        self.limiter_entries
            .set(i64::try_from(limiter_entries).unwrap_or(i64::MAX));
        for (status, count) in orders_by_status {
            self.orders
                .get_or_create(&StatusLabels { status })
                .set(count);
        }
        let mut text = String::new();
        let registry = self.registry.lock().map_err(|_| std::fmt::Error)?;
        encode(&mut text, &registry)?;
        Ok(text)
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
