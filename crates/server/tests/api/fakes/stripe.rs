//! A fake of Stripe (providers.md §4), as much of it as Entitle uses: Checkout Sessions
//! (create, retrieve, expire, and the hosted page a buyer sees), PaymentIntents charged off
//! session with a saved card, and signed `checkout.session.*` webhook events.
//!
//! - Every `/v1` call must carry `Authorization: Bearer` [`SECRET_KEY`], every POST a form
//!   body and an `Idempotency-Key`. The same key with the same parameters gets the stored
//!   answer (as Stripe does, even if [`StripeFake::set_off_session`] changed since); with other
//!   parameters it is refused (`idempotency_error`).
//! - The parameters are checked as Stripe checks them (unknown ones refused too), and every
//!   `/v1` request is recorded as a [`Seen`](super::Seen) with the verdict: `Ok` when Stripe
//!   would have taken it (a declined card included), otherwise why not.
//! - [`StripeFake::pay`] is the buyer paying on the hosted page; [`StripeFake::event_delivery`]
//!   is the `checkout.session.completed` event, signed `Stripe-Signature: t=…,v1=…` with
//!   [`WEBHOOK_SECRET`], or forged as [`StripeForgery`] says.
//!
//! The HTTP side is in `stripe/api.rs`, what each call does in `stripe/calls.rs`, Stripe's
//! rules for the parameters in `stripe/checks.rs` and `stripe/checkout.rs`, the events in
//! `stripe/webhooks.rs`.

mod api;
mod calls;
mod checkout;
mod checks;
mod webhooks;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Utc;
use entitle_server::payments::stripe::StripeSettings;
use poem::http::StatusCode;
use serde_json::Value;

use super::{Fake, Ledger, nonce};

/// The secret API key Entitle must send as `Authorization: Bearer …`.
pub const SECRET_KEY: &str = "sk_test_entitle_fake_0123456789";
/// The webhook endpoint's signing secret the fake signs its events with.
pub const WEBHOOK_SECRET: &str = "whsec_entitle_fake_0123456789abcdef";
/// The API version the events say they are written in.
pub const API_VERSION: &str = "2024-06-20";
/// What Stripe replaces in a `success_url` with the session's id.
const SESSION_ID_PLACEHOLDER: &str = "{CHECKOUT_SESSION_ID}";

/// One line of a Checkout Session, from `line_items[i][…]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineItem {
    /// `price_data[product_data][name]`.
    pub name: String,
    /// `price_data[currency]` (always `usd`: the fake takes nothing else).
    pub currency: String,
    /// `price_data[unit_amount]`, cents.
    pub unit_amount: i64,
    pub quantity: i64,
}

/// A Checkout Session: what Entitle sent to create it, and its state since.
#[derive(Debug, Clone)]
pub struct Session {
    /// `cs_test_…`.
    pub id: String,
    /// Every form pair Entitle sent, decoded, in the order sent.
    pub form: Vec<(String, String)>,
    pub line_items: Vec<LineItem>,
    /// Σ unit_amount × quantity, cents.
    pub amount_total: i64,
    pub currency: String,
    pub success_url: String,
    pub cancel_url: String,
    pub client_reference_id: String,
    /// `metadata[…]`.
    pub metadata: BTreeMap<String, String>,
    /// `payment_intent_data[metadata][…]`: the PaymentIntent's metadata once paid.
    pub intent_metadata: BTreeMap<String, String>,
    /// Unix seconds.
    pub expires_at: i64,
    /// Asked `payment_intent_data[setup_future_usage]=off_session`: paying saves the card.
    pub saves: bool,
    /// `customer_creation`, if sent.
    pub customer_creation: Option<String>,
    /// The hosted page: `{base}/pay/{id}`.
    pub url: String,
    /// Unix seconds.
    pub created: i64,
    /// `open`, `complete` or `expired`.
    pub status: String,
    /// `unpaid` or `paid`.
    pub payment_status: String,
    /// `pi_…`, once paid.
    pub payment_intent: Option<String>,
    /// `cus_…`: the one sent as `customer`, or the one created when paid.
    pub customer: Option<String>,
}

