//! Buying, end to end (DESIGN.md §3): order, hosted page, signed callback, fulfilment.

use chrono::Duration;
use entitle_client::LicenseQuery;
use entitle_domain::api::ProblemCode;
use entitle_domain::api::{OrderRequest, PaymentChoice, PurchaseOrder, PurchaseRequest};
use entitle_domain::licenses::{LicenseSource, LicenseStatus};
use entitle_domain::orders::{OrderStatus, OrderType};
use entitle_domain::{AccountKind, Currency, Cycle, PaymentMethod, Region, add_months};
use uuid::Uuid;

use crate::accounts::account_with_key;
use crate::on_both_databases;
use crate::purchase::{buy, order, pay_in_browser, purchase};

on_both_databases! {
    async fn a_cn_account_buys_three_annual_dr_licenses_with_alipay(app) {
        let (account, client) = account_with_key(&app, "Acme", AccountKind::Individual, Region::Cn).await;
        let mut request = purchase("dr", Some(Cycle::Year), 3, PaymentMethod::Alipay);
        if let OrderRequest::Purchase(p) = &mut request {
            p.auto_renew = Some(true);
        }
        let placed = order(&client, account.id, &request).await;
        assert_eq!(placed.status, OrderStatus::PendingPayment);
        assert_eq!(placed.kind, OrderType::Purchase);
        assert_eq!(placed.currency, Currency::Cny);
        assert_eq!(placed.total.to_string(), "5970.00");
        assert_eq!(placed.payment_method, Some(PaymentMethod::Alipay));
        let checkout = placed.checkout.clone().expect("checkout");
        assert_eq!(checkout.provider, "sandbox");
        assert!(checkout.url.starts_with(&app.base_url));
        assert_eq!(checkout.expires_at, placed.created_at + Duration::minutes(30));

        let page = pay_in_browser(&app, &placed, "succeed").await;
        assert!(page.contains("Payment complete"), "{page}");

        let paid = client.get_order(placed.id).await.expect("order");
        assert_eq!(paid.status, OrderStatus::Paid);
        let paid_at = paid.paid_at.expect("paid_at");
        let year_later = add_months(paid_at, 12).expect("in range");

        let licenses = client
            .list_licenses(account.id, &LicenseQuery::default())
            .await
            .expect("licenses")
            .items;
        let dr: Vec<_> = licenses.iter().filter(|l| l.product == "dr").collect();
        let failback: Vec<_> = licenses.iter().filter(|l| l.product == "failback").collect();
        assert_eq!(dr.len(), 3);
        assert_eq!(failback.len(), 3);
        for license in &licenses {
            assert_eq!(license.status, LicenseStatus::Active);
            assert_eq!(license.valid_from, paid_at);
            assert_eq!(license.valid_until, year_later);
            assert_eq!(license.order_id, Some(placed.id).into());
        }
        assert!(failback.iter().all(|l| l.source == LicenseSource::Bonus));
        assert!(dr.iter().all(|l| l.source == LicenseSource::Order));

        let subscriptions = client.list_subscriptions(account.id, None, None).await.expect("subs").items;
        assert_eq!(subscriptions.len(), 1);
        let sub = &subscriptions[0];
        assert_eq!((sub.product.as_str(), sub.cycle, sub.quantity), ("dr", Cycle::Year, 3));
        assert!(sub.auto_renew);
        assert_eq!(sub.current_period_start, paid_at);
        assert_eq!(sub.current_period_end, year_later);
        assert_eq!(sub.payment_method, Some(PaymentMethod::Alipay));
        assert_eq!(paid.subscription_id, Some(sub.id).into());

        let refused = client.cancel_order(placed.id).await.expect_err("final");
        assert_eq!(refused.status().map(|s| s.as_u16()), Some(409));
        assert_eq!(refused.code(), Some(ProblemCode::OrderNonRefundable));

        let actions: Vec<String> = client
            .list_audit_events(None, Some(200), None)
            .await
            .expect("audit")
            .items
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(actions.contains(&"order.created".to_owned()));
        assert!(actions.contains(&"order.paid".to_owned()));
        assert!(actions.contains(&"subscription.created".to_owned()));
        assert_eq!(actions.iter().filter(|a| *a == "license.granted").count(), 6);
    }

    async fn a_double_submit_with_one_key_makes_one_order(app) {
        let (account, client) = account_with_key(&app, "Clicky", AccountKind::Individual, Region::Intl).await;
        let request = purchase("failback", None, 2, PaymentMethod::Paypal);
        let first = client.create_order(account.id, "click-1", &request).await.expect("first");
        let again = client.create_order(account.id, "click-1", &request).await.expect("again");
        assert_eq!(first.id, again.id);

        let concurrent = futures_join(&client, account.id, "click-2", &request, 8).await;
        assert!(concurrent.windows(2).all(|w| w[0] == w[1]), "{concurrent:?}");

        let orders = client.list_orders(account.id, None, None, None).await.expect("orders");
        assert_eq!(orders.items.len(), 2);

        let other = purchase("failback", None, 3, PaymentMethod::Paypal);
        let reused = client.create_order(account.id, "click-1", &other).await.expect_err("reused");
        assert_eq!(reused.code(), Some(ProblemCode::IdempotencyKeyReused));
        assert_eq!(reused.status().map(|s| s.as_u16()), Some(422));

        let missing = app
            .http
            .post(app.url(&format!("/v1/accounts/{}/orders", account.id)))
            .bearer_auth(crate::harness::ADMIN_KEY)
            .json(&request)
            .send()
            .await
            .expect("request");
        assert_eq!(missing.status(), 400, "an order needs an Idempotency-Key");
    }

    async fn a_cn_account_cannot_pay_with_paypal_or_in_usd(app) {
        let (account, client) = account_with_key(&app, "Shanghai", AccountKind::Individual, Region::Cn).await;
        let paypal = purchase("dr", Some(Cycle::Month), 1, PaymentMethod::Paypal);
        let refused = client.create_order(account.id, "k1", &paypal).await.expect_err("paypal");
        assert_eq!(refused.code(), Some(ProblemCode::PaymentMethodNotAllowed));

        let usd = OrderRequest::Purchase(PurchaseOrder {
            item: PurchaseRequest { product: "dr".to_owned(), cycle: Some(Cycle::Month), quantity: 1, periods: 1 },
            auto_renew: None,
            payment: PaymentChoice { payment_method: PaymentMethod::Alipay, currency: Some(Currency::Usd), return_url: None },
        });
        let refused = client.create_order(account.id, "k2", &usd).await.expect_err("usd");
        assert_eq!(refused.code(), Some(ProblemCode::CurrencyMismatch));
        let orders = client.list_orders(account.id, None, None, None).await.expect("orders");
        assert!(orders.items.is_empty(), "a refused order is not created");
    }

    async fn an_unpaid_order_can_be_canceled_once(app) {
        let (account, client) = account_with_key(&app, "Undecided", AccountKind::Individual, Region::Intl).await;
        let placed = order(&client, account.id, &purchase("dr", Some(Cycle::Month), 1, PaymentMethod::Card)).await;
        let canceled = client.cancel_order(placed.id).await.expect("cancel");
        assert_eq!(canceled.status, OrderStatus::Canceled);
        assert!(canceled.canceled_at.is_some());
        let again = client.cancel_order(placed.id).await.expect_err("closed");
        assert_eq!(again.code(), Some(ProblemCode::OrderNotCancelable));
        let page = app.http.get(&placed.checkout.expect("checkout").url).send().await.expect("page");
        assert_eq!(page.status(), 410, "a canceled order's checkout is closed");
    }

    async fn a_declined_payment_fails_the_order_and_grants_nothing(app) {
        let (account, client) = account_with_key(&app, "Declined", AccountKind::Individual, Region::Intl).await;
        let placed = order(&client, account.id, &purchase("dr", Some(Cycle::Month), 2, PaymentMethod::Paypal)).await;
        let page = pay_in_browser(&app, &placed, "decline").await;
        assert!(page.contains("declined"), "{page}");
        assert_eq!(client.get_order(placed.id).await.expect("order").status, OrderStatus::Failed);
        let licenses = client.list_licenses(account.id, &LicenseQuery::default()).await.expect("licenses");
        assert!(licenses.items.is_empty());
    }

    async fn an_unpaid_order_expires_after_thirty_minutes(app) {
        let (account, client) = account_with_key(&app, "Slow", AccountKind::Individual, Region::Cn).await;
        let placed = order(&client, account.id, &purchase("failback", None, 1, PaymentMethod::WechatPay)).await;
        app.clock.advance(Duration::minutes(31));
        let expired = client.get_order(placed.id).await.expect("order");
        assert_eq!(expired.status, OrderStatus::Expired);
        let page = app.http.get(&placed.checkout.expect("checkout").url).send().await.expect("page");
        assert_eq!(page.status(), 410, "an expired checkout takes no payment");
    }

    async fn accounts_cannot_see_or_touch_each_others_orders_and_licenses(app) {
        let (alice, alice_client) = account_with_key(&app, "Alice", AccountKind::Individual, Region::Cn).await;
        let (_, bob_client) = account_with_key(&app, "Bob", AccountKind::Individual, Region::Cn).await;
        let paid = buy(&app, &alice_client, alice.id, &purchase("failback", None, 1, PaymentMethod::Alipay)).await;
        let license = alice_client
            .list_licenses(alice.id, &LicenseQuery::default())
            .await
            .expect("licenses")
            .items
            .remove(0);
        let subscription_free = alice_client.list_subscriptions(alice.id, None, None).await.expect("subs");
        assert!(subscription_free.items.is_empty(), "failback is not a subscription");

        let hidden = [
            bob_client.get_order(paid.id).await.err(),
            bob_client.cancel_order(paid.id).await.err(),
            bob_client.get_license(license.id).await.err(),
            bob_client.consume_license(license.id, "run-1").await.err(),
            bob_client.activate_license(license.id, "db-1").await.err(),
            bob_client.list_licenses(alice.id, &LicenseQuery::default()).await.err(),
            bob_client.list_orders(alice.id, None, None, None).await.err(),
            bob_client.list_subscriptions(alice.id, None, None).await.err(),
        ];
        for refused in hidden {
            assert_eq!(refused.and_then(|e| e.code()), Some(ProblemCode::NotFound));
        }
        let bob_audit = bob_client.list_audit_events(None, None, None).await.expect("audit");
        assert!(bob_audit.items.iter().all(|e| e.account_id != Some(alice.id).into()));
        let peeking = bob_client.list_audit_events(Some(alice.id), None, None).await.expect_err("hidden");
        assert_eq!(peeking.code(), Some(ProblemCode::NotFound));
        let still = alice_client.get_license(license.id).await.expect("license");
        assert_eq!(still.status, LicenseStatus::Active);
    }

    async fn orders_are_listed_by_status_in_pages(app) {
        let (account, client) = account_with_key(&app, "Lister", AccountKind::Individual, Region::Intl).await;
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(order(&client, account.id, &purchase("failback", None, 1, PaymentMethod::Paypal)).await.id);
        }
        client.cancel_order(ids[1]).await.expect("cancel");
        let pending = client
            .list_orders(account.id, Some(OrderStatus::PendingPayment), None, None)
            .await
            .expect("orders");
        assert_eq!(pending.items.iter().map(|o| o.id).collect::<Vec<Uuid>>(), vec![ids[0], ids[2]]);
        let first = client.list_orders(account.id, None, Some(2), None).await.expect("page 1");
        let rest = client
            .list_orders(account.id, None, Some(2), first.next_cursor.as_deref())
            .await
            .expect("page 2");
        let all: Vec<Uuid> = first.items.iter().chain(&rest.items).map(|o| o.id).collect();
        assert_eq!(all, ids);
        assert_eq!(rest.next_cursor, None.into());
    }
}

/// Sends the same order `n` times at once with one key; returns the order ids answered.
async fn futures_join(
    client: &entitle_client::Client,
    account: Uuid,
    key: &str,
    request: &OrderRequest,
    n: usize,
) -> Vec<Uuid> {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let client = client.clone();
        let request = request.clone();
        let key = key.to_owned();
        tasks.push(tokio::spawn(async move {
            client
                .create_order(account, &key, &request)
                .await
                .expect("order")
                .id
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.expect("task"));
    }
    ids
}
