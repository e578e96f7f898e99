//! Subscriptions after the purchase: auto-renew on and off, trials, and paid upgrades and
//! seats through the same order flow (DESIGN.md §3, §5).

use chrono::Duration;
use entitle_client::LicenseQuery;
use entitle_domain::api::ProblemCode;
use entitle_domain::api::{
    AddSeatsOrder, AddSeatsRequest, OrderRequest, PaymentChoice, TrialOrder, UpgradeOrder,
    UpgradeRequest,
};
use entitle_domain::orders::{OrderStatus, OrderType};
use entitle_domain::subscription::SubscriptionStatus;
use entitle_domain::{AccountKind, Cycle, PaymentMethod, Region};
use uuid::Uuid;

use crate::accounts::account_with_key;
use crate::on_both_databases;
use crate::purchase::{buy, order, purchase};

fn trial() -> OrderRequest {
    OrderRequest::Trial(TrialOrder {
        product: "premium".to_owned(),
    })
}

fn pay_with(method: PaymentMethod) -> PaymentChoice {
    PaymentChoice {
        payment_method: method,
        currency: None,
        return_url: None,
    }
}

on_both_databases! {
    async fn auto_renew_turns_off_and_on_but_never_on_what_cannot_renew(app) {
        let (account, client) = account_with_key(&app, "Renewer", AccountKind::Individual, Region::Intl).await;
        buy(&app, &client, account.id, &purchase("dr", Some(Cycle::Month), 1, PaymentMethod::Card)).await;
        let sub = client.list_subscriptions(account.id, None, None).await.expect("subs").items.remove(0);
        assert!(sub.auto_renew, "term products renew by default");
        let off = client.set_auto_renew(sub.id, false).await.expect("off");
        assert!(!off.auto_renew);
        assert_eq!(off.status, SubscriptionStatus::Active, "off is not a cancellation");
        assert_eq!(off.current_period_end, sub.current_period_end);
        assert!(client.set_auto_renew(sub.id, true).await.expect("on").auto_renew);

        let started = order(&client, account.id, &trial()).await;
        let trial_sub = client.get_subscription(started.subscription_id.expect("trial subscription")).await.expect("sub");
        let refused = client.set_auto_renew(trial_sub.id, true).await.expect_err("a trial never renews");
        assert_eq!(refused.code(), Some(ProblemCode::AutoRenewNotAllowed));
        let audit = client.list_audit_events(None, Some(200), None).await.expect("audit");
        assert_eq!(audit.items.iter().filter(|e| e.action == "subscription.changed").count(), 2);
    }

    async fn a_premium_trial_starts_at_once_once_per_account_and_cannot_be_upgraded(app) {
        let (account, client) = account_with_key(&app, "Trier", AccountKind::Individual, Region::Cn).await;
        let started = order(&client, account.id, &trial()).await;
        assert_eq!(started.kind, OrderType::Trial);
        assert_eq!(started.status, OrderStatus::Paid);
        assert_eq!(started.total.to_string(), "0.00");
        assert!(started.checkout.is_none());
        let sub = client.get_subscription(started.subscription_id.expect("sub")).await.expect("sub");
        assert!(sub.trial);
        assert!(!sub.auto_renew);
        assert_eq!(sub.current_period_end - sub.current_period_start, Duration::days(14));

        let again = client.create_order(account.id, &Uuid::new_v4().to_string(), &trial()).await.expect_err("once");
        assert_eq!(again.code(), Some(ProblemCode::TrialAlreadyUsed));

        let upgrade = OrderRequest::Upgrade(UpgradeOrder {
            item: UpgradeRequest { subscription_id: sub.id, target_product: "premium_plus".to_owned() },
            payment: pay_with(PaymentMethod::Alipay),
        });
        let refused = client.create_order(account.id, "up-1", &upgrade).await.expect_err("trial");
        assert_eq!(refused.code(), Some(ProblemCode::UpgradeNotAllowed));

        // Buying Premium replaces the trial.
        buy(&app, &client, account.id, &purchase("premium", Some(Cycle::Month), 1, PaymentMethod::Alipay)).await;
        let ended = client.get_subscription(sub.id).await.expect("trial");
        assert_eq!(ended.status, SubscriptionStatus::Expired);
        let subs = client.list_subscriptions(account.id, None, None).await.expect("subs").items;
        assert_eq!(subs.iter().filter(|s| s.status == SubscriptionStatus::Active).count(), 1);
    }

    async fn a_paid_premium_upgrades_to_premium_plus_for_the_difference(app) {
        let (account, client) = account_with_key(&app, "Upgrader", AccountKind::Individual, Region::Cn).await;
        let bought = buy(&app, &client, account.id, &purchase("premium", Some(Cycle::Year), 1, PaymentMethod::Alipay)).await;
        let sub_id = bought.subscription_id.expect("subscription");
        let before = client.get_subscription(sub_id).await.expect("sub");
        let upgrade = OrderRequest::Upgrade(UpgradeOrder {
            item: UpgradeRequest { subscription_id: sub_id, target_product: "premium_plus".to_owned() },
            payment: pay_with(PaymentMethod::Alipay),
        });
        let paid = buy(&app, &client, account.id, &upgrade).await;
        // A whole year left bills ten months of (128.00 − 68.00).
        assert_eq!(paid.total.to_string(), "600.00");
        assert_eq!(paid.lines[0].months_billed, Some(10).into());
        let after = client.get_subscription(sub_id).await.expect("sub");
        assert_eq!(after.product, "premium_plus");
        assert_eq!(after.current_period_end, before.current_period_end, "the end date does not move");
        let licenses = client.list_licenses(account.id, &LicenseQuery::default()).await.expect("licenses").items;
        assert_eq!(licenses.len(), 1);
        assert_eq!(licenses[0].product, "premium_plus", "the license follows");
    }

    async fn an_enterprise_account_adds_seats_ending_with_the_subscription(app) {
        let (account, client) = account_with_key(&app, "Corp", AccountKind::Enterprise, Region::Intl).await;
        let bought = buy(&app, &client, account.id, &purchase("enterprise", Some(Cycle::Year), 5, PaymentMethod::Paypal)).await;
        let sub_id = bought.subscription_id.expect("subscription");
        let seats = OrderRequest::AddSeats(AddSeatsOrder {
            item: AddSeatsRequest { subscription_id: sub_id, seats: 2 },
            payment: pay_with(PaymentMethod::Paypal),
        });
        let paid = buy(&app, &client, account.id, &seats).await;
        // 12 months left bill 10: 14.90 × 2 seats × 10.
        assert_eq!(paid.total.to_string(), "298.00");
        let sub = client.get_subscription(sub_id).await.expect("sub");
        assert_eq!(sub.quantity, 7);
        let licenses = client.list_licenses(account.id, &LicenseQuery::default()).await.expect("licenses").items;
        assert_eq!(licenses.len(), 7);
        assert!(licenses.iter().all(|l| l.valid_until == sub.current_period_end));
    }
}
