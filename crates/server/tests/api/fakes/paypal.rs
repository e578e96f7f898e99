//! A fake of PayPal's REST API, Orders v2 (providers.md §3), a poem server on `127.0.0.1:0`.
//!
//! - `POST /v1/oauth2/token` grants bearer tokens for the client credentials [`CLIENT_ID`] and
//!   [`CLIENT_SECRET`]; every `/v2` and `/v1/notifications` call must carry a live one.
//! - `POST /v2/checkout/orders` opens a buyer checkout (`PAYER_ACTION_REQUIRED`, with a
//!   `payer-action` link to `/checkoutnow?token=…`) or charges a vault id the fake issued;
//!   `POST /v2/checkout/orders/{id}/capture` captures an approved order; `GET` shows an order.
//!   Both `POST`s need a `PayPal-Request-Id` and replay their stored answer when it repeats.
//! - [`PaypalFake::approve`] is the buyer approving on PayPal. Webhooks are signed
//!   `SHA256withRSA` over `transmission_id|transmission_time|webhook_id|crc32(body)` with
//!   PayPal's key, whose certificate `/certs/paypal-cert.pem` serves, or forged
//!   ([`PaypalForgery`]); `POST /v1/notifications/verify-webhook-signature` is the postback.
//!
//! Every API call is recorded as a [`Seen`](super::Seen). Its verdict is `Err` when the request
//! was malformed or unauthenticated, and `Ok` when PayPal would have taken it, even where the
//! answer refuses on business grounds (an instrument declined, an order not yet approved).

mod api;
mod checks;
mod orders;
mod types;
mod webhooks;

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use chrono::{DateTime, SecondsFormat, Utc};
use entitle_providers::paypal::self_signed_certificate;
use entitle_server::payments::paypal::{PaypalSettings, PaypalVerify};
use poem::http::StatusCode;
use poem::{Request, Response};
use serde_json::{Value, json};

use super::{Fake, Key, Ledger, key, nonce};

pub use types::{Capture, CaptureOutcome, Order, OrderStatus, PaypalForgery, VaultedCharge};

pub const CLIENT_ID: &str = "AEntitleFakeClientId0123456789";
pub const CLIENT_SECRET: &str = "EEntitleFakeSecret0123456789";
/// The webhook Entitle is configured with: what honest deliveries are signed for.
pub const WEBHOOK_ID: &str = "8PT597110X687430LKGECATA";
/// Another app's webhook: what [`PaypalForgery::OtherWebhookId`] is signed for.
pub const OTHER_WEBHOOK_ID: &str = "5GP028458E2496506LKGEDBA";
pub const APP_ID: &str = "APP-80W284485P519543T";
/// The name of PayPal's signing certificate under `/certs/`.
pub const CERT_NAME: &str = "paypal-cert.pem";

/// A create-order answer kept for its `PayPal-Request-Id`.
struct Replay {
    body: Value,
    status: StatusCode,
    answer: Value,
}

/// What the fake keeps beside its ledger of orders. Lock the ledger first, then this.
struct State {
    base: String,
    token_lifetime: i64,
    /// Token → when it expires.
    tokens: HashMap<String, DateTime<Utc>>,
    tokens_issued: usize,
    capture: CaptureOutcome,
    vaulted: VaultedCharge,
    /// Vault id → customer id.
    vaults: HashMap<String, String>,
    creates: HashMap<String, Replay>,
    /// (order id, request id) → the capture answer.
    captures: HashMap<(String, String), (StatusCode, Value)>,
    /// Transmission id → the exact body delivered under it.
    transmissions: HashMap<String, Vec<u8>>,
    postbacks: usize,
    verifications: Vec<(String, Result<(), String>)>,
    fetches: Vec<String>,
    declined: Vec<Order>,
    /// How Entitle is configured to verify webhooks and whether it vaults.
    verify: PaypalVerify,
    vault: bool,
}

impl Default for State {
    fn default() -> Self {
        State {
            base: String::new(),
            token_lifetime: 32400,
            tokens: HashMap::new(),
            tokens_issued: 0,
            capture: CaptureOutcome::Completed,
            vaulted: VaultedCharge::Complete,
            vaults: HashMap::new(),
            creates: HashMap::new(),
            captures: HashMap::new(),
            transmissions: HashMap::new(),
            postbacks: 0,
            verifications: Vec::new(),
            fetches: Vec::new(),
            declined: Vec::new(),
            verify: PaypalVerify::SelfCheck,
            vault: false,
        }
    }
}

type Orders = Arc<Mutex<Ledger<Order>>>;
type Shared = Arc<Mutex<State>>;

fn lock_both<'a>(
    orders: &'a Orders,
    shared: &'a Shared,
) -> (MutexGuard<'a, Ledger<Order>>, MutexGuard<'a, State>) {
    let ledger = orders.lock().expect("the PayPal fake's orders");
    let state = shared.lock().expect("the PayPal fake's state");
    (ledger, state)
}

