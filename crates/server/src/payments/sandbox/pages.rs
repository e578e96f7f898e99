//! The sandbox's hosted payment page: the order's lines, amount and currency, a "payment
//! details" form for the chosen method, a Subscribe button and a cancel button. Paying records
//! the payment on the sandbox's ledger, sends the signed callback, and sends the browser back
//! to the order's `return_url` (default: a small "payment complete" page).
//!
//! Everything that changes state is a POST carrying the page's anti-forgery token: a GET
//! (a link followed by a crawler, a prefetch, an `<img>` on another site) changes nothing.

use chrono::{DateTime, Utc};
use entitle_domain::api::Order;
use entitle_domain::checkout::CheckoutStatus;
use entitle_domain::orders::OrderStatus;
use entitle_domain::{Money, PaymentMethod};
use html_escape::encode_text as esc;
use poem::http::{StatusCode, header};
use poem::web::{Data, Form, Path};
use poem::{IntoResponse, Response, handler};
use sea_orm::DatabaseConnection;
use sea_orm::EntityTrait;
use serde::Deserialize;
use uuid::Uuid;

use super::SandboxProvider;
use crate::audit::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::orders::{service as orders, store};
use crate::payments::PaymentOutcome;
use crate::payments::Providers;
use crate::payments::pay_page::{message, page};
use crate::state::AppState;
use crate::store::entity::{checkout_session, order};

/// Who the customer is paying, as the page shows it.
const MERCHANT: &str = "Entitle Software (sandbox)";

/// The sandbox of a server in test mode (its pages are routed only then).
fn sandbox(payments: &Providers) -> Option<&SandboxProvider> {
    payments.sandbox().map(|s| s.as_ref())
}

struct Checkout {
    session: checkout_session::Model,
    order: Order,
}

async fn checkout(db: &DatabaseConnection, session_id: Uuid) -> ServiceResult<Checkout> {
    let session = checkout_session::Entity::find_by_id(session_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("checkout session"))?;
    let row = order::Entity::find_by_id(session.order_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("order"))?;
    let order = store::view(row, Some(session.clone()))?;
    Ok(Checkout { session, order })
}

/// Why the page will not take a payment now, if it will not.
fn closed_reason(checkout: &Checkout, now: DateTime<Utc>) -> Option<&'static str> {
    if checkout.session.status != CheckoutStatus::Open {
        return Some("This checkout is closed: the order was paid, canceled or declined.");
    }
    if checkout.session.expires_at <= now {
        return Some("This checkout expired. Start the purchase again from your console.");
    }
    None
}

fn method_fields(method: Option<PaymentMethod>) -> &'static str {
    match method {
        Some(PaymentMethod::Alipay) => {
            "<label>Alipay account <input name=\"account\" value=\"buyer@alipay.example\"></label>"
        }
        Some(PaymentMethod::WechatPay) => {
            "<label>WeChat ID <input name=\"account\" value=\"wxid_sandbox\"></label>\
             <p>In production WeChat Pay shows a QR code to scan here.</p>"
        }
        Some(PaymentMethod::Paypal) => {
            "<label>PayPal email <input name=\"account\" value=\"buyer@paypal.example\"></label>"
        }
        Some(PaymentMethod::Card) | None => {
            "<label>Card number <input name=\"account\" value=\"4242 4242 4242 4242\"></label>\
             <label>Expiry <input name=\"expiry\" value=\"12/30\"></label>"
        }
    }
}

/// `GET /sandbox/checkout/{session}`: the hosted payment page.
#[handler]
pub async fn show(state: Data<&AppState>, Path(session_id): Path<Uuid>) -> Response {
    let checkout = match checkout(&state.db, session_id).await {
        Ok(checkout) => checkout,
        Err(_) => {
            return message(
                StatusCode::NOT_FOUND,
                "Checkout not found",
                "No such checkout.",
            );
        }
    };
    let Some(csrf) = sandbox(&state.payments).map(|s| s.csrf_token(session_id)) else {
        return message(
            StatusCode::NOT_FOUND,
            "Checkout not found",
            "No such checkout.",
        );
    };
    let order = &checkout.order;
    if let Some(reason) = closed_reason(&checkout, state.clock.now()) {
        return message(StatusCode::GONE, "Checkout closed", reason);
    }
    let lines: String = order
        .lines
        .iter()
        .map(|line| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td></tr>",
                esc(&line.product),
                line.quantity,
                line.months_billed
                    .map(|m| format!("{m} months billed"))
                    .or(line.periods.map(|p| format!(
                        "{p} × {}",
                        order.cycle.map_or_else(String::new, |c| c.to_string())
                    )))
                    .unwrap_or_default(),
                line.total,
                order.currency
            )
        })
        .collect();
    let method = order.payment_method;
    let body = format!(
        "<h1>Pay {merchant}</h1>\
         <p>Order <code>{id}</code></p>\
         <table><tr><th>Product</th><th>Qty</th><th></th><th>Amount</th></tr>{lines}</table>\
         <p class=\"total\">Total: {total} {currency}</p>\
         <p>Licenses take effect the moment payment completes. Digital licenses are \
         non-refundable.</p>\
         <form method=\"post\" action=\"/sandbox/checkout/{session}/pay\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <fieldset><legend>Payment details ({method})</legend>{fields}</fieldset>\
         <p><button name=\"outcome\" value=\"succeed\">Subscribe</button> \
         <button name=\"outcome\" value=\"decline\">Decline (test)</button></p></form>\
         {cancel}",
        merchant = esc(MERCHANT),
        id = order.id,
        total = order.total,
        currency = order.currency,
        session = session_id,
        method = method.map_or_else(|| "card".to_owned(), |m| m.to_string()),
        fields = method_fields(method),
        csrf = csrf,
        cancel = cancel_form(session_id, &csrf),
    );
    page(&format!("Pay {}", order.total), &body, true, None).into_response()
}

