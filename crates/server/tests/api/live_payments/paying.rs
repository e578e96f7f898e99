//! A DR purchase paid through each provider's fake, by its real signed callback; the same
//! callback twice, and twenty at once, fulfil once.

use entitle_domain::api::ProblemCode;
use entitle_domain::licenses::LicenseSource;
use entitle_domain::orders::OrderStatus;
use entitle_domain::{AccountKind, PaymentMethod, Region};

use super::{dr, events_of, licenses, open_alipay, status_of, trade_no, verified};
use crate::accounts::account_with_key;
use crate::fakes::{Delivery, Fakes, Forgery};
use crate::on_both_databases_with;
use crate::purchase::order;

on_both_databases_with! {
    setup = Fakes::live();

    async fn a_dr_purchase_is_paid_by_alipays_notify(app, fakes: Fakes) {
        assert!(app.payments.is_none(), "live mode: no sandbox");
        let (account, client) = account_with_key(&app, "Alipay buyer", AccountKind::Individual, Region::Cn).await;
        let placed = order(&client, account.id, &dr(2, PaymentMethod::Alipay, false)).await;
        assert_eq!(placed.status, OrderStatus::PendingPayment);
        let checkout = placed.checkout.clone().expect("a checkout");
        assert_eq!(checkout.url, app.url(&format!("/pay/{}", crate::live_payments::session_of(&placed))));

        let no = open_alipay(&app, &fakes, &placed).await;
        let page_pay = verified(&fakes.alipay().seen(), "alipay.trade.page.pay");
        assert!(page_pay.target.starts_with("/gateway.do?"), "a GET of the gateway: {page_pay:?}");
        let trade = fakes.alipay().trade(&no).expect("trade");
        assert_eq!(trade.notify_url, app.url("/v1/payments/alipay/callback"));
        assert_eq!(trade.return_url, app.url("/v1/payments/alipay/return"));
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::PendingPayment, "opening the page pays nothing");

        fakes.alipay().pay(&no);
        assert_eq!(fakes.alipay().notify(&no, Forgery::Honest).await, (200, "success".to_owned()));
        let paid = client.get_order(placed.id).await.expect("order");
        assert_eq!(paid.status, OrderStatus::Paid);
        let held = licenses(&client, account.id).await;
        assert_eq!(held.iter().filter(|l| l.product == "dr").count(), 2);
        assert_eq!(held.iter().filter(|l| l.source == LicenseSource::Bonus).count(), 2, "a bonus failback per DR");

        // The browser comes back: Entitle asks Alipay (a signed query the fake verifies) and
        // shows the outcome.
        let back = app
            .http
            .get(app.url(&format!("/v1/payments/alipay/return?out_trade_no={no}")))
            .send()
            .await
            .expect("return");
        assert_eq!(back.status(), 200);
        assert!(back.text().await.expect("page").contains("Payment complete"));
        verified(&fakes.alipay().seen(), "alipay.trade.query");
        assert_eq!(events_of(&app, "order.paid").await.len(), 1);
    }

    async fn a_dr_purchase_is_paid_by_wechat_pays_callback(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "WeChat buyer", AccountKind::Individual, Region::Cn).await;
        let placed = order(&client, account.id, &dr(2, PaymentMethod::WechatPay, false)).await;
        let native = verified(&fakes.wechat().seen(), "native");
        assert_eq!(native.method, "POST");
        let no = trade_no(&placed);
        let trade = fakes.wechat().trade(&no).expect("the fake took the Native order");
        assert_eq!(rust_decimal::Decimal::new(trade.total, 2), placed.total.value(), "the amount, in fen");
        assert_eq!(trade.notify_url, app.url("/v1/payments/wechat_pay/callback"));
        assert!(trade.description.contains("dr"), "{}", trade.description);
        let checkout = placed.checkout.clone().expect("a checkout");
        assert_eq!(checkout.provider, "wechat_pay");
        assert_eq!(checkout.qr_code.as_deref(), Some(trade.code_url.as_str()), "the code WeChat Pay gave");
        assert_eq!(checkout.url, app.url(&format!("/pay/{}", crate::live_payments::session_of(&placed))));

        let page = app.http.get(&checkout.url).send().await.expect("QR page");
        assert_eq!(page.status(), 200);
        let html = page.text().await.expect("html");
        assert!(html.contains("<svg"), "the QR code drawn inline");
        assert!(html.contains(&placed.total.to_string()), "the amount");
        assert!(!html.contains("<script"), "no script");
        assert!(!html.contains("SANDBOX"), "live mode says no SANDBOX");

        fakes.wechat().pay(&no);
        assert_eq!(fakes.wechat().notify(&no, Forgery::Honest).await, (204, String::new()));
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::Paid);
        let held = licenses(&client, account.id).await;
        assert_eq!(held.iter().filter(|l| l.product == "dr").count(), 2);
        assert_eq!(held.iter().filter(|l| l.source == LicenseSource::Bonus).count(), 2);
        let html = app.http.get(&checkout.url).send().await.expect("QR page").text().await.expect("html");
        assert!(html.contains("Payment complete"), "the page follows the order");
    }

    async fn an_alipay_notify_twice_then_twenty_at_once_fulfils_once(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Repeated", AccountKind::Individual, Region::Cn).await;
        let placed = order(&client, account.id, &dr(2, PaymentMethod::Alipay, false)).await;
        let no = open_alipay(&app, &fakes, &placed).await;
        fakes.alipay().pay(&no);
        let notify = fakes.alipay().notify_delivery(&no, &Forgery::Honest);
        assert_eq!(notify.send().await, (200, "success".to_owned()));
        assert_eq!(notify.send().await, (200, "success".to_owned()), "a repeat is acknowledged");
        let again = fakes.alipay().notify_delivery(&no, &Forgery::Honest);
        let answers = at_once(20, &again).await;
        assert!(answers.iter().all(|a| *a == (200, "success".to_owned())), "{answers:?}");
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::Paid);
        assert_eq!(licenses(&client, account.id).await.len(), 4, "2 DR + 2 bonus, once");
        assert_eq!(events_of(&app, "order.paid").await.len(), 1, "one order.paid");
    }

    async fn a_wechat_callback_twenty_at_once_then_again_fulfils_once(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Burst", AccountKind::Individual, Region::Cn).await;
        let placed = order(&client, account.id, &dr(3, PaymentMethod::WechatPay, false)).await;
        let no = trade_no(&placed);
        fakes.wechat().pay(&no);
        let callback = fakes.wechat().notify_delivery(&no, &Forgery::Honest);
        let answers = at_once(20, &callback).await;
        assert!(answers.iter().all(|a| *a == (204, String::new())), "{answers:?}");
        assert_eq!(callback.send().await, (204, String::new()));
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::Paid);
        assert_eq!(licenses(&client, account.id).await.len(), 6, "3 DR + 3 bonus, once");
        assert_eq!(events_of(&app, "order.paid").await.len(), 1, "one order.paid");
    }

    async fn a_return_names_a_checkout_of_its_own_provider_or_nothing(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Returner", AccountKind::Individual, Region::Cn).await;
        let wechat = order(&client, account.id, &dr(1, PaymentMethod::WechatPay, false)).await;
        let alipay = order(&client, account.id, &dr(1, PaymentMethod::Alipay, false)).await;
        let asked_before = fakes.alipay().seen().len();
        for query in [
            format!("out_trade_no={}", trade_no(&wechat)),
            "out_trade_no=ffffffffffffffffffffffffffffffff".to_owned(),
            "out_trade_no=../../etc".to_owned(),
            String::new(),
        ] {
            let back = app.http.get(app.url(&format!("/v1/payments/alipay/return?{query}"))).send().await.expect("return");
            assert_eq!(back.status(), 404, "{query}");
        }
        assert_eq!(fakes.alipay().seen().len(), asked_before, "Alipay was asked about nothing");
        assert_eq!(status_of(&client, wechat.id).await, OrderStatus::PendingPayment);

        // Back before paying: Alipay is asked, nothing is paid, the page says so.
        let early = app.http.get(app.url(&format!("/v1/payments/alipay/return?out_trade_no={}", trade_no(&alipay)))).send().await.expect("return");
        assert_eq!(early.status(), 200);
        assert!(early.text().await.expect("page").contains("Payment processing"));
        assert_eq!(status_of(&client, alipay.id).await, OrderStatus::PendingPayment);
    }

    async fn checkouts_started_for_orders_that_lost_the_race_are_closed(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Double clicker", AccountKind::Individual, Region::Cn).await;
        let premium = crate::purchase::purchase("premium", Some(entitle_domain::Cycle::Month), 1, PaymentMethod::WechatPay);
        let answers = crate::paid_once::eight_at_once(&client, account.id, &premium).await;
        let kept: Vec<_> = answers.into_iter().filter_map(Result::ok).collect();
        assert_eq!(kept.len(), 1);
        let opened: Vec<_> = fakes.wechat().ledger().trades.values().cloned().collect();
        assert_eq!(opened.len(), 8, "each request started its checkout at WeChat Pay");
        for trade in &opened {
            assert_eq!(trade.closed, trade.out_trade_no != trade_no(&kept[0]), "{}", trade.out_trade_no);
        }
    }

    async fn a_fresh_checkout_is_only_for_an_order_waiting_for_payment(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Reopener", AccountKind::Individual, Region::Cn).await;
        let paid = order(&client, account.id, &dr(1, PaymentMethod::WechatPay, false)).await;
        let no = trade_no(&paid);
        fakes.wechat().pay(&no);
        assert_eq!(fakes.wechat().notify(&no, Forgery::Honest).await.0, 204);
        let refused = client.reopen_checkout(paid.id).await.expect_err("paid");
        assert_eq!((refused.status().map(|s| s.as_u16()), refused.code()), (Some(409), Some(ProblemCode::OrderNonRefundable)));
        let canceled = order(&client, account.id, &dr(1, PaymentMethod::WechatPay, false)).await;
        client.cancel_order(canceled.id).await.expect("cancel");
        let refused = client.reopen_checkout(canceled.id).await.expect_err("canceled");
        assert_eq!((refused.status().map(|s| s.as_u16()), refused.code()), (Some(409), Some(ProblemCode::OrderNotPayable)));
        let unknown = client.reopen_checkout(uuid::Uuid::now_v7()).await.expect_err("unknown");
        assert_eq!(unknown.status().map(|s| s.as_u16()), Some(404));
    }

    async fn a_superseded_or_canceled_checkout_is_closed_at_the_provider(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Rescanner", AccountKind::Individual, Region::Cn).await;
        let placed = order(&client, account.id, &dr(1, PaymentMethod::WechatPay, false)).await;
        let first = trade_no(&placed);
        let fresh = client.reopen_checkout(placed.id).await.expect("a fresh checkout");
        let second = trade_no(&fresh);
        assert_ne!(first, second);
        verified(&fakes.wechat().seen(), "close");
        assert!(fakes.wechat().trade(&first).expect("the first code").closed, "the old code no longer pays");
        assert!(!fakes.wechat().trade(&second).expect("the new code").closed);

        client.cancel_order(placed.id).await.expect("cancel");
        assert!(fakes.wechat().trade(&second).expect("the new code").closed, "a canceled order's code no longer pays");
        assert_eq!(status_of(&client, placed.id).await, OrderStatus::Canceled);
    }

}

/// Sends `delivery` `n` times at once.
async fn at_once(n: usize, delivery: &Delivery) -> Vec<(u16, String)> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let delivery = delivery.clone();
            tokio::spawn(async move { delivery.send().await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("delivery"));
    }
    answers
}
