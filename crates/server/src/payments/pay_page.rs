//! Entitle's own payment pages: `GET /pay/{session}`, the page a scan flow's checkout URL opens
//! (WeChat Pay Native: the amount, the QR code drawn as inline SVG, no script from anywhere,
//! refreshing itself until the order is paid), and the small pages the return route and the
//! sandbox show. In test mode every one of them says SANDBOX.

use entitle_domain::api::Order;
use entitle_domain::checkout::CheckoutStatus;
use entitle_domain::orders::OrderStatus;
use html_escape::encode_text as esc;
use poem::http::{StatusCode, header};
use poem::web::{Data, Html, Path};
use poem::{IntoResponse, Response, handler};
use qrcode::QrCode;
use qrcode::render::svg;
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::SessionRef;
use crate::orders::store;
use crate::state::AppState;
use crate::store::entity::checkout_session;

/// Seconds between the QR page's refreshes while the order waits for payment.
const REFRESH_SECONDS: u32 = 3;

/// A whole page around `body`; `refresh` makes the browser load it again after that many
/// seconds (how the QR page follows the order without a script).
pub fn page(title: &str, body: &str, sandbox: bool, refresh: Option<u32>) -> Html<String> {
    let banner = if sandbox {
        "<p class=\"sandbox\">SANDBOX — test mode, no real money moves</p>"
    } else {
        ""
    };
    let refresh = refresh
        .map(|s| format!("<meta http-equiv=\"refresh\" content=\"{s}\">"))
        .unwrap_or_default();
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{refresh}\
         <title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:36rem;\
         margin:2rem auto;padding:0 1rem}}table{{width:100%;border-collapse:collapse}}\
         td,th{{padding:.3rem;border-bottom:1px solid #ddd;text-align:left}}\
         .total{{font-size:1.4rem;font-weight:bold}}button{{font-size:1.1rem;padding:.5rem 1.5rem}}\
         label{{display:block;margin:.5rem 0}}.sandbox{{background:#fd0;padding:.4rem;\
         font-weight:bold;text-align:center}}.qr svg{{width:16rem;height:16rem}}</style></head>\
         <body>{banner}{body}</body></html>",
        title = esc(title),
    ))
}

/// A page that says one thing.
pub fn message(status: StatusCode, title: &str, text: &str) -> Response {
    page(
        title,
        &format!("<h1>{}</h1><p>{}</p>", esc(title), esc(text)),
        false,
        None,
    )
    .with_status(status)
    .into_response()
}

/// What the customer is told of `order` when they come back from paying.
pub fn outcome(order: &Order) -> Response {
    let (title, text) = match order.status {
        OrderStatus::Paid => (
            "Payment complete",
            "Your licenses are active. Return to your console.",
        ),
        OrderStatus::Failed => (
            "Payment declined",
            "Nothing was charged. Return to your console.",
        ),
        OrderStatus::Canceled => (
            "Payment canceled",
            "Nothing was charged. Return to your console.",
        ),
        OrderStatus::Expired => (
            "Checkout expired",
            "Nothing was charged. Return to your console.",
        ),
        OrderStatus::PendingPayment => (
            "Payment processing",
            "The payment is being confirmed. Return to your console; it will show the result.",
        ),
    };
    message(StatusCode::OK, title, text)
}

/// The QR code `text` as inline SVG.
fn qr_svg(text: &str) -> Option<String> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build(),
    )
}

/// `GET /pay/{session}`: the QR page of a scan flow's checkout.
#[handler]
pub async fn show(state: Data<&AppState>, Path(session_id): Path<Uuid>) -> Response {
    let sandbox = state.config.sandbox;
    let Ok(Some(session)) = checkout_session::Entity::find_by_id(session_id)
        .one(&state.db)
        .await
    else {
        return message(
            StatusCode::NOT_FOUND,
            "Checkout not found",
            "No such checkout.",
        );
    };
    let Ok(order) = store::load_view(&state.db, session.order_id).await else {
        return message(StatusCode::NOT_FOUND, "Order not found", "No such order.");
    };
    if order.status != OrderStatus::PendingPayment {
        return outcome(&order);
    }
    let now = state.clock.now();
    if session.status == CheckoutStatus::Open
        && session.expires_at > now
        && let Some(provider) = state.payments.named(&session.provider)
        && let Some(to) = provider.pay_redirect(&SessionRef::of(&session), session.expires_at)
    {
        return Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, to)
            .finish();
    }
    let scan = match (&session.qr_code, session.status) {
        (Some(text), CheckoutStatus::Open) if session.expires_at > now => qr_svg(text),
        _ => None,
    };
    let body = match scan {
        Some(svg) => format!(
            "<h1>Scan to pay {total} {currency}</h1><p>Order <code>{id}</code></p>\
             <div class=\"qr\">{svg}</div><p>Open WeChat, scan the code and pay. This page \
             follows the order and says when the payment has landed. The code is valid until \
             {expires} (UTC).</p><p>Licenses take effect the moment payment completes. \
             Digital licenses are non-refundable.</p>",
            total = order.total,
            currency = order.currency,
            id = order.id,
            expires = session.expires_at.format("%Y-%m-%d %H:%M"),
        ),
        None => "<h1>This code has expired</h1><p>Open the order again from your console for \
                 a fresh code.</p>"
            .to_owned(),
    };
    page(
        &format!("Pay {}", order.total),
        &body,
        sandbox,
        Some(REFRESH_SECONDS),
    )
    .into_response()
}
