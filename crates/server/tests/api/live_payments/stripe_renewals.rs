//! Renewals charged to the card a Stripe Checkout saved (issue 20, item 3), in test mode so
//! the clock moves, with Stripe at its fake: a renewal charged off-session by itself; one
//! declined, retried on the schedule and charged; one the card's bank wants the customer for
//! (`authentication_required`), which becomes pay to renew at once and, paid, saves the card
//! again.

use entitle_client::Client;
use entitle_domain::api::Subscription;
use entitle_domain::orders::{OrderStatus, OrderType};
use entitle_domain::subscription::SubscriptionStatus;
use entitle_domain::{AccountKind, PaymentMethod, Region};
use uuid::Uuid;

use super::stripe::{callback, saved_card, session_of_order};
use super::{dr, events_of, status_of};
use crate::accounts::account_with_key;
use crate::fakes::Fakes;
use crate::fakes::stripe::{OffSession, StripeForgery};
use crate::harness::{TestApp, move_to};
use crate::lifecycle::dr_subscription;
use crate::on_both_databases_with;
use crate::purchase::order;

async fn renewals(app: &TestApp) {
    app.admin.run_job("renewals").await.expect("run renewals");
}

/// Buys a monthly DR subscription of `quantity`, renewing by itself, paid by card through the
/// fake's Checkout; the subscription, with its card saved.
async fn bought_by_card(
    app: &TestApp,
    fakes: &Fakes,
    client: &Client,
    account: Uuid,
    quantity: u32,
) -> Subscription {
    let placed = order(client, account, &dr(quantity, PaymentMethod::Card, true)).await;
    let checkout = placed.checkout.clone().expect("a checkout");
    assert_eq!(
        checkout.provider, "stripe",
        "card goes to Stripe, not the sandbox"
    );
    let session = session_of_order(fakes, &placed);
    fakes.stripe().pay(&session.id);
    let answer = fakes
        .stripe()
        .deliver(&session.id, &callback(app), StripeForgery::Honest)
        .await;
    assert_eq!(answer.0, 200, "{answer:?}");
    assert_eq!(status_of(client, placed.id).await, OrderStatus::Paid);
    assert!(
        saved_card(app, account).await.is_some(),
        "the card is saved"
    );
    dr_subscription(client, account).await
}

/// The renewal orders of `account`, oldest first.
async fn renewal_orders(client: &Client, account: Uuid) -> Vec<entitle_domain::api::Order> {
    let mut orders: Vec<_> = client
        .list_orders(account, None, None, None)
        .await
        .expect("orders")
        .items
        .into_iter()
        .filter(|o| o.kind == OrderType::Renewal)
        .collect();
    orders.sort_by_key(|o| o.created_at);
    orders
}