/// A refusal: its status, PayPal's error body, and why (the `Seen` verdict).
struct Refusal {
    status: StatusCode,
    body: Value,
    why: String,
}

impl Refusal {
    fn new(status: StatusCode, name: &str, issue: &str, why: String) -> Refusal {
        Refusal {
            status,
            body: problem_body(name, issue, &why),
            why: format!("{issue}: {why}"),
        }
    }

    fn invalid(issue: &str, why: String) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST", issue, why)
    }

    fn unprocessable(issue: &str, why: String) -> Refusal {
        Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "UNPROCESSABLE_ENTITY",
            issue,
            why,
        )
    }
}

/// An API call's answer (status and body), or why the call was not right.
type Outcome = Result<(StatusCode, Value), Refusal>;

/// PayPal's error body: `{name, message, debug_id, details: [{issue, description}], links}`.
fn problem_body(name: &str, issue: &str, description: &str) -> Value {
    let message = match name {
        "INVALID_REQUEST" => {
            "Request is not well-formed, syntactically incorrect, or violates schema."
        }
        "UNPROCESSABLE_ENTITY" => {
            "The requested action could not be performed, semantically incorrect, or failed \
             business validation."
        }
        "RESOURCE_NOT_FOUND" => "The specified resource does not exist.",
        _ => "The request failed.",
    };
    json!({
        "name": name, "message": message, "debug_id": nonce(13).to_ascii_lowercase(),
        "details": [{ "issue": issue, "description": description }],
        "links": [{
            "href": format!("https://developer.paypal.com/api/rest/reference/orders/v2/errors/#{issue}"),
            "rel": "information_link", "method": "GET",
        }],
    })
}

fn json_answer(status: StatusCode, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json")
        .header("paypal-debug-id", nonce(13).to_ascii_lowercase())
        .body(body.to_string())
}

/// Records the call with its verdict, and answers it.
fn respond(
    ledger: &mut Ledger<Order>,
    method: &str,
    target: String,
    api: &str,
    outcome: Outcome,
) -> Response {
    let verdict = outcome.as_ref().map(|_| ()).map_err(|r| r.why.clone());
    ledger.saw(method, target, api, &verdict);
    let (status, body) = match outcome {
        Ok(answer) => answer,
        Err(refusal) => (refusal.status, refusal.body),
    };
    json_answer(status, &body)
}

/// The path and query of a request.
fn target(req: &Request) -> String {
    req.uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default()
}

/// RFC 3339 in UTC, to the second, as PayPal writes times.
fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// PayPal's signing certificate (PEM), for [`Key::PaypalCert`]; made once per test process.
fn certificate() -> &'static str {
    static CERT: OnceLock<String> = OnceLock::new();
    CERT.get_or_init(|| {
        self_signed_certificate(&key(Key::PaypalCert).private_pem)
            .expect("a certificate for PayPal's key")
    })
}

/// The buyer approves the order on PayPal: where PayPal then sends the browser.
fn approve_order(ledger: &mut Ledger<Order>, id: &str) -> Result<String, String> {
    let order = ledger
        .trades
        .get_mut(id)
        .ok_or_else(|| format!("no order {id}: Entitle never opened it"))?;
    if order.status != OrderStatus::PayerActionRequired {
        return Err(format!(
            "order {id} is {}, not waiting for the buyer",
            order.status.as_str()
        ));
    }
    let return_url = order
        .return_url
        .clone()
        .ok_or_else(|| format!("order {id} has no return_url"))?;
    let payer = nonce(13).to_ascii_uppercase();
    order.payer_id = Some(payer.clone());
    order.status = OrderStatus::Approved;
    order.update_time = Utc::now();
    let separator = if return_url.contains('?') { '&' } else { '?' };
    Ok(format!("{return_url}{separator}token={id}&PayerID={payer}"))
}

/// The fake; clones share it. Derefs to its [`Fake`] (`base_url`, `seen`, `stop`, …).
#[derive(Clone)]
pub struct PaypalFake {
    fake: Fake<Order>,
    state: Shared,
}

impl Deref for PaypalFake {
    type Target = Fake<Order>;

    fn deref(&self) -> &Fake<Order> {
        &self.fake
    }
}

impl PaypalFake {
    pub async fn start() -> PaypalFake {
        let state: Shared = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let fake = Fake::<Order>::serve(move |ledger| api::routes(ledger, shared)).await;
        state.lock().expect("state").base = fake.base_url().to_owned();
        PaypalFake { fake, state }
    }

    /// The ledger, then the rest of the state (always in that order).
    fn lock(&self) -> (MutexGuard<'_, Ledger<Order>>, MutexGuard<'_, State>) {
        let ledger = self.fake.ledger();
        let state = self.state.lock().expect("the PayPal fake's state");
        (ledger, state)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("the PayPal fake's state")
    }