/// A PaymentIntent: a Checkout Session's once paid, or an off-session charge's.
#[derive(Debug, Clone)]
pub struct PaymentIntent {
    /// `pi_…`.
    pub id: String,
    /// Cents.
    pub amount: i64,
    pub currency: String,
    /// `succeeded` or `requires_payment_method`.
    pub status: String,
    pub customer: Option<String>,
    pub payment_method: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub setup_future_usage: Option<String>,
    /// The error code of the last failed attempt (`card_declined`, `authentication_required`).
    pub last_payment_error: Option<String>,
    /// Unix seconds.
    pub created: i64,
}

/// How the card answers the next off-session charges (`POST /v1/payment_intents`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OffSession {
    /// 200, the PaymentIntent `succeeded`.
    #[default]
    Succeed,
    /// 402 `card_error`, `card_declined` / `generic_decline`.
    Decline,
    /// 402 `card_error`, `authentication_required` (SCA: the customer must pay themself).
    AuthenticationRequired,
}

/// An off-session charge Entitle asked for (a replay with the same key adds no record).
#[derive(Debug, Clone)]
pub struct PaymentIntentRecord {
    /// The PaymentIntent created, `pi_…`.
    pub payment_intent: String,
    pub customer: String,
    pub payment_method: String,
    /// Cents.
    pub amount: i64,
    pub metadata: BTreeMap<String, String>,
    pub idempotency_key: String,
    /// How the card answered.
    pub outcome: OffSession,
    /// How many requests came with its idempotency key (1, plus the replays).
    pub requests: u32,
}

/// How a webhook event the fake sends differs from an honest one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StripeForgery {
    /// What Stripe would send.
    Honest,
    /// Signed with the webhook secret, but over other bytes than those sent.
    BadSignature,
    /// Signed properly, with a secret that is not the endpoint's.
    WrongSecret,
    /// Signed, then its `amount_total` changed (to 1 cent).
    TamperedAmount,
    /// Signed properly, with `t` 301 s ago (on the system clock): past the 300 s tolerance.
    Stale,
    /// `t=…,v1=<garbage>,v1=<right>,v0=<garbage>`: honest, and must be accepted.
    ExtraSignatures,
}

/// An answer stored under its idempotency key.
#[derive(Debug, Clone)]
struct Stored {
    path: String,
    /// The form pairs, sorted.
    params: Vec<(String, String)>,
    status: StatusCode,
    body: Value,
}

/// What the fake keeps besides the sessions (which are the ledger's trades).
#[derive(Default)]
struct Books {
    base_url: String,
    /// Session ids, in the order created.
    order: Vec<String>,
    intents: HashMap<String, PaymentIntent>,
    /// Customer → the payment methods attached to it.
    customers: HashMap<String, BTreeSet<String>>,
    charges: Vec<PaymentIntentRecord>,
    idempotency: HashMap<String, Stored>,
    off_session: OffSession,
}

/// The state the server's routes share with the test.
#[derive(Clone)]
struct Shared {
    ledger: Arc<Mutex<Ledger<Session>>>,
    books: Arc<Mutex<Books>>,
}

/// Both halves of the state, locked (always the ledger first, then the books).
struct Locked<'a> {
    ledger: MutexGuard<'a, Ledger<Session>>,
    books: MutexGuard<'a, Books>,
}

impl Shared {
    fn lock(&self) -> Locked<'_> {
        Locked {
            ledger: self.ledger.lock().expect("the fake's ledger"),
            books: self.books.lock().expect("the fake's books"),
        }
    }
}

/// The Stripe fake; clones share it. Derefs to its [`Fake`] (`base_url`, `seen`, `stop`).
#[derive(Clone)]
pub struct StripeFake {
    fake: Fake<Session>,
    books: Arc<Mutex<Books>>,
}

impl Deref for StripeFake {
    type Target = Fake<Session>;

    fn deref(&self) -> &Fake<Session> {
        &self.fake
    }
}

impl StripeFake {
    /// Serves the fake on a port of its own.
    pub async fn start() -> StripeFake {
        let books = Arc::new(Mutex::new(Books::default()));
        let for_routes = Arc::clone(&books);
        let fake = Fake::serve(move |ledger| {
            api::routes(Shared {
                ledger,
                books: for_routes,
            })
        })
        .await;
        books.lock().expect("the fake's books").base_url = fake.base_url().to_owned();
        StripeFake { fake, books }
    }

