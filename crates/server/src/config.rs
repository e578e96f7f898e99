//! The server's settings. The `entitle` binary fills them from flags and environment variables
//! (`entitle serve --help` lists each).

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database: `sqlite://entitle.db?mode=rwc` (the embedded default) or a
    /// `postgres://` URL.
    pub database_url: String,
    /// The base URL the server is reached at, used in the links it hands out (checkout pages,
    /// return URLs).
    pub public_url: String,
    /// When set, accepted as an admin key: how a fresh install gets its first key.
    pub bootstrap_admin_key: Option<String>,
    /// How long an unpaid order's checkout stays open before the order expires.
    pub order_ttl: chrono::Duration,
    /// The secret the sandbox provider signs its callbacks with. Several servers on one
    /// database must share it.
    pub sandbox_secret: String,
    /// Make the sandbox decline saved-method (renewal) charges.
    pub sandbox_decline_renewals: bool,
    /// Test mode (DESIGN.md §8): the built-in sandbox provider serves every payment method no
    /// real provider is configured for, and an admin may move the server's clock. Off (live
    /// mode): no sandbox routes, no clock moves, only the configured providers.
    pub sandbox: bool,
    /// Alipay, when configured.
    pub alipay: Option<crate::payments::alipay::AlipaySettings>,
    /// WeChat Pay, when configured.
    pub wechat_pay: Option<crate::payments::wechat_pay::WechatPaySettings>,
    /// A checkout still open this long is asked about by the `reconcile` job.
    pub reconcile_after: chrono::Duration,
    /// Days before a period ends at which a renewal the customer pays (pay to renew) opens.
    pub renewal_notice_days: u32,
    /// How often the scheduler runs the background jobs; `None`: never (they run only when an
    /// admin asks).
    pub jobs_every: Option<std::time::Duration>,
    /// The VAT rate of region `cn` invoices (0.06: 6 %).
    pub vat_rate_cn: rust_decimal::Decimal,
    /// The VAT rate of region `intl` invoices.
    pub vat_rate_intl: rust_decimal::Decimal,
    /// When the weekly invoice batch runs (default Monday 10:00 UTC+8).
    pub invoice_batch: entitle_domain::invoices::BatchSchedule,
    /// Requests per second one API key may make (bursts of twice that); 0: no limit.
    pub rate_limit_per_key: u32,
    /// Requests per second one client IP may make (bursts of twice that); 0: no limit.
    pub rate_limit_per_ip: u32,
}

impl Config {
    /// The defaults for a server at `public_url` on `database_url`: test mode with the sandbox
    /// signing with `sandbox_secret`, orders expire after 30 minutes unpaid (DESIGN.md §3),
    /// open checkouts are reconciled after 5 minutes, pay-to-renew opens 7 days before.
    pub fn new(database_url: &str, public_url: &str, sandbox_secret: &str) -> Self {
        Config {
            database_url: database_url.to_owned(),
            public_url: public_url.to_owned(),
            bootstrap_admin_key: None,
            order_ttl: chrono::Duration::minutes(30),
            sandbox_secret: sandbox_secret.to_owned(),
            sandbox_decline_renewals: false,
            sandbox: true,
            alipay: None,
            wechat_pay: None,
            reconcile_after: chrono::Duration::seconds(300),
            renewal_notice_days: 7,
            jobs_every: Some(std::time::Duration::from_secs(10)),
            vat_rate_cn: rust_decimal::Decimal::new(6, 2),
            vat_rate_intl: rust_decimal::Decimal::ZERO,
            invoice_batch: entitle_domain::invoices::BatchSchedule::default(),
            rate_limit_per_key: 100,
            rate_limit_per_ip: 300,
        }
    }
}
