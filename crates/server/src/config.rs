//! The server's settings. The `entitle` binary fills them from flags and environment variables
//! (`entitle serve --help` lists each).

pub use ipnet::IpNet;

/// A `--trusted-proxies` entry: a CIDR (`10.0.0.0/8`) or one address (`10.0.0.7`).
pub fn parse_proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{text}` is not a CIDR (10.0.0.0/8) or an IP address"))
}

/// How the server runs. `Debug` shows no secret (the bootstrap key, the sandbox's secret, a
/// database password).
#[derive(Clone)]
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
    /// PayPal, when configured.
    pub paypal: Option<crate::payments::paypal::PaypalSettings>,
    /// Stripe (method `card`), when configured.
    pub stripe: Option<crate::payments::stripe::StripeSettings>,
    /// The SMTP server customers' messages go through (`smtp://host:port`, STARTTLS when
    /// offered; `smtps://` for implicit TLS; credentials in the URL).
    pub smtp_url: Option<String>,
    /// The SMTP password, when the URL names only the user.
    pub smtp_password: Option<String>,
    /// Who the messages are from.
    pub mail_from: String,
    /// Seals the license-signing keys in the store (at least 32 characters; issue 22). Without
    /// it they are stored in the clear, which live mode warns about.
    pub key_encryption_key: Option<String>,
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
    /// The proxies (CIDRs) whose `X-Forwarded-For` names the client; from any other peer the
    /// socket's address is the client, so no one else can pick the IP they are limited as.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The origins an order's `return_url` may point at (no open redirect: see
    /// [`entitle_domain::return_url`]); by default the public URL's origin.
    pub allowed_return_origins: Vec<entitle_domain::return_url::ReturnOrigin>,
    /// When set, `/metrics` is served on this address too, without a key (a port only the
    /// scraper reaches); on the main address it always needs an admin key.
    pub metrics_listen: Option<String>,
}

impl Config {
    /// The defaults for a server at `public_url` on `database_url`: test mode with the sandbox
    /// signing with `sandbox_secret`, orders expire after 30 minutes unpaid (DESIGN.md §3),
    /// open checkouts are reconciled after 5 minutes, pay-to-renew opens 7 days before; no proxy
    /// is trusted, return URLs stay on the public URL's origin, `/metrics` needs an admin key.
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
            paypal: None,
            stripe: None,
            smtp_url: None,
            smtp_password: None,
            mail_from: "Entitle <billing@localhost>".to_owned(),
            key_encryption_key: None,
            reconcile_after: chrono::Duration::seconds(300),
            renewal_notice_days: 7,
            jobs_every: Some(std::time::Duration::from_secs(10)),
            vat_rate_cn: rust_decimal::Decimal::new(6, 2),
            vat_rate_intl: rust_decimal::Decimal::ZERO,
            invoice_batch: entitle_domain::invoices::BatchSchedule::default(),
            rate_limit_per_key: 100,
            rate_limit_per_ip: 300,
            trusted_proxies: Vec::new(),
            allowed_return_origins: Self::default_return_origins(public_url),
            metrics_listen: None,
        }
    }

    /// The return origins allowed when none are configured: the public URL's own.
    pub fn default_return_origins(
        public_url: &str,
    ) -> Vec<entitle_domain::return_url::ReturnOrigin> {
        entitle_domain::return_url::ReturnOrigin::of_url(public_url)
            .into_iter()
            .collect()
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let database = match self.database_url.split_once('@') {
            Some((_, host)) => format!("…@{host}"),
            None => self.database_url.clone(),
        };
        f.debug_struct("Config")
            .field("database_url", &database)
            .field("public_url", &self.public_url)
            .field(
                "bootstrap_admin_key",
                &self.bootstrap_admin_key.as_ref().map(|_| "…"),
            )
            .field("sandbox", &self.sandbox)
            .field("alipay", &self.alipay)
            .field("wechat_pay", &self.wechat_pay)
            .field("paypal", &self.paypal)
            .field("stripe", &self.stripe)
            .finish_non_exhaustive()
    }
}