    /// The settings that point Entitle at this fake.
    pub fn settings(&self) -> StripeSettings {
        StripeSettings {
            secret_key: SECRET_KEY.to_owned().into(),
            webhook_secret: WEBHOOK_SECRET.to_owned().into(),
            api_base: self.base_url().to_owned(),
        }
    }

    fn lock(&self) -> Locked<'_> {
        Locked {
            ledger: self.fake.ledger(),
            books: self.books.lock().expect("the fake's books"),
        }
    }

    /// The Checkout Session `id`, if Entitle created it.
    pub fn session(&self, id: &str) -> Option<Session> {
        self.fake.trade(id)
    }

    /// Every Checkout Session Entitle created, in the order created.
    pub fn sessions(&self) -> Vec<Session> {
        let locked = self.lock();
        locked
            .books
            .order
            .iter()
            .filter_map(|id| locked.ledger.trades.get(id))
            .cloned()
            .collect()
    }

    /// The buyer pays the open session on the hosted page: it is `complete` and `paid`, with a
    /// `succeeded` PaymentIntent for its total. The card is a new `pm_…`; when the session asked
    /// to save it (`setup_future_usage=off_session`) it is attached to the session's customer,
    /// created (`cus_…`) unless Entitle named one. Panics unless the session is open.
    pub fn pay(&self, session_id: &str) -> Session {
        let mut guard = self.lock();
        let Locked { ledger, books } = &mut guard;
        let session = ledger.trades.get_mut(session_id).unwrap_or_else(|| {
            panic!("no checkout session {session_id}: Entitle never created it")
        });
        assert_eq!(
            session.status, "open",
            "checkout session {session_id} is {}: it takes no payment",
            session.status
        );
        let wants_customer =
            session.saves || session.customer_creation.as_deref() == Some("always");
        let customer = session
            .customer
            .clone()
            .or_else(|| wants_customer.then(|| format!("cus_{}", nonce(14))));
        let payment_method = format!("pm_{}", nonce(24));
        if let Some(customer) = &customer {
            let methods = books.customers.entry(customer.clone()).or_default();
            if session.saves {
                methods.insert(payment_method.clone());
            }
        }
        let intent = PaymentIntent {
            id: format!("pi_{}", nonce(24)),
            amount: session.amount_total,
            currency: session.currency.clone(),
            status: "succeeded".to_owned(),
            customer: customer.clone(),
            payment_method: Some(payment_method),
            metadata: session.intent_metadata.clone(),
            setup_future_usage: session.saves.then(|| "off_session".to_owned()),
            last_payment_error: None,
            created: Utc::now().timestamp(),
        };
        session.status = "complete".to_owned();
        session.payment_status = "paid".to_owned();
        session.payment_intent = Some(intent.id.clone());
        session.customer = customer;
        books.intents.insert(intent.id.clone(), intent);
        session.clone()
    }

    /// Where the browser is sent after paying: the session's `success_url`, its
    /// `{CHECKOUT_SESSION_ID}` replaced by the session's id.
    pub fn success_redirect(&self, session_id: &str) -> String {
        let session = self
            .session(session_id)
            .unwrap_or_else(|| panic!("no checkout session {session_id}"));
        session
            .success_url
            .replace(SESSION_ID_PLACEHOLDER, &session.id)
    }

    /// How the card answers off-session charges from now on (a replayed request still gets
    /// its stored answer).
    pub fn set_off_session(&self, outcome: OffSession) {
        self.books.lock().expect("the fake's books").off_session = outcome;
    }

    /// The off-session charges Entitle asked for, in order.
    pub fn payment_intents(&self) -> Vec<PaymentIntentRecord> {
        self.books.lock().expect("the fake's books").charges.clone()
    }

    /// The PaymentIntent `id`, a paid session's or an off-session charge's.
    pub fn payment_intent(&self, id: &str) -> Option<PaymentIntent> {
        self.books
            .lock()
            .expect("the fake's books")
            .intents
            .get(id)
            .cloned()
    }
}
