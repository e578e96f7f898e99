//! Wiring: the shared state, the routes, and serving them.

use std::sync::Arc;

use entitle_domain::Clock;
use entitle_domain::clock::OffsetClock;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::{Endpoint, EndpointExt, Route, Server};
use poem_openapi::OpenApiService;
use sea_orm::{DatabaseConnection, DbErr};

use crate::accounts::api::AccountsApi;
use crate::audit::api::AuditApi;
use crate::auth::keys;
use crate::catalog::api::CatalogApi;
use crate::config::Config;
use crate::health::HealthApi;
use crate::invoices::api::InvoicesApi;
use crate::jobs::api::AdminApi;
use crate::licenses::api::LicensesApi;
use crate::orders::api::OrdersApi;
use crate::payments::sandbox::{self, SandboxProvider};
use crate::payments::{PaymentProvider, Providers, alipay, callback, pay_page, wechat_pay};
use crate::problem::problem_for_error;
use crate::quotes::api::QuotesApi;
use crate::store;
use crate::subscriptions::api::SubscriptionsApi;
use crate::webhooks::api::WebhooksApi;

/// What every handler and service shares.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    /// The hash of the bootstrap admin key, when one is configured.
    pub bootstrap_admin_hash: Option<String>,
    /// The payment providers, chosen per method.
    pub payments: Arc<Providers>,
    /// The clock an admin may move, in test mode.
    pub movable_clock: Option<OffsetClock>,
    pub metrics: Arc<crate::edge::metrics::Metrics>,
    pub limits: Arc<crate::edge::limits::Limits>,
    /// API keys verified in the last seconds.
    pub verified_keys: Arc<crate::auth::cache::KeyCache>,
}

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] DbErr),
    #[error("payment provider settings: {0}")]
    Provider(String),
    #[error(
        "live mode with no payment provider would take no payment: configure Alipay \
         (ENTITLE_ALIPAY_APP_ID, ENTITLE_ALIPAY_PRIVATE_KEY_FILE, ENTITLE_ALIPAY_PUBLIC_KEY_FILE) \
         or WeChat Pay (ENTITLE_WECHAT_APPID, ENTITLE_WECHAT_MCHID, ENTITLE_WECHAT_PRIVATE_KEY_FILE, \
         ENTITLE_WECHAT_SERIAL_NO, ENTITLE_WECHAT_APIV3_KEY, ENTITLE_WECHAT_PUBLIC_KEY_FILE, \
         ENTITLE_WECHAT_PUBLIC_KEY_ID), or run in test mode with --sandbox (ENTITLE_SANDBOX=true)"
    )]
    NoProvider,
    #[error(
        "the bootstrap admin key (ENTITLE_BOOTSTRAP_ADMIN_KEY) has {length} characters: it must \
         have at least {min}, so that it cannot be guessed (`openssl rand -hex 32` makes one); \
         better, create a stored admin key with POST /v1/admin/api-keys and retire the \
         bootstrap key",
        min = MIN_BOOTSTRAP_KEY_CHARS
    )]
    WeakBootstrapKey { length: usize },
}

/// The shortest bootstrap admin key accepted: it is compared as it is, not made by the server,
/// so its length is all that stands between it and a guess (issue 17: at least 32).
pub const MIN_BOOTSTRAP_KEY_CHARS: usize = 32;

