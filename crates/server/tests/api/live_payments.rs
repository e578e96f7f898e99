//! Live payments through local fakes of Alipay and WeChat Pay (issue 16, item 8), PayPal and
//! Stripe (issue 20): the real server, in live mode unless said otherwise, with the providers
//! pointed at the fakes in `crate::fakes`, on SQLite and PostgreSQL.

mod forged;
mod live_mode;
mod pay_to_renew;
mod paying;
mod paypal;
mod reconcile;
mod stripe;
mod stripe_renewals;

use entitle_client::{Client, LicenseQuery};
use entitle_domain::api::{License, Order, OrderRequest};
use entitle_domain::{Cycle, PaymentMethod};
use uuid::Uuid;

use crate::fakes::{Fakes, Seen};
use crate::harness::TestApp;
pub use crate::lifecycle::events_of;
use crate::purchase::purchase;

/// A DR purchase, monthly, paid with `method`.
pub fn dr(quantity: u32, method: PaymentMethod, auto_renew: bool) -> OrderRequest {
    let mut request = purchase("dr", Some(Cycle::Month), quantity, method);
    if let OrderRequest::Purchase(p) = &mut request {
        p.auto_renew = Some(auto_renew);
    }
    request
}

/// The checkout session of `order`'s checkout (the last segment of its `/pay/{session}` URL).
pub fn session_of(order: &Order) -> Uuid {
    let checkout = order.checkout.as_ref().expect("a checkout");
    let id = checkout.url.rsplit('/').next().expect("a path");
    Uuid::parse_str(id).expect("the checkout URL ends with the session id")
}

/// The provider's order number of `order`'s checkout: the session in simple form.
pub fn trade_no(order: &Order) -> String {
    session_of(order).simple().to_string()
}

/// Opens `order`'s Alipay checkout as a browser does: Entitle's `/pay/{session}` redirects to
/// the fake's gateway with a signed page.pay, which the fake verifies and shows. Returns the
/// `out_trade_no`.
pub async fn open_alipay(app: &TestApp, fakes: &Fakes, order: &Order) -> String {
    let checkout = order.checkout.as_ref().expect("a checkout");
    assert_eq!(checkout.provider, "alipay");
    assert_eq!(
        checkout.qr_code,
        None.into(),
        "Alipay's page is opened, not scanned"
    );
    let page = app.http.get(&checkout.url).send().await.expect("open /pay");
    assert_eq!(page.status(), 303, "/pay redirects to Alipay");
    let to = page.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(to.starts_with(&fakes.alipay().gateway()), "{to}");
    let cashier = crate::fakes::http()
        .get(&to)
        .send()
        .await
        .expect("open the gateway");
    let status = cashier.status();
    let text = cashier.text().await.expect("cashier page");
    assert_eq!(
        status, 200,
        "the fake gateway accepted the signed page.pay: {text}"
    );
    let no = trade_no(order);
    let trade = fakes.alipay().trade(&no).expect("the fake knows the trade");
    assert_eq!(trade.total_amount, order.total.to_string());
    no
}

/// The last request the fake saw for `api`, which must have verified.
pub fn verified(seen: &[Seen], api: &str) -> Seen {
    let last = seen
        .iter()
        .rev()
        .find(|s| s.api == api)
        .unwrap_or_else(|| panic!("the fake saw no {api}: {seen:?}"))
        .clone();
    assert_eq!(last.verdict, Ok(()), "{api} as Entitle sent it: {last:?}");
    last
}

pub async fn licenses(client: &Client, account: Uuid) -> Vec<License> {
    client
        .list_licenses(
            account,
            &LicenseQuery {
                limit: Some(200),
                ..LicenseQuery::default()
            },
        )
        .await
        .expect("licenses")
        .items
}

/// The status of order `id`, read by the account.
pub async fn status_of(client: &Client, id: Uuid) -> entitle_domain::orders::OrderStatus {
    client.get_order(id).await.expect("order").status
}
