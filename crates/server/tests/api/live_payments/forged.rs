//! Callbacks that are not what the provider signed — a bad signature, another key, an amount
//! or an order changed after signing, a signed amount other than the order's, a stale WeChat
//! Pay timestamp — change nothing and get a non-success answer, so the real one still lands.

use entitle_client::Client;
use entitle_domain::api::{Account, Order};
use entitle_domain::orders::OrderStatus;
use entitle_domain::{AccountKind, PaymentMethod, Region};

use super::{dr, events_of, licenses, open_alipay, status_of, trade_no};
use crate::accounts::account_with_key;
use crate::fakes::{Fakes, Forgery};
use crate::harness::TestApp;
use crate::on_both_databases_with;
use crate::purchase::order;

/// An account with two DR orders paid by `method`: the one the provider takes the payment
/// for, and another a tampered callback may try to pay instead.
async fn targeted(app: &TestApp, method: PaymentMethod) -> (Account, Client, Order, Order) {
    let (account, client) =
        account_with_key(app, "Targeted", AccountKind::Individual, Region::Cn).await;
    let paid_one = order(&client, account.id, &dr(2, method, false)).await;
    let other = order(&client, account.id, &dr(1, method, false)).await;
    (account, client, paid_one, other)
}

/// The forgeries both providers' callbacks are tried with; `other` is the order a tampered
/// one names instead.
fn forgeries(other: &Order) -> Vec<Forgery> {
    vec![
        Forgery::BadSignature,
        Forgery::WrongKey,
        Forgery::TamperedAmount,
        Forgery::TamperedOrder(trade_no(other)),
        Forgery::MisstatedAmount,
    ]
}

/// Both orders still wait for payment after `forgery`.
async fn both_still_waiting(client: &Client, orders: [&Order; 2], forgery: &Forgery) {
    for order in orders {
        assert_eq!(
            status_of(client, order.id).await,
            OrderStatus::PendingPayment,
            "{forgery:?}"
        );
    }
}

/// After the forgeries, nothing was granted and no order was paid.
async fn nothing_granted(app: &TestApp, client: &Client, account: &Account) {
    assert!(licenses(client, account.id).await.is_empty());
    assert!(events_of(app, "order.paid").await.is_empty());
}

/// The honest callback, sent last, paid the one order and only it.
async fn only_the_paid_one_paid(client: &Client, paid_one: &Order, other: &Order) {
    assert_eq!(status_of(client, paid_one.id).await, OrderStatus::Paid);
    assert_eq!(
        status_of(client, other.id).await,
        OrderStatus::PendingPayment
    );
}

on_both_databases_with! {
    setup = Fakes::live();

    async fn forged_and_tampered_alipay_notifies_change_nothing(app, fakes: Fakes) {
        let (account, client, paid_one, other) = targeted(&app, PaymentMethod::Alipay).await;
        let no = open_alipay(&app, &fakes, &paid_one).await;
        fakes.alipay().pay(&no);

        for forgery in forgeries(&other) {
            let (status, body) = fakes.alipay().notify(&no, forgery.clone()).await;
            assert_ne!(body, "success", "{forgery:?} must not be acknowledged");
            assert!(status >= 400, "{forgery:?}: a failure status, so Alipay sends again: {status}");
            both_still_waiting(&client, [&paid_one, &other], &forgery).await;
        }
        nothing_granted(&app, &client, &account).await;

        // The real notify still lands afterwards.
        assert_eq!(fakes.alipay().notify(&no, Forgery::Honest).await, (200, "success".to_owned()));
        only_the_paid_one_paid(&client, &paid_one, &other).await;
    }

    async fn forged_tampered_and_stale_wechat_callbacks_change_nothing(app, fakes: Fakes) {
        let (account, client, paid_one, other) = targeted(&app, PaymentMethod::WechatPay).await;
        let no = trade_no(&paid_one);
        fakes.wechat().pay(&no);

        for forgery in forgeries(&other).into_iter().chain([Forgery::Stale]) {
            let (status, body) = fakes.wechat().notify(&no, forgery.clone()).await;
            assert!((400..600).contains(&status), "{forgery:?}: a failure status: {status} {body}");
            let answer: serde_json::Value = serde_json::from_str(&body).expect("a JSON failure");
            assert_eq!(answer["code"], "FAIL", "{forgery:?}");
            both_still_waiting(&client, [&paid_one, &other], &forgery).await;
        }
        nothing_granted(&app, &client, &account).await;

        assert_eq!(fakes.wechat().notify(&no, Forgery::Honest).await, (204, String::new()));
        only_the_paid_one_paid(&client, &paid_one, &other).await;
    }
}