impl AppState {
    /// Connects to the configured database (migrating it), sets up the payment providers, and
    /// reads time from `clock`; in test mode an admin moves it.
    pub async fn new(config: Config, clock: OffsetClock) -> Result<Self, StartError> {
        if let Some(key) = &config.bootstrap_admin_key {
            let length = key.chars().count();
            if length < MIN_BOOTSTRAP_KEY_CHARS {
                return Err(StartError::WeakBootstrapKey { length });
            }
        }
        let real = real_providers(&config)?;
        if real.is_empty() && !config.sandbox {
            return Err(StartError::NoProvider);
        }
        let movable_clock = config.sandbox.then(|| clock.clone());
        let clock: Arc<dyn Clock> = Arc::new(clock);
        let db = store::connect(&config.database_url).await?;
        let sandbox = config.sandbox.then(|| {
            Arc::new(SandboxProvider::new(
                db.clone(),
                clock.clone(),
                &config.sandbox_secret,
                &config.public_url,
                config.sandbox_decline_renewals,
            ))
        });
        Ok(AppState {
            db,
            clock,
            payments: Arc::new(Providers::new(real, sandbox)),
            movable_clock,
            metrics: Arc::new(crate::edge::metrics::Metrics::default()),
            limits: crate::edge::limits::Limits::new(
                config.rate_limit_per_key,
                config.rate_limit_per_ip,
            ),
            verified_keys: Arc::default(),
            bootstrap_admin_hash: config.bootstrap_admin_key.as_deref().map(keys::hash),
            config: Arc::new(config),
        })
    }

    /// State on the machine's clock (movable forward in test mode).
    pub async fn with_system_clock(config: Config) -> Result<Self, StartError> {
        AppState::new(config, OffsetClock::default()).await
    }
}

/// The real providers `config` names, their keys parsed now so a bad key stops the start.
fn real_providers(config: &Config) -> Result<Vec<Arc<dyn PaymentProvider>>, StartError> {
    let mut real: Vec<Arc<dyn PaymentProvider>> = Vec::new();
    if let Some(settings) = &config.alipay {
        real.push(Arc::new(
            alipay::AlipayProvider::new(settings, &config.public_url)
                .map_err(|e| StartError::Provider(format!("Alipay: {e}")))?,
        ));
    }
    if let Some(settings) = &config.wechat_pay {
        real.push(Arc::new(
            wechat_pay::WechatPayProvider::new(settings, &config.public_url)
                .map_err(|e| StartError::Provider(format!("WeChat Pay: {e}")))?,
        ));
    }
    Ok(real)
}

type Apis = (
    HealthApi,
    AccountsApi,
    CatalogApi,
    QuotesApi,
    OrdersApi,
    LicensesApi,
    SubscriptionsApi,
    AuditApi,
    WebhooksApi,
    AdminApi,
    InvoicesApi,
);

/// The API with its OpenAPI description.
pub fn api_service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            HealthApi,
            AccountsApi,
            CatalogApi,
            QuotesApi,
            OrdersApi,
            LicensesApi,
            SubscriptionsApi,
            AuditApi,
            WebhooksApi,
            AdminApi,
            InvoicesApi,
        ),
        "Entitle",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "License subscriptions: catalog, quotes, orders, licenses. Errors are \
         application/problem+json with a stable `code`. Money is a decimal string with \
         exactly two decimals next to its ISO 4217 currency.",
    )
}

/// The spec as JSON, exactly as `openapi/openapi.json` is committed.
pub fn openapi_json() -> String {
    api_service().spec()
}

/// The spec as YAML, exactly as `openapi/openapi.yaml` is committed.
pub fn openapi_yaml() -> String {
    api_service().spec_yaml()
}

