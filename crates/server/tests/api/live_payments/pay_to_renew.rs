//! Pay to renew (issue 16, item 7), in test mode so the clock moves, with Alipay at its fake:
//! a monthly DR subscription paid with Alipay gets its renewal order seven days before the end,
//! with a checkout and a `subscription.renewal_due` event; paid through the fake (on a fresh
//! checkout) it moves the period on from the old end with the term's bonus; never paid, the
//! subscription goes past due at the end and expires with its order after the retry days.

use chrono::Duration;
use entitle_client::Client;
use entitle_domain::api::ProblemCode;
use entitle_domain::api::{Order, Subscription};
use entitle_domain::calendar::period_end;
use entitle_domain::licenses::{LicenseSource, LicenseStatus};
use entitle_domain::orders::{OrderStatus, OrderType};
use entitle_domain::subscription::SubscriptionStatus;
use entitle_domain::{AccountKind, Clock, Cycle, PaymentMethod, Region};
use entitle_server::store::entity::sandbox_charge;
use sea_orm::{EntityTrait, PaginatorTrait};
use uuid::Uuid;

use super::{dr, events_of, licenses, open_alipay, session_of, status_of};
use crate::accounts::account_with_key;
use crate::fakes::{Fakes, Forgery};
use crate::harness::{ADMIN_KEY, TestApp, move_to};
use crate::lifecycle::dr_subscription;
use crate::on_both_databases_with;
use crate::purchase::order;

async fn renewals(app: &TestApp) {
    app.admin.run_job("renewals").await.expect("run renewals");
}

async fn pending(client: &Client, account: Uuid) -> Vec<Order> {
    client
        .list_orders(account, Some(OrderStatus::PendingPayment), None, None)
        .await
        .expect("orders")
        .items
}

/// Pays `placed` through the Alipay fake: page.pay, payment, notify.
async fn pay_by_alipay(app: &TestApp, fakes: &Fakes, placed: &Order) {
    let no = open_alipay(app, fakes, placed).await;
    fakes.alipay().pay(&no);
    assert_eq!(
        fakes.alipay().notify(&no, Forgery::Honest).await,
        (200, "success".to_owned())
    );
}

/// Buys a monthly DR subscription paid with Alipay; opens its renewal order by moving to seven
/// days before the end and running renewals. The subscription as bought, and the order.
async fn renewal_due(
    app: &TestApp,
    fakes: &Fakes,
    client: &Client,
    account: Uuid,
    quantity: u32,
) -> (Subscription, Order) {
    let bought = order(client, account, &dr(quantity, PaymentMethod::Alipay, true)).await;
    pay_by_alipay(app, fakes, &bought).await;
    let sub = dr_subscription(client, account).await;
    assert!(sub.auto_renew);
    let end = sub.current_period_end;

    move_to(app, end - Duration::days(8)).await;
    renewals(app).await;
    assert!(
        pending(client, account).await.is_empty(),
        "eight days before: no notice yet"
    );

    move_to(app, end - Duration::days(7)).await;
    renewals(app).await;
    renewals(app).await;
    let open = pending(client, account).await;
    assert_eq!(open.len(), 1, "one renewal order, opened once");
    let renewal = open[0].clone();
    assert_eq!(renewal.kind, OrderType::Renewal);
    assert_eq!(renewal.subscription_id, Some(sub.id).into());
    assert_eq!(renewal.total, bought.total, "the same term, the same price");
    let checkout = renewal.checkout.clone().expect("a checkout to pay");
    assert_eq!(checkout.provider, "alipay");

    let summary = client.account_summary(account).await.expect("summary");
    assert_eq!(
        summary
            .renewals_due
            .iter()
            .map(|o| o.id)
            .collect::<Vec<_>>(),
        vec![renewal.id],
        "Home lists the renewal to pay"
    );
    assert_eq!(
        summary.renewals_due[0].expires_at,
        Some(end + Duration::days(5)).into(),
        "payable until the last retry day"
    );

    let due = events_of(app, "subscription.renewal_due").await;
    assert_eq!(due.len(), 1, "the customer is told once");
    assert_eq!(due[0]["data"]["order"]["id"], serde_json::json!(renewal.id));
    assert_eq!(
        due[0]["data"]["checkout_url"],
        serde_json::json!(checkout.url)
    );
    assert_eq!(
        dr_subscription(client, account).await.status,
        SubscriptionStatus::Active
    );
    (sub, renewal)
}

async fn saved_charges(app: &TestApp) -> u64 {
    sandbox_charge::Entity::find()
        .count(&app.db)
        .await
        .expect("count charges")
}