    /// The settings that point Entitle at this fake: self-verification of webhooks, the
    /// certificates allowed under `{base}/certs/`, no vaulting.
    pub fn settings(&self) -> PaypalSettings {
        let (verify, vault) = {
            let state = self.state();
            (state.verify, state.vault)
        };
        PaypalSettings {
            client_id: CLIENT_ID.to_owned(),
            client_secret: CLIENT_SECRET.to_owned().into(),
            webhook_id: WEBHOOK_ID.to_owned(),
            api_base: self.base_url().to_owned(),
            cert_url_prefixes: vec![format!("{}/certs/", self.base_url())],
            verify,
            vault,
        }
    }

    /// Entitle is configured to verify webhooks by `verify` and to vault (or not): read by
    /// [`PaypalFake::settings`], so set it before the server starts.
    pub fn configure_as(&self, verify: PaypalVerify, vault: bool) -> PaypalFake {
        let mut state = self.state();
        state.verify = verify;
        state.vault = vault;
        drop(state);
        self.clone()
    }

    /// Where PayPal's signing certificate is: honest webhooks' `PAYPAL-CERT-URL`.
    pub fn cert_url(&self) -> String {
        format!("{}/certs/{CERT_NAME}", self.base_url())
    }

    /// The same certificate, served by the same fake outside the allowed prefix.
    pub fn foreign_cert_url(&self) -> String {
        format!("{}/elsewhere/{CERT_NAME}", self.base_url())
    }

    /// The order under this id, if the fake opened it.
    pub fn order(&self, id: &str) -> Option<Order> {
        self.fake.trade(id)
    }

    /// Every order the fake opened, oldest first.
    pub fn orders(&self) -> Vec<Order> {
        let mut orders: Vec<Order> = self.fake.ledger().trades.values().cloned().collect();
        orders.sort_by_key(|o| o.create_time);
        orders
    }

    /// The renewals the fake declined ([`VaultedCharge::Decline`]): no order was opened.
    pub fn declined(&self) -> Vec<Order> {
        self.state().declined.clone()
    }

    /// The buyer approves the order on PayPal: the URL PayPal sends the browser to, the
    /// `return_url` with `token={order id}&PayerID=…` appended. Panics unless it awaits the buyer.
    pub fn approve(&self, order_id: &str) -> String {
        approve_order(&mut self.fake.ledger(), order_id).unwrap_or_else(|why| panic!("{why}"))
    }

    /// How captures of approved orders come out from now on (default `Completed`).
    pub fn set_capture(&self, outcome: CaptureOutcome) {
        self.state().capture = outcome;
    }

    /// A `PENDING` capture completes. Panics if the order has no pending capture.
    pub fn complete_pending(&self, order_id: &str) {
        let mut ledger = self.fake.ledger();
        let pending = ledger
            .trades
            .get_mut(order_id)
            .and_then(|o| o.capture.as_mut())
            .unwrap_or_else(|| panic!("order {order_id} has no capture"));
        assert_eq!(
            pending.status,
            CaptureOutcome::Pending,
            "the capture of order {order_id} is not pending"
        );
        pending.status = CaptureOutcome::Completed;
        pending.update_time = Utc::now();
    }

    /// How orders charged against a vault id are answered from now on (default `Complete`).
    pub fn set_vaulted(&self, charge: VaultedCharge) {
        self.state().vaulted = charge;
    }

    /// The `expires_in` (seconds) of tokens granted from now on (default 32400).
    pub fn set_token_lifetime(&self, secs: i64) {
        self.state().token_lifetime = secs;
    }

    /// Every token granted so far stops working (as if expired early).
    pub fn revoke_tokens(&self) {
        self.state().tokens.clear();
    }

    /// How many tokens `POST /v1/oauth2/token` granted.
    pub fn tokens_issued(&self) -> usize {
        self.state().tokens_issued
    }

    /// How many `verify-webhook-signature` postbacks arrived.
    pub fn postbacks(&self) -> usize {
        self.state().postbacks
    }

    /// Each authenticated postback's transmission id, and `Ok` if it answered `SUCCESS` or
    /// why it answered `FAILURE`.
    pub fn verifications(&self) -> Vec<(String, Result<(), String>)> {
        self.state().verifications.clone()
    }

    /// How many times a `GET` fetched this path (or this URL of the fake), e.g. the cert URL.
    pub fn cert_fetches(&self, path: &str) -> usize {
        let path = path.strip_prefix(self.base_url()).unwrap_or(path);
        self.state().fetches.iter().filter(|p| *p == path).count()
    }

    /// The path of every `GET` the fake received, in order, whatever it answered.
    pub fn all_fetches(&self) -> Vec<String> {
        self.state().fetches.clone()
    }
}