/// The form the page posts.
#[derive(Debug, Deserialize)]
pub struct PayForm {
    /// `succeed` or `decline`.
    outcome: String,
    /// The page's anti-forgery token.
    #[serde(default)]
    csrf: String,
}

fn redirect(to: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, to)
        .finish()
}

/// `POST /sandbox/checkout/{session}/pay`: takes (or declines) the payment, sends the signed
/// callback, and sends the browser back.
#[handler]
pub async fn pay(
    state: Data<&AppState>,
    Path(session_id): Path<Uuid>,
    Form(form): Form<PayForm>,
) -> Response {
    let outcome = match form.outcome.as_str() {
        "succeed" => PaymentOutcome::Succeeded,
        "decline" => PaymentOutcome::Declined,
        _ => {
            return message(
                StatusCode::BAD_REQUEST,
                "Unknown choice",
                "Choose Subscribe or Decline.",
            );
        }
    };
    let Some(sandbox) = sandbox(&state.payments) else {
        return message(
            StatusCode::NOT_FOUND,
            "Checkout not found",
            "No such checkout.",
        );
    };
    if !sandbox.csrf_valid(session_id, &form.csrf) {
        return message(
            StatusCode::FORBIDDEN,
            "Form expired",
            "This payment form did not come from this page: open the checkout again.",
        );
    }
    let Ok(checkout) = checkout(&state.db, session_id).await else {
        return message(
            StatusCode::NOT_FOUND,
            "Checkout not found",
            "No such checkout.",
        );
    };
    if let Some(reason) = closed_reason(&checkout, state.clock.now()) {
        return message(StatusCode::GONE, "Checkout closed", reason);
    }
    let amount = Money::new(checkout.order.total.value(), checkout.order.currency);
    let method = checkout.order.payment_method.unwrap_or(PaymentMethod::Card);
    match sandbox
        .record_payment(session_id, checkout.order.id, amount, method, outcome)
        .await
    {
        Ok(_) => redirect(&sandbox.return_url(session_id)),
        Err(err) => {
            tracing::error!(error = %err, "sandbox could not record a payment");
            message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Payment not taken",
                "The sandbox could not record the payment; nothing was charged. Try again.",
            )
        }
    }
}

/// The cancel button: a form posting the page's token, never a link.
fn cancel_form(session_id: Uuid, csrf: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/sandbox/checkout/{session_id}/cancel\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <p><button>Cancel and return</button></p></form>"
    )
}

fn no_checkout() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "Checkout not found",
        "No such checkout.",
    )
}

/// `GET /sandbox/checkout/{session}/cancel`: asks; cancelling is the form's POST (a GET, from
/// an old link or a prefetch, changes nothing).
#[handler]
pub async fn confirm_cancel(state: Data<&AppState>, Path(session_id): Path<Uuid>) -> Response {
    let Some(sandbox) = sandbox(&state.payments) else {
        return no_checkout();
    };
    let Ok(checkout) = checkout(&state.db, session_id).await else {
        return no_checkout();
    };
    if let Some(reason) = closed_reason(&checkout, state.clock.now()) {
        return message(StatusCode::GONE, "Checkout closed", reason);
    }
    let body = format!(
        "<h1>Cancel this order?</h1><p>Order <code>{id}</code> will not be paid.</p>{form}\
         <p><a href=\"/sandbox/checkout/{session_id}\">Back to the payment</a></p>",
        id = checkout.order.id,
        form = cancel_form(session_id, &sandbox.csrf_token(session_id)),
    );
    page("Cancel the order", &body, true, None).into_response()
}

/// The form the cancel button posts.
#[derive(Debug, Default, Deserialize)]
pub struct CancelForm {
    /// The page's anti-forgery token.
    #[serde(default)]
    csrf: String,
}

/// `POST /sandbox/checkout/{session}/cancel`: the customer leaves without paying (only with
/// the token of a page this server served for the session).
#[handler]
pub async fn cancel(
    state: Data<&AppState>,
    Path(session_id): Path<Uuid>,
    form: poem::Result<Form<CancelForm>>,
) -> Response {
    let Some(sandbox) = sandbox(&state.payments) else {
        return no_checkout();
    };
    let token = form.map(|Form(form)| form.csrf).unwrap_or_default();
    if !sandbox.csrf_valid(session_id, &token) {
        return message(
            StatusCode::FORBIDDEN,
            "Form expired",
            "This cancel form did not come from this page: open the checkout again.",
        );
    }
    let Ok(checkout) = checkout(&state.db, session_id).await else {
        return no_checkout();
    };
    if checkout.order.status == OrderStatus::PendingPayment
        && let Err(err) = orders::cancel_as(
            &state.db,
            state.clock.as_ref(),
            &state.payments,
            checkout.order.id,
            Actor::Provider(super::NAME),
        )
        .await
    {
        tracing::warn!(error = %err, "sandbox cancel");
    }
    redirect(&sandbox.return_url(session_id))
}
