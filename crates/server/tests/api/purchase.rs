//! Helpers for the purchase flow, driven the way a customer and a browser drive it.

use entitle_client::Client;
use entitle_domain::api::{Order, OrderRequest, PaymentChoice, PurchaseOrder, PurchaseRequest};
use entitle_domain::{Cycle, PaymentMethod};
use entitle_server::payments::sandbox::SIGNATURE_HEADER;
use entitle_server::signature;
use serde_json::json;
use uuid::Uuid;

use entitle_domain::Clock;

use crate::harness::{SANDBOX_SECRET, TestApp};

/// A purchase order paid with `method`.
pub fn purchase(
    product: &str,
    cycle: Option<Cycle>,
    quantity: u32,
    method: PaymentMethod,
) -> OrderRequest {
    OrderRequest::Purchase(PurchaseOrder {
        item: PurchaseRequest {
            product: product.to_owned(),
            cycle,
            quantity,
            periods: 1,
        },
        auto_renew: None,
        payment: PaymentChoice {
            payment_method: method,
            currency: None,
            return_url: None,
        },
    })
}

/// Places an order with a fresh idempotency key.
pub async fn order(client: &Client, account: Uuid, request: &OrderRequest) -> Order {
    client
        .create_order(account, &Uuid::new_v4().to_string(), request)
        .await
        .expect("create order")
}

/// Pays an order the way a browser does: opens the checkout page, posts its form, follows
/// the redirect. Returns the final page's text.
pub async fn pay_in_browser(app: &TestApp, order: &Order, outcome: &str) -> String {
    let checkout = order.checkout.as_ref().expect("a checkout");
    let page = app
        .http
        .get(&checkout.url)
        .send()
        .await
        .expect("open checkout");
    assert_eq!(page.status(), 200, "checkout page");
    let html = page.text().await.expect("page");
    assert!(
        html.contains(&order.total.to_string()),
        "the page shows the amount"
    );
    assert!(
        html.contains(order.currency.code()),
        "the page shows the currency"
    );
    assert!(
        html.contains("Subscribe"),
        "the page has a Subscribe button"
    );

    let csrf = entitle_client::sandbox_csrf(&html).expect("the form carries a token");
    let forged = app
        .http
        .post(format!("{}/pay", checkout.url))
        .form(&[("outcome", outcome)])
        .send()
        .await
        .expect("forged submit");
    assert_eq!(
        forged.status(),
        403,
        "a form without the page's token is refused"
    );
    let submitted = app
        .http
        .post(format!("{}/pay", checkout.url))
        .form(&[
            ("outcome", outcome),
            ("account", "buyer@example.com"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .expect("submit payment");
    assert_eq!(submitted.status(), 303, "the page sends the browser back");
    let back_to = submitted.headers()["location"].to_str().unwrap_or_default();
    assert!(
        back_to.starts_with(&app.url("/v1/payments/sandbox/return?session=")),
        "{back_to}"
    );
    let location = submitted.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    // The sandbox sends the browser to the server's return route (an absolute URL).
    let back = app.http.get(&location).send().await.expect("return page");
    back.text().await.expect("return page text")
}

/// Orders and pays in one go; returns the paid order.
pub async fn buy(app: &TestApp, client: &Client, account: Uuid, request: &OrderRequest) -> Order {
    let placed = order(client, account, request).await;
    let page = pay_in_browser(app, &placed, "succeed").await;
    assert!(page.contains("Payment complete"), "{page}");
    client.get_order(placed.id).await.expect("read order")
}

/// A callback body as the sandbox sends it, for `order`'s session and total.
pub fn callback_body(app: &TestApp, order: &Order, event_id: Uuid, amount: &str) -> Vec<u8> {
    let session = order
        .checkout
        .as_ref()
        .and_then(|c| c.url.rsplit('/').next())
        .and_then(|id| Uuid::parse_str(id).ok());
    serde_json::to_vec(&json!({
        "event_id": event_id,
        "type": "payment.succeeded",
        "session_id": session,
        "order_id": order.id,
        "amount": amount,
        "currency": order.currency,
        "occurred_at": app.clock.now(),
    }))
    .expect("json")
}

/// Delivers `body` to the callback endpoint signed with `secret` at `timestamp`.
pub async fn deliver(
    app: &TestApp,
    body: &[u8],
    secret: &str,
    timestamp: i64,
) -> reqwest::Response {
    app.http
        .post(app.url("/v1/payments/sandbox/callback"))
        .header(
            SIGNATURE_HEADER,
            signature::sign(secret.as_bytes(), timestamp, body),
        )
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .expect("deliver callback")
}

/// Delivers `body` signed properly, now.
pub async fn deliver_signed(app: &TestApp, body: &[u8]) -> reqwest::Response {
    deliver(app, body, SANDBOX_SECRET, chrono::Utc::now().timestamp()).await
}
