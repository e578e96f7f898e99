//! What every handler, service and job shares, and how a server comes to have it: the store,
//! the clock, the payment providers, the settings. A leaf: it imports no handler and no route.

use std::sync::Arc;

use entitle_domain::Clock;
use entitle_domain::clock::OffsetClock;
use sea_orm::{DatabaseConnection, DbErr};

use crate::auth::secret;
use crate::config::Config;
use crate::payments::sandbox::SandboxProvider;
use crate::payments::{PaymentProvider, Providers, alipay, paypal, stripe, wechat_pay};
use crate::signing::seal::Sealer;
use crate::store;

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
    /// The SMTP server customers' messages are sent through, when configured.
    pub mailer: Option<Arc<crate::mail::Mailer>>,
    /// Seals and opens the license-signing keys.
    pub sealer: Arc<Sealer>,
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
         ENTITLE_WECHAT_PUBLIC_KEY_ID), PayPal (ENTITLE_PAYPAL_CLIENT_ID, \
         ENTITLE_PAYPAL_CLIENT_SECRET, ENTITLE_PAYPAL_WEBHOOK_ID) or Stripe \
         (ENTITLE_STRIPE_SECRET_KEY, ENTITLE_STRIPE_WEBHOOK_SECRET), or run in test mode with \
         --sandbox (ENTITLE_SANDBOX=true)"
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
    #[error("mail settings: {0}")]
    Mail(String),
    #[error(transparent)]
    KeyEncryption(#[from] crate::signing::seal::SealError),
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
        let mailer = match &config.smtp_url {
            Some(url) => Some(Arc::new(
                crate::mail::Mailer::new(url, config.smtp_password.as_deref(), &config.mail_from)
                    .map_err(StartError::Mail)?,
            )),
            None if !config.sandbox => {
                tracing::warn!(
                    "no SMTP server (ENTITLE_SMTP_URL): customers' messages wait in the outbox \
                     unsent until one is configured"
                );
                None
            }
            None => None,
        };
        let sealer = Sealer::new(config.key_encryption_key.as_deref())?;
        if !sealer.seals() && !config.sandbox {
            tracing::warn!(
                "no ENTITLE_KEY_ENCRYPTION_KEY: the keys that sign license files are stored \
                 unsealed, so a copy of the database can sign licenses"
            );
        }
        let movable_clock = config.sandbox.then(|| clock.clone());
        let clock: Arc<dyn Clock> = Arc::new(clock);
        let db = store::connect(&config.database_url).await?;
        crate::signing::startup::check_opens(&db, &sealer).await?;
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
                config.trusted_proxies.clone(),
            ),
            verified_keys: Arc::default(),
            mailer,
            sealer: Arc::new(sealer),
            bootstrap_admin_hash: config.bootstrap_admin_key.as_deref().map(secret::hash),
            config: Arc::new(config),
        })
    }

    /// Whether the key with `hash` is one the server knows, without asking the store: the
    /// bootstrap key, or a key verified in the last seconds. A key not known yet is counted per
    /// IP until authentication has verified it (and the next request finds it known).
    pub fn knows_key(&self, hash: &str) -> bool {
        self.bootstrap_admin_hash.as_deref() == Some(hash)
            || self
                .verified_keys
                .get(hash, std::time::Instant::now())
                .is_some()
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
    if let Some(settings) = &config.paypal {
        real.push(Arc::new(
            paypal::PaypalProvider::new(settings, &config.public_url)
                .map_err(|e| StartError::Provider(format!("PayPal: {e}")))?,
        ));
    }
    if let Some(settings) = &config.stripe {
        real.push(Arc::new(
            stripe::StripeProvider::new(settings, &config.public_url)
                .map_err(|e| StartError::Provider(format!("Stripe: {e}")))?,
        ));
    }
    Ok(real)
}
