//! Local fakes of the Alipay gateway, the WeChat Pay API v3, PayPal's Orders v2 and Stripe's
//! Checkout and PaymentIntents (providers.md §6.2), each a
//! small poem server on `127.0.0.1:0` started inside the test, holding its state in memory.
//!
//! They check what Entitle sends as the real ones do — the signature over the canonical string
//! each builds itself (only the raw RSA and AES-GCM come from `entitle_providers`), the merchant
//! ids, the amounts — record every request with the verdict, answer signed with their own keys,
//! and deliver real signed callbacks to Entitle, or forged ones on request.
//!
//! Keys are generated once per test process (RSA generation is the slow part).

pub mod alipay;
pub mod paypal;
pub mod stripe;
pub mod wechat_pay;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use entitle_providers::keys::generate_keypair;
use entitle_providers::{SigningKey, VerifyingKey};
use entitle_server::Config;
use entitle_server::payments::paypal::PaypalVerify;
use poem::Endpoint;
use rand::Rng;
use tokio::sync::oneshot;

pub use alipay::AlipayFake;
pub use paypal::PaypalFake;
pub use stripe::StripeFake;
pub use wechat_pay::WechatFake;

/// One RSA key pair: (PKCS#8 private PEM, SPKI public PEM).
pub struct Pair {
    pub private_pem: String,
    pub public_pem: String,
}

impl Pair {
    pub fn signing(&self) -> SigningKey {
        SigningKey::parse(&self.private_pem).expect("generated key parses")
    }

    pub fn verifying(&self) -> VerifyingKey {
        VerifyingKey::parse(&self.public_pem).expect("generated key parses")
    }
}

/// The keys of the test process: Entitle's Alipay app key, Alipay's own key, Entitle's WeChat
/// Pay merchant key, WeChat Pay's key, the key of PayPal's webhook certificate, and an
/// intruder's key that belongs to no one.
#[derive(Clone, Copy)]
pub enum Key {
    AlipayApp,
    AlipayPlatform,
    WechatMerchant,
    WechatPlatform,
    PaypalCert,
    Intruder,
}

pub fn key(which: Key) -> &'static Pair {
    static KEYS: [OnceLock<Pair>; 6] = [const { OnceLock::new() }; 6];
    KEYS[which as usize].get_or_init(|| {
        let (private_pem, public_pem) = generate_keypair();
        Pair {
            private_pem,
            public_pem,
        }
    })
}

/// How a callback the fake sends differs from an honest one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forgery {
    /// What the provider would send.
    Honest,
    /// Signed with the provider's key, but over other bytes than those sent.
    BadSignature,
    /// Signed properly, with a key that is not the provider's.
    WrongKey,
    /// Signed, then its amount changed (to 0.01).
    TamperedAmount,
    /// Signed, then its `out_trade_no` changed to this one (another order's session).
    TamperedOrder(String),
    /// Signed by the provider, but for an amount other than the order's (0.01 more).
    MisstatedAmount,
    /// WeChat Pay only: signed properly, 301 s ago (on the system clock).
    Stale,
}

/// What a fake answers Entitle's API calls with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Signed with the provider's key.
    Honest,
    /// Signed with the intruder's key: Entitle must not believe it.
    WrongKey,
}

/// One request a fake received, and whether its signature and fields checked out.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// The path and query.
    pub target: String,
    /// The API called (`alipay.trade.page.pay`, `native`, `query`, …).
    pub api: String,
    /// `Ok` when the request was signed by Entitle's key over what was sent and its fields
    /// were right; otherwise why not.
    pub verdict: Result<(), String>,
}

/// A callback ready to send (so that one can be sent many times, or at once).
#[derive(Debug, Clone)]
pub struct Delivery {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Delivery {
    /// Sends it; the answer's status and body.
    pub async fn send(&self) -> (u16, String) {
        let mut request = http().post(&self.url).body(self.body.clone());
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let response = request.send().await.expect("deliver the callback");
        let status = response.status().as_u16();
        (status, response.text().await.expect("callback answer"))
    }
}

pub fn http() -> reqwest::Client {
    static HTTP: OnceLock<reqwest::Client> = OnceLock::new();
    HTTP.get_or_init(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client")
    })
    .clone()
}