on_both_databases_with! {
    setup = Fakes::test_mode_stripe();

    async fn a_card_subscription_renews_off_session_by_itself(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Card renewer", AccountKind::Individual, Region::Intl).await;
        let sub = bought_by_card(&app, &fakes, &client, account.id, 2).await;
        let card = saved_card(&app, account.id).await.expect("a card");

        move_to(&app, sub.current_period_end - chrono::Duration::days(7)).await;
        renewals(&app).await;
        assert!(renewal_orders(&client, account.id).await.is_empty(), "a saved card: no pay-to-renew notice");

        move_to(&app, sub.current_period_end).await;
        renewals(&app).await;
        let renewed = dr_subscription(&client, account.id).await;
        assert_eq!(renewed.status, SubscriptionStatus::Active);
        assert_eq!(renewed.current_period_start, sub.current_period_end, "the next month follows on");
        let orders = renewal_orders(&client, account.id).await;
        assert_eq!(orders.len(), 1);
        assert_eq!(orders[0].status, OrderStatus::Paid);
        let charges = fakes.stripe().payment_intents();
        assert_eq!(charges.len(), 1, "charged once");
        let intent = fakes.stripe().payment_intent(&charges[0].payment_intent).expect("the charge's intent");
        assert_eq!(intent.status, "succeeded");
        assert_eq!(format!("{}/{}", charges[0].customer, charges[0].payment_method), card, "the saved card");
        assert_eq!(charges[0].idempotency_key, format!("renew-{}", orders[0].id), "keyed by the renewal order");
        assert_eq!(charges[0].metadata.get("order_id"), Some(&orders[0].id.to_string()));
        assert_eq!(
            rust_decimal::Decimal::new(charges[0].amount, 2),
            orders[0].total.value(),
            "the renewal's total, in cents"
        );
        renewals(&app).await;
        assert_eq!(fakes.stripe().payment_intents().len(), 1, "nothing charged twice");
    }

    async fn a_declined_renewal_is_retried_and_then_charged(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Declined card", AccountKind::Individual, Region::Intl).await;
        let sub = bought_by_card(&app, &fakes, &client, account.id, 1).await;
        fakes.stripe().set_off_session(OffSession::Decline);
        move_to(&app, sub.current_period_end).await;
        renewals(&app).await;
        let after = dr_subscription(&client, account.id).await;
        assert_eq!(after.status, SubscriptionStatus::PastDue, "declined: past due, retried later");
        let failed = renewal_orders(&client, account.id).await;
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].status, OrderStatus::Failed);
        assert_eq!(events_of(&app, "subscription.past_due").await.len(), 1);
        assert!(saved_card(&app, account.id).await.is_some(), "a decline keeps the card");

        fakes.stripe().set_off_session(OffSession::Succeed);
        move_to(&app, sub.current_period_end + chrono::Duration::days(1)).await;
        renewals(&app).await;
        let renewed = dr_subscription(&client, account.id).await;
        assert_eq!(renewed.status, SubscriptionStatus::Active, "the retry was charged");
        assert_eq!(renewed.current_period_start, sub.current_period_end);
        let orders = renewal_orders(&client, account.id).await;
        assert_eq!(orders.len(), 2, "a new order for the retry");
        assert_eq!(orders[1].status, OrderStatus::Paid);
        let charges = fakes.stripe().payment_intents();
        assert_eq!(charges.len(), 2);
        assert_ne!(charges[0].idempotency_key, charges[1].idempotency_key, "each attempt its own key");
        assert_eq!(charges[1].outcome, OffSession::Succeed);
    }

    async fn a_renewal_needing_authentication_becomes_pay_to_renew(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "SCA card", AccountKind::Individual, Region::Intl).await;
        crate::mail::set_contact(&app, account.id, "sca@card.example").await;
        let sub = bought_by_card(&app, &fakes, &client, account.id, 1).await;
        fakes.stripe().set_off_session(OffSession::AuthenticationRequired);
        move_to(&app, sub.current_period_end).await;
        renewals(&app).await;

        let orders = renewal_orders(&client, account.id).await;
        assert_eq!(orders.len(), 2, "the charged order, then the customer's: {orders:?}");
        assert_eq!(orders[0].status, OrderStatus::Failed);
        let to_pay = &orders[1];
        assert_eq!(to_pay.status, OrderStatus::PendingPayment);
        let checkout = to_pay.checkout.clone().expect("a checkout for the customer");
        assert_eq!(checkout.provider, "stripe");
        let due = events_of(&app, "subscription.renewal_due").await;
        assert_eq!(due.len(), 1, "the customer is told at once");
        assert_eq!(due[0]["data"]["order"]["id"], serde_json::json!(to_pay.id));
        assert_eq!(saved_card(&app, account.id).await, None, "the card that needs its holder is forgotten");
        assert_eq!(dr_subscription(&client, account.id).await.status, SubscriptionStatus::PastDue);
        renewals(&app).await;
        assert_eq!(fakes.stripe().payment_intents().len(), 1, "not charged again off-session");

        // The customer is emailed the renewal due, with a pay link that opens a fresh checkout.
        let sink = crate::smtp_sink::SmtpSink::start().await;
        let url = sink.url();
        let settings = fakes.clone();
        let mailer = app
            .another_instance_with(move |config| {
                settings.configure(config);
                config.smtp_url = Some(url);
            })
            .await;
        mailer.admin.run_job("mail").await.expect("mail");
        let mails = sink.wait_for(3, std::time::Duration::from_secs(5)).await;
        let due = mails
            .iter()
            .find(|m| m.header("Message-ID").is_some_and(|id| id.contains(".renewal_due@")))
            .unwrap_or_else(|| panic!("a renewal-due mail: {mails:?}"));
        let text = due.text("text/plain").expect("text");
        assert!(text.contains(&to_pay.total.to_string()), "the amount: {text}");
        let link = text
            .split_whitespace()
            .find(|w| w.contains("/mail/pay/"))
            .unwrap_or_else(|| panic!("a pay link: {text}"))
            .to_owned();
        let opened = app.http.get(&link).send().await.expect("open the pay link");
        assert_eq!(opened.status(), 303, "to a fresh checkout");
        let page = opened.headers()["location"].to_str().expect("location").to_owned();
        assert!(page.starts_with(fakes.stripe().base_url()), "Stripe's page: {page}");
        assert_ne!(page, checkout.url, "a fresh checkout, not the one first opened");

        // The customer pays on Stripe's page: the term follows on, and the new card is saved.
        let session = session_of_order(&fakes, to_pay);
        assert_eq!(session.url, page, "the session the pay link opened");
        assert!(session.saves, "paying the renewal saves the card for the next one");
        fakes.stripe().pay(&session.id);
        let answer = fakes.stripe().deliver(&session.id, &callback(&app), StripeForgery::Honest).await;
        assert_eq!(answer.0, 200, "{answer:?}");
        let renewed = dr_subscription(&client, account.id).await;
        assert_eq!(renewed.status, SubscriptionStatus::Active);
        assert_eq!(renewed.current_period_start, sub.current_period_end);
        assert!(saved_card(&app, account.id).await.is_some(), "a card again");

        // The same link once the renewal is paid opens no checkout: it shows the order's state.
        let again = app.http.get(&link).send().await.expect("open the pay link again");
        assert_eq!(again.status(), 200, "nothing left to pay");
        assert!(again.text().await.expect("page").contains("Payment complete"));
        let unknown = app.http.get(app.url(&format!("/mail/pay/{}", uuid::Uuid::now_v7()))).send().await.expect("a made-up link");
        assert_eq!(unknown.status(), 404);
    }
}