on_both_databases_with! {
    setup = Fakes::test_mode_alipay();

    async fn a_pay_to_renew_renewal_paid_before_the_end_moves_the_period_on(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Renewer", AccountKind::Individual, Region::Cn).await;
        let (sub, renewal) = renewal_due(&app, &fakes, &client, account.id, 2).await;
        let end = sub.current_period_end;

        // The customer opens the order days later: a fresh checkout.
        let reopened = app
            .http
            .post(app.url(&format!("/v1/orders/{}/checkout", renewal.id)))
            .bearer_auth(ADMIN_KEY)
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect("reopen the checkout");
        assert_eq!(reopened.status(), 200);
        let reopened: Order = reopened.json().await.expect("the order");
        assert_eq!(reopened.id, renewal.id);
        assert_ne!(session_of(&reopened), session_of(&renewal), "a new checkout session");
        assert_ne!(reopened.checkout.as_ref().map(|c| &c.url), renewal.checkout.as_ref().map(|c| &c.url));

        pay_by_alipay(&app, &fakes, &reopened).await;
        assert_eq!(status_of(&client, renewal.id).await, OrderStatus::Paid);
        let renewed = dr_subscription(&client, account.id).await;
        assert_eq!(renewed.status, SubscriptionStatus::Active);
        assert_eq!(renewed.current_period_start, end, "the new period starts where the old ended");
        assert_eq!(Some(renewed.current_period_end), period_end(sub.current_period_start, Cycle::Month, 2));
        let held = licenses(&client, account.id).await;
        let dr: Vec<_> = held.iter().filter(|l| l.product == "dr").collect();
        assert_eq!(dr.len(), 2, "the licenses are extended, not granted again");
        assert!(dr.iter().all(|l| l.valid_until == renewed.current_period_end));
        let bonus: Vec<_> = held.iter().filter(|l| l.source == LicenseSource::Bonus).collect();
        assert_eq!(bonus.len(), 4, "2 bonus failback licenses per paid term");
        assert_eq!(bonus.iter().filter(|l| l.valid_from == end).count(), 2, "the new term's bonus");
        assert_eq!(events_of(&app, "subscription.renewed").await.len(), 1);

        // The end passes: nothing more happens to a term paid for.
        move_to(&app, end).await;
        renewals(&app).await;
        let after = dr_subscription(&client, account.id).await;
        assert_eq!(after.status, SubscriptionStatus::Active);
        assert_eq!(after.current_period_end, renewed.current_period_end);
        assert!(pending(&client, account.id).await.is_empty());
        assert_eq!(saved_charges(&app).await, 0, "the sandbox charged nothing: Alipay's customer paid");
    }

    async fn a_purchase_paid_after_the_clock_moved_starts_on_the_servers_clock(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Jumper", AccountKind::Individual, Region::Cn).await;
        app.admin.advance_clock("P40D").await.expect("advance the clock");
        let placed = order(&client, account.id, &dr(1, PaymentMethod::Alipay, false)).await;
        pay_by_alipay(&app, &fakes, &placed).await;
        let paid = client.get_order(placed.id).await.expect("the order");
        let paid_at = paid.paid_at.expect("paid");
        // Alipay reports real time; the licenses start at the server's (moved) now, or a
        // month's DR bought after a 40-day jump would have ended before it was bought.
        assert!((paid_at - app.clock.now()).num_seconds().abs() < 120, "{paid_at} vs {}", app.clock.now());
        let dr: Vec<_> = licenses(&client, account.id).await.into_iter().filter(|l| l.product == "dr").collect();
        assert_eq!(dr.len(), 1);
        assert!(dr[0].valid_until > app.clock.now() + Duration::days(27), "{:?}", dr[0]);
        assert_eq!(dr[0].status, LicenseStatus::Active);
    }

    async fn an_upgrade_waits_for_the_renewal_due_and_then_keeps_its_term(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Climber", AccountKind::Individual, Region::Cn).await;
        let mut premium = crate::purchase::purchase("premium", Some(Cycle::Month), 1, PaymentMethod::Alipay);
        if let entitle_domain::api::OrderRequest::Purchase(p) = &mut premium {
            p.auto_renew = Some(true);
        }
        let bought = order(&client, account.id, &premium).await;
        pay_by_alipay(&app, &fakes, &bought).await;
        let paid = client.get_order(bought.id).await.expect("the order");
        let sub = client.get_subscription(paid.subscription_id.expect("sub")).await.expect("sub");
        let end = sub.current_period_end;
        move_to(&app, end - Duration::days(7)).await;
        renewals(&app).await;
        let renewal = pending(&client, account.id).await.into_iter().next().expect("the renewal due");

        // The renewal was priced for Premium: it is paid before the subscription changes.
        let upgrade = entitle_domain::api::OrderRequest::Upgrade(entitle_domain::api::UpgradeOrder {
            item: entitle_domain::api::UpgradeRequest { subscription_id: sub.id, target_product: "premium_plus".to_owned() },
            payment: entitle_domain::api::PaymentChoice { payment_method: PaymentMethod::Alipay, currency: None, return_url: None },
        });
        let refused = client.create_order(account.id, "upgrade-now", &upgrade).await.expect_err("the renewal waits");
        assert_eq!(refused.code(), Some(ProblemCode::RenewalPending));
        assert!(refused.to_string().contains(&renewal.id.to_string()), "{refused}");

        let reopened = client.reopen_checkout(renewal.id).await.expect("a fresh checkout");
        pay_by_alipay(&app, &fakes, &reopened).await;
        assert_eq!(status_of(&client, renewal.id).await, OrderStatus::Paid);
        let upgraded = order(&client, account.id, &upgrade).await;
        pay_by_alipay(&app, &fakes, &upgraded).await;
        let renewed = client.get_subscription(sub.id).await.expect("sub");
        assert_eq!(renewed.product, "premium_plus", "the upgrade landed");
        assert_eq!(renewed.current_period_start, end, "the renewed term stands");
        assert_eq!(Some(renewed.current_period_end), period_end(sub.current_period_start, Cycle::Month, 2));
        let held = licenses(&client, account.id).await;
        assert!(held.iter().all(|l| l.product == "premium_plus" && l.valid_until == renewed.current_period_end), "{held:?}");
        assert_eq!(events_of(&app, "subscription.renewed").await.len(), 1);
    }

    async fn a_pay_to_renew_renewal_paid_in_the_grace_runs_on_from_the_old_end(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Late payer", AccountKind::Individual, Region::Cn).await;
        let (sub, renewal) = renewal_due(&app, &fakes, &client, account.id, 1).await;
        let end = sub.current_period_end;
        move_to(&app, end + Duration::days(2)).await;
        renewals(&app).await;
        assert_eq!(dr_subscription(&client, account.id).await.status, SubscriptionStatus::PastDue);

        let reopened = client.reopen_checkout(renewal.id).await.expect("a fresh checkout");
        pay_by_alipay(&app, &fakes, &reopened).await;
        let renewed = dr_subscription(&client, account.id).await;
        assert_eq!(renewed.status, SubscriptionStatus::Active, "paid in the grace");
        assert_eq!(renewed.current_period_start, end, "no gap: the term starts at the old end");
        assert_eq!(Some(renewed.current_period_end), period_end(sub.current_period_start, Cycle::Month, 2));
        let held = licenses(&client, account.id).await;
        assert!(held.iter().filter(|l| l.product == "dr").all(|l| l.status == LicenseStatus::Active && l.valid_until == renewed.current_period_end), "{held:?}");
        assert_eq!(held.iter().filter(|l| l.source == LicenseSource::Bonus && l.valid_from == end).count(), 1, "the term's bonus");
        move_to(&app, end + Duration::days(6)).await;
        renewals(&app).await;
        assert_eq!(dr_subscription(&client, account.id).await.status, SubscriptionStatus::Active, "the grace's end changes nothing now");
    }

    async fn a_pay_to_renew_renewal_never_paid_expires_with_its_order(app, fakes: Fakes) {
        let (account, client) = account_with_key(&app, "Lapsing", AccountKind::Individual, Region::Cn).await;
        let (sub, renewal) = renewal_due(&app, &fakes, &client, account.id, 1).await;
        let end = sub.current_period_end;

        move_to(&app, end).await;
        renewals(&app).await;
        assert_eq!(dr_subscription(&client, account.id).await.status, SubscriptionStatus::PastDue);
        assert_eq!(status_of(&client, renewal.id).await, OrderStatus::PendingPayment, "still payable in the grace");
        for (day, expected) in [
            (1, SubscriptionStatus::PastDue),
            (3, SubscriptionStatus::PastDue),
            (5, SubscriptionStatus::Expired),
        ] {
            move_to(&app, end + Duration::days(day)).await;
            renewals(&app).await;
            assert_eq!(dr_subscription(&client, account.id).await.status, expected, "day {day}");
        }
        assert_eq!(status_of(&client, renewal.id).await, OrderStatus::Expired, "the unpaid order ends expired");
        let dr: Vec<_> = licenses(&client, account.id).await.into_iter().filter(|l| l.product == "dr").collect();
        assert!(dr.iter().all(|l| l.status == LicenseStatus::Expired), "{dr:?}");
        assert_eq!(events_of(&app, "subscription.expired").await.len(), 1);
        assert_eq!(saved_charges(&app).await, 0, "no saved method was charged");
    }
}