/// `n` random letters and digits.
pub fn nonce(n: usize) -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

/// A running fake: its base URL, and a switch that stops it (the port then refuses).
pub struct Running {
    pub base_url: String,
    stop: Mutex<Option<oneshot::Sender<()>>>,
}

impl Running {
    pub async fn start(app: impl Endpoint + 'static) -> Running {
        let acceptor = entitle_server::bind("127.0.0.1:0").await.expect("bind");
        let addr = entitle_server::local_addr(&acceptor).expect("address");
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(
            poem::Server::new_with_acceptor(acceptor).run_with_graceful_shutdown(
                app,
                async move {
                    let _ = stopped.await;
                },
                Some(std::time::Duration::from_millis(100)),
            ),
        );
        Running {
            base_url: format!("http://{addr}"),
            stop: Mutex::new(Some(stop)),
        }
    }

    /// Stops answering: connections to the fake are refused from now on.
    pub async fn stop(&self) {
        if let Some(stop) = self.stop.lock().expect("stop").take() {
            let _ = stop.send(());
        }
        // Wait until the port refuses.
        let addr = self.base_url.trim_start_matches("http://").to_owned();
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(&addr).await.is_err() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the fake at {addr} did not stop");
    }
}

/// What a fake provider keeps: the trades Entitle opened, every request it saw (with the
/// verdict of its checks), and how it signs its answers.
pub struct Ledger<T> {
    pub trades: HashMap<String, T>,
    pub seen: Vec<Seen>,
    pub answer: Option<Answer>,
}

impl<T> Default for Ledger<T> {
    fn default() -> Self {
        Ledger {
            trades: HashMap::new(),
            seen: Vec::new(),
            answer: None,
        }
    }
}

impl<T> Ledger<T> {
    /// Records a request Entitle sent and what the fake made of it.
    pub fn saw(&mut self, method: &str, target: String, api: &str, verdict: &Result<(), String>) {
        self.seen.push(Seen {
            method: method.to_owned(),
            target,
            api: api.to_owned(),
            verdict: verdict.clone(),
        });
    }
}

/// A fake provider: its ledger, shared with its server, and the server. Each provider's
/// protocol is an `impl Fake<its Trade>` in its own module; clones share the fake.
pub struct Fake<T> {
    ledger: Arc<Mutex<Ledger<T>>>,
    running: Arc<Running>,
}

impl<T> Clone for Fake<T> {
    fn clone(&self) -> Self {
        Fake {
            ledger: Arc::clone(&self.ledger),
            running: Arc::clone(&self.running),
        }
    }
}

impl<T: Clone + Send + 'static> Fake<T> {
    /// Serves `app` (built on the ledger) on a port of its own.
    pub async fn serve<E: Endpoint + 'static>(
        app: impl FnOnce(Arc<Mutex<Ledger<T>>>) -> E,
    ) -> Self {
        let ledger = Arc::new(Mutex::new(Ledger::default()));
        let running = Running::start(app(Arc::clone(&ledger))).await;
        Fake {
            ledger,
            running: Arc::new(running),
        }
    }

    /// The fake's base URL.
    pub fn base_url(&self) -> &str {
        &self.running.base_url
    }

    /// The ledger, to read or change.
    pub fn ledger(&self) -> MutexGuard<'_, Ledger<T>> {
        self.ledger.lock().expect("the fake's ledger")
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.ledger().seen.clone()
    }

    /// The trade Entitle opened under `out_trade_no`, if it did.
    pub fn trade(&self, out_trade_no: &str) -> Option<T> {
        self.ledger().trades.get(out_trade_no).cloned()
    }

    /// How the fake signs its answers from now on.
    pub fn answer_with(&self, answer: Answer) {
        self.ledger().answer = Some(answer);
    }

    /// Stops the fake: Entitle's calls to it fail.
    pub async fn stop(&self) {
        self.running.stop().await;
    }
}

