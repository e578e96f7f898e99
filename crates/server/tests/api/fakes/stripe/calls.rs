//! What each `/v1` call of the Stripe fake does once its key, form and idempotency are
//! checked, and the JSON of Stripe's objects (sessions, PaymentIntents, card errors).

use chrono::Utc;
use poem::http::StatusCode;
use serde_json::{Value, json};

use super::api::{Ctx, Outcome, missing};
use super::{Books, Locked, OffSession, PaymentIntent, PaymentIntentRecord, Session};
use super::{checkout, checks};
use crate::fakes::nonce;

pub(super) fn create_session(locked: &mut Locked<'_>, ctx: &Ctx) -> Outcome {
    let now = Utc::now().timestamp();
    let mut session = match checkout::check(&ctx.params, &locked.books.customers, now) {
        Ok(session) => session,
        Err(invalid) => return invalid.into(),
    };
    session.id = format!("cs_test_{}", nonce(24));
    session.url = format!("{}/pay/{}", locked.books.base_url, session.id);
    let body = session_json(&session, Value::Null);
    locked.books.order.push(session.id.clone());
    locked.ledger.trades.insert(session.id.clone(), session);
    Outcome::ok(body)
}

/// The session's `payment_intent`: null, its id, or (expanded) the object.
fn intent_of(books: &Books, session: &Session, expand: bool) -> Value {
    match &session.payment_intent {
        None => Value::Null,
        Some(id) if expand => books.intents.get(id).map_or(Value::Null, intent_json),
        Some(id) => json!(id),
    }
}

pub(super) fn retrieve_session(locked: &mut Locked<'_>, ctx: &Ctx) -> Outcome {
    let expand = match checks::expands_intent(&ctx.params, true) {
        Ok(expand) => expand,
        Err(invalid) => return invalid.into(),
    };
    match locked.ledger.trades.get(&ctx.id) {
        Some(session) => Outcome::ok(session_json(
            session,
            intent_of(&locked.books, session, expand),
        )),
        None => missing("checkout.session", &ctx.id),
    }
}

pub(super) fn expire_session(locked: &mut Locked<'_>, ctx: &Ctx) -> Outcome {
    let expand = match checks::expands_intent(&ctx.params, true) {
        Ok(expand) => expand,
        Err(invalid) => return invalid.into(),
    };
    let Some(session) = locked.ledger.trades.get_mut(&ctx.id) else {
        return missing("checkout.session", &ctx.id);
    };
    if session.status != "open" {
        return Outcome::invalid(
            None,
            format!(
                "Only Checkout Sessions with a status in [\"open\"] can be expired. This \
                 Checkout Session has a status of \"{}\".",
                session.status
            ),
        );
    }
    session.status = "expired".to_owned();
    let intent = intent_of(&locked.books, session, expand);
    Outcome::ok(session_json(session, intent))
}

/// Stripe's `card_error` for `code`.
fn card_error(code: &str) -> Value {
    let (decline_code, message) = if code == "authentication_required" {
        (
            "authentication_required",
            "Your card was declined. This transaction requires authentication.",
        )
    } else {
        ("generic_decline", "Your card was declined.")
    };
    json!({
        "type": "card_error",
        "code": code,
        "decline_code": decline_code,
        "message": message,
        "doc_url": format!("https://stripe.com/docs/error-codes/{code}"),
    })
}

pub(super) fn create_intent(locked: &mut Locked<'_>, ctx: &Ctx) -> Outcome {
    let charge = match checks::off_session_charge(&ctx.params, &locked.books.customers) {
        Ok(charge) => charge,
        Err(invalid) => return invalid.into(),
    };
    let outcome = locked.books.off_session;
    let declined = match outcome {
        OffSession::Succeed => None,
        OffSession::Decline => Some("card_declined"),
        OffSession::AuthenticationRequired => Some("authentication_required"),
    };
    let status = if declined.is_some() {
        "requires_payment_method"
    } else {
        "succeeded"
    };
    let intent = PaymentIntent {
        id: format!("pi_{}", nonce(24)),
        amount: charge.amount,
        currency: "usd".to_owned(),
        status: status.to_owned(),
        customer: Some(charge.customer.clone()),
        // A declined attempt leaves the PaymentIntent without a payment method.
        payment_method: declined.is_none().then(|| charge.payment_method.clone()),
        metadata: charge.metadata.clone(),
        setup_future_usage: None,
        last_payment_error: declined.map(str::to_owned),
        created: Utc::now().timestamp(),
    };
    let body = match declined {
        None => intent_json(&intent),
        Some(code) => {
            let mut error = card_error(code);
            error["payment_intent"] = intent_json(&intent);
            error["payment_method"] = json!({
                "id": charge.payment_method,
                "object": "payment_method",
                "customer": charge.customer,
            });
            json!({ "error": error })
        }
    };
    locked.books.charges.push(PaymentIntentRecord {
        payment_intent: intent.id.clone(),
        customer: charge.customer,
        payment_method: charge.payment_method,
        amount: charge.amount,
        metadata: charge.metadata,
        idempotency_key: ctx.key.clone(),
        outcome,
        requests: 1,
    });
    locked.books.intents.insert(intent.id.clone(), intent);
    Outcome {
        status: if declined.is_some() {
            StatusCode::PAYMENT_REQUIRED
        } else {
            StatusCode::OK
        },
        body,
        verdict: Ok(()),
        replayed: false,
    }
}

pub(super) fn retrieve_intent(locked: &mut Locked<'_>, ctx: &Ctx) -> Outcome {
    if let Err(invalid) = checks::expands_intent(&ctx.params, false) {
        return invalid.into();
    }
    match locked.books.intents.get(&ctx.id) {
        Some(intent) => Outcome::ok(intent_json(intent)),
        None => missing("payment_intent", &ctx.id),
    }
}

/// A Checkout Session as Stripe writes it, with `payment_intent` as given.
pub(super) fn session_json(session: &Session, payment_intent: Value) -> Value {
    let url = if session.status == "open" {
        json!(session.url)
    } else {
        Value::Null
    };
    json!({
        "id": session.id,
        "object": "checkout.session",
        "livemode": false,
        "mode": "payment",
        "url": url,
        "status": session.status,
        "payment_status": session.payment_status,
        "client_reference_id": session.client_reference_id,
        "metadata": session.metadata,
        "amount_subtotal": session.amount_total,
        "amount_total": session.amount_total,
        "currency": session.currency,
        "payment_intent": payment_intent,
        "customer": session.customer,
        "customer_creation": session.customer_creation,
        "success_url": session.success_url,
        "cancel_url": session.cancel_url,
        "created": session.created,
        "expires_at": session.expires_at,
    })
}

/// A PaymentIntent as Stripe writes it.
fn intent_json(intent: &PaymentIntent) -> Value {
    let received = if intent.status == "succeeded" {
        intent.amount
    } else {
        0
    };
    json!({
        "id": intent.id,
        "object": "payment_intent",
        "livemode": false,
        "amount": intent.amount,
        "amount_received": received,
        "currency": intent.currency,
        "status": intent.status,
        "customer": intent.customer,
        "payment_method": intent.payment_method,
        "metadata": intent.metadata,
        "setup_future_usage": intent.setup_future_usage,
        "last_payment_error": intent.last_payment_error.as_deref().map(card_error),
        "capture_method": "automatic",
        "confirmation_method": "automatic",
        "created": intent.created,
    })
}
