//! Signed callbacks (DESIGN.md §3, §7, §8): believed only when signed, fresh and matching,
//! and a payment fulfils exactly once however often it is delivered.

use chrono::Duration;
use entitle_domain::api::ProblemCode;
use entitle_domain::orders::OrderStatus;
use entitle_domain::{AccountKind, Cycle, PaymentMethod, Region};
use uuid::Uuid;

use crate::accounts::account_with_key;
use crate::on_both_databases;
use crate::purchase::{callback_body, deliver, deliver_signed, order, purchase};

async fn license_count(client: &entitle_client::Client, account: Uuid) -> usize {
    crate::live_payments::licenses(client, account).await.len()
}

on_both_databases! {
    async fn the_same_callback_delivered_twice_fulfils_once(app) {
        let (account, client) = account_with_key(&app, "Twice", AccountKind::Individual, Region::Cn).await;
        let placed = order(&client, account.id, &purchase("dr", Some(Cycle::Month), 2, PaymentMethod::Alipay)).await;
        let body = callback_body(&app, &placed, Uuid::now_v7(), "398.00");

        let first = deliver_signed(&app, &body).await;
        assert_eq!(first.status(), 200);
        let first: serde_json::Value = first.json().await.expect("json");
        assert_eq!(first["changed"], true);
        let second: serde_json::Value = deliver_signed(&app, &body).await.json().await.expect("json");
        assert_eq!(second["changed"], false);

        assert_eq!(client.get_order(placed.id).await.expect("order").status, OrderStatus::Paid);
        assert_eq!(license_count(&client, account.id).await, 4, "2 DR + 2 bonus failback");
    }

    async fn twenty_concurrent_deliveries_fulfil_once(app) {
        let (account, client) = account_with_key(&app, "Burst", AccountKind::Individual, Region::Intl).await;
        let placed = order(&client, account.id, &purchase("dr", Some(Cycle::Year), 3, PaymentMethod::Paypal)).await;
        let body = callback_body(&app, &placed, Uuid::now_v7(), "870.00");
        let mut deliveries = Vec::new();
        for _ in 0..20 {
            let http = app.http.clone();
            let url = app.url("/v1/payments/sandbox/callback");
            let header = entitle_server::signature::sign(
                crate::harness::SANDBOX_SECRET.as_bytes(),
                chrono::Utc::now().timestamp(),
                &body,
            );
            let body = body.clone();
            deliveries.push(tokio::spawn(async move {
                let response = http
                    .post(url)
                    .header(entitle_server::payments::sandbox::SIGNATURE_HEADER, header)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("deliver");
                assert_eq!(response.status(), 200);
                let answer: serde_json::Value = response.json().await.expect("json");
                answer["changed"] == true
            }));
        }
        let mut fulfilled = 0;
        for delivery in deliveries {
            if delivery.await.expect("task") {
                fulfilled += 1;
            }
        }
        assert_eq!(fulfilled, 1, "exactly one delivery fulfils");
        assert_eq!(license_count(&client, account.id).await, 6, "one set of licenses");
        let subscriptions = client.list_subscriptions(account.id, None, None).await.expect("subs");
        assert_eq!(subscriptions.items.len(), 1);
    }

    async fn forged_stale_and_tampered_callbacks_change_nothing(app) {
        let (account, client) = account_with_key(&app, "Target", AccountKind::Individual, Region::Cn).await;
        let placed = order(&client, account.id, &purchase("dr", Some(Cycle::Month), 1, PaymentMethod::Alipay)).await;
        let now = chrono::Utc::now().timestamp();
        let honest = callback_body(&app, &placed, Uuid::now_v7(), "199.00");

        let forged = deliver(&app, &honest, "not-the-secret", now).await;
        assert_eq!(forged.status(), 400);
        let problem: entitle_domain::api::Problem = forged.json().await.expect("problem");
        assert_eq!(problem.code, ProblemCode::InvalidSignature);

        let stale = deliver(&app, &honest, crate::harness::SANDBOX_SECRET, now - 600).await;
        let problem: entitle_domain::api::Problem = stale.json().await.expect("problem");
        assert_eq!(problem.code, ProblemCode::StaleCallback);

        let cheap = callback_body(&app, &placed, Uuid::now_v7(), "0.01");
        let underpaid = deliver_signed(&app, &cheap).await;
        let problem: entitle_domain::api::Problem = underpaid.json().await.expect("problem");
        assert_eq!(problem.code, ProblemCode::CallbackMismatch);

        let header = entitle_server::signature::sign(
            crate::harness::SANDBOX_SECRET.as_bytes(),
            now,
            &honest,
        );
        let mut tampered = honest.clone();
        let text = String::from_utf8(tampered.clone()).expect("utf-8").replace("199.00", "299.00");
        tampered = text.into_bytes();
        let response = app
            .http
            .post(app.url("/v1/payments/sandbox/callback"))
            .header(entitle_server::payments::sandbox::SIGNATURE_HEADER, header)
            .body(tampered)
            .send()
            .await
            .expect("deliver");
        let problem: entitle_domain::api::Problem = response.json().await.expect("problem");
        assert_eq!(problem.code, ProblemCode::InvalidSignature);

        let unsigned = app
            .http
            .post(app.url("/v1/payments/sandbox/callback"))
            .body(honest.clone())
            .send()
            .await
            .expect("deliver");
        assert_eq!(unsigned.status(), 400);

        assert_eq!(
            client.get_order(placed.id).await.expect("order").status,
            OrderStatus::PendingPayment
        );
        assert_eq!(license_count(&client, account.id).await, 0);
    }

    async fn a_payment_for_an_expired_order_still_fulfils_it(app) {
        let (account, client) = account_with_key(&app, "Late", AccountKind::Individual, Region::Cn).await;
        let placed = order(&client, account.id, &purchase("failback", None, 2, PaymentMethod::WechatPay)).await;
        app.clock.advance(Duration::minutes(45));
        assert_eq!(client.get_order(placed.id).await.expect("order").status, OrderStatus::Expired);
        let body = callback_body(&app, &placed, Uuid::now_v7(), "198.00");
        let answer: serde_json::Value = deliver_signed(&app, &body).await.json().await.expect("json");
        assert_eq!(answer["changed"], true);
        let paid = client.get_order(placed.id).await.expect("order");
        assert_eq!(paid.status, OrderStatus::Paid);
        assert_eq!(license_count(&client, account.id).await, 2);
    }
}