/// The methods the spec declares for each path template, for the `Allow` header of a 405.
fn declared_methods() -> &'static Vec<(Vec<String>, String)> {
    static METHODS: std::sync::OnceLock<Vec<(Vec<String>, String)>> = std::sync::OnceLock::new();
    METHODS.get_or_init(|| {
        let spec: serde_json::Value =
            serde_json::from_str(&openapi_json()).unwrap_or(serde_json::Value::Null);
        spec["paths"]
            .as_object()
            .map(|paths| {
                paths
                    .iter()
                    .map(|(path, operations)| {
                        let segments = path.split('/').map(str::to_owned).collect();
                        let methods = operations
                            .as_object()
                            .map(|o| o.keys().map(|m| m.to_uppercase()).collect::<Vec<_>>())
                            .unwrap_or_default()
                            .join(", ");
                        (segments, methods)
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// The declared path template `path` matches, with its methods.
fn declared(path: &str) -> Option<&'static (Vec<String>, String)> {
    let asked: Vec<&str> = path.split('/').collect();
    declared_methods().iter().find(|(template, _)| {
        template.len() == asked.len()
            && template
                .iter()
                .zip(&asked)
                .all(|(t, a)| t.starts_with('{') || t == a)
    })
}

/// The `Allow` header for `path`: the methods the spec declares for it (RFC 9110 asks a 405
/// to say them).
pub(crate) fn allowed_methods(path: &str) -> Option<&'static str> {
    declared(path).map(|(_, methods)| methods.as_str())
}

/// The operation a request is for, as metrics label it: the method and the path template
/// (`POST /v1/accounts/{id}/orders`), so ids do not multiply the series.
pub(crate) fn operation_of(method: &str, path: &str) -> String {
    match declared(path) {
        Some((template, _)) => format!("{method} {}", template.join("/")),
        None if path.starts_with("/sandbox/") => format!("{method} /sandbox"),
        None if path.starts_with("/pay/") => format!("{method} /pay"),
        None if path.starts_with("/v1/payments/") => format!("{method} /v1/payments"),
        None => format!("{method} other"),
    }
}

/// The whole HTTP application over `state`. The sandbox's pages exist in test mode only; its
/// callback and return routes answer 404 in live mode, as any provider's the server lacks.
pub fn app(state: AppState) -> impl Endpoint {
    let api = api_service();
    let spec = api.spec_endpoint();
    let docs = api.swagger_ui();
    let mut routes = Route::new()
        .nest("/", api)
        .at("/openapi.json", spec)
        .nest("/docs", docs)
        .at(
            "/v1/payments/:provider/callback",
            poem::post(callback::receive),
        )
        .at(
            "/v1/payments/:provider/return",
            poem::get(callback::returned),
        )
        .at("/pay/:session", poem::get(pay_page::show));
    if state.payments.sandbox().is_some() {
        routes = routes
            .at(
                "/sandbox/checkout/:session",
                poem::get(sandbox::pages::show),
            )
            .at(
                "/sandbox/checkout/:session/pay",
                poem::post(sandbox::pages::pay),
            )
            .at(
                "/sandbox/checkout/:session/cancel",
                poem::get(sandbox::pages::confirm_cancel).post(sandbox::pages::cancel),
            );
    }
    routes
        .at("/metrics", poem::get(crate::edge::metrics::scrape))
        .catch_all_error(problem_for_error)
        .around(crate::edge::around)
        .data(state)
}

/// Binds `listen` ("127.0.0.1:8080", or port 0 for any free port).
pub async fn bind(listen: &str) -> std::io::Result<TcpAcceptor> {
    TcpListener::bind(listen.to_owned()).into_acceptor().await
}

/// The address an acceptor is bound to, for logs and tests.
pub fn local_addr(acceptor: &TcpAcceptor) -> Option<std::net::SocketAddr> {
    acceptor
        .local_addr()
        .into_iter()
        .find_map(|addr| addr.as_socket_addr().copied())
}

/// Serves `state` on `acceptor` until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    state: AppState,
    acceptor: TcpAcceptor,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let metrics = match state.config.metrics_listen.as_deref() {
        Some(listen) => {
            let acceptor = bind(listen).await?;
            tracing::info!(addr = ?local_addr(&acceptor), "metrics are served without a key");
            let mut stopping = stop.subscribe();
            let until_stopped = async move {
                let _ = stopping.wait_for(|stopped| *stopped).await;
            };
            Some(tokio::spawn(crate::edge::metrics::serve(
                state.clone(),
                acceptor,
                until_stopped,
            )))
        }
        None => None,
    };
    let chores = state
        .config
        .jobs_every
        .map(|every| tokio::spawn(crate::jobs::scheduler(state.clone(), every, stopped)));
    let served = Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(app(state), shutdown, None)
        .await;
    // Let a job that is running finish; none starts after this.
    let _ = stop.send(true);
    if let Some(chores) = chores {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(60), chores).await;
    }
    if let Some(metrics) = metrics {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), metrics).await;
    }
    served
}