/// The fakes a scenario's server is configured with, and the mode it runs in.
#[derive(Clone)]
pub struct Fakes {
    pub alipay: Option<AlipayFake>,
    pub wechat: Option<WechatFake>,
    pub paypal: Option<PaypalFake>,
    pub stripe: Option<StripeFake>,
    /// Test mode (`--sandbox`) rather than live mode.
    pub sandbox: bool,
}

impl Fakes {
    /// Live mode with both providers pointed at fresh fakes.
    pub async fn live() -> Fakes {
        Fakes {
            alipay: Some(AlipayFake::start().await),
            wechat: Some(WechatFake::start().await),
            paypal: None,
            stripe: None,
            sandbox: false,
        }
    }

    /// Live mode with Alipay alone.
    pub async fn live_alipay_only() -> Fakes {
        Fakes {
            alipay: Some(AlipayFake::start().await),
            wechat: None,
            paypal: None,
            stripe: None,
            sandbox: false,
        }
    }

    /// Test mode (the clock moves) with Alipay pointed at a fake.
    pub async fn test_mode_alipay() -> Fakes {
        Fakes {
            alipay: Some(AlipayFake::start().await),
            wechat: None,
            paypal: None,
            stripe: None,
            sandbox: true,
        }
    }

    /// Live mode with region `intl`'s providers, PayPal and Stripe, pointed at fresh fakes.
    pub async fn live_intl() -> Fakes {
        Fakes {
            alipay: None,
            wechat: None,
            paypal: Some(PaypalFake::start().await),
            stripe: Some(StripeFake::start().await),
            sandbox: false,
        }
    }

    /// Live mode with PayPal alone at a fake, its webhooks verified by `verify`.
    pub async fn live_paypal(verify: PaypalVerify) -> Fakes {
        Fakes {
            alipay: None,
            wechat: None,
            paypal: Some(PaypalFake::start().await.configure_as(verify, false)),
            stripe: None,
            sandbox: false,
        }
    }

    /// Test mode (the clock moves) with PayPal at a fake and vaulting on, for renewals.
    pub async fn test_mode_paypal_vault() -> Fakes {
        Fakes {
            alipay: None,
            wechat: None,
            paypal: Some(
                PaypalFake::start()
                    .await
                    .configure_as(PaypalVerify::SelfCheck, true),
            ),
            stripe: None,
            sandbox: true,
        }
    }

    /// Test mode (the clock moves) with Stripe pointed at a fake, for renewals.
    pub async fn test_mode_stripe() -> Fakes {
        Fakes {
            alipay: None,
            wechat: None,
            paypal: None,
            stripe: Some(StripeFake::start().await),
            sandbox: true,
        }
    }

    /// Configures the server: its mode, the providers at the fakes, and reconciliation asking
    /// about every open checkout at once.
    pub fn configure(&self, config: &mut Config) {
        config.sandbox = self.sandbox;
        config.alipay = self.alipay.as_ref().map(AlipayFake::settings);
        config.wechat_pay = self.wechat.as_ref().map(WechatFake::settings);
        config.paypal = self.paypal.as_ref().map(PaypalFake::settings);
        config.stripe = self.stripe.as_ref().map(StripeFake::settings);
        config.reconcile_after = chrono::Duration::zero();
    }

    pub fn alipay(&self) -> &AlipayFake {
        self.alipay.as_ref().expect("an Alipay fake")
    }

    pub fn wechat(&self) -> &WechatFake {
        self.wechat.as_ref().expect("a WeChat Pay fake")
    }
}

impl Fakes {
    pub fn paypal(&self) -> &PaypalFake {
        self.paypal.as_ref().expect("a PayPal fake")
    }

    pub fn stripe(&self) -> &StripeFake {
        self.stripe.as_ref().expect("a Stripe fake")
    }
}
