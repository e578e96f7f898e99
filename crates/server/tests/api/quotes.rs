//! Quotes over HTTP (DESIGN.md §3, §5): the server prices, line by line.

use chrono::Duration;
use entitle_domain::api::ProblemCode;
use entitle_domain::api::{AddSeatsRequest, PurchaseRequest, QuoteRequest, UpgradeRequest};
use entitle_domain::quote::LineKind;
use entitle_domain::{AccountKind, Currency, Cycle, PaymentMethod, Region, add_months};
use sea_orm::{ActiveModelTrait, Set};
use uuid::Uuid;

use crate::accounts::account_with_key;
use crate::harness::TestApp;
use crate::on_both_databases;

fn purchase(product: &str, cycle: Option<Cycle>, quantity: u32) -> QuoteRequest {
    QuoteRequest::Purchase(PurchaseRequest {
        product: product.to_owned(),
        cycle,
        quantity,
        periods: 1,
    })
}

/// A quote for upgrading `subscription` to `target`.
fn upgrade(subscription: Uuid, target: &str) -> QuoteRequest {
    QuoteRequest::Upgrade(UpgradeRequest {
        subscription_id: subscription,
        target_product: target.to_owned(),
    })
}

/// Stores a subscription directly, to price against an exact distance from its end (the
/// purchase flow always starts periods now).
pub(crate) async fn held_subscription(
    app: &TestApp,
    account: Uuid,
    product: &str,
    quantity: i32,
    trial: bool,
    ends_in: Duration,
) -> Uuid {
    use entitle_server::store::entity::subscription;
    let now = chrono::Utc::now();
    let id = Uuid::now_v7();
    subscription::ActiveModel {
        id: Set(id),
        account_id: Set(account),
        product_code: Set(product.to_owned()),
        cycle: Set(entitle_domain::Cycle::Year),
        quantity: Set(quantity),
        status: Set(entitle_domain::subscription::SubscriptionStatus::Active),
        trial: Set(trial),
        auto_renew: Set(true),
        anchor_at: Set(now - Duration::days(30)),
        current_period_start: Set(now - Duration::days(30)),
        current_period_end: Set(now + ends_in),
        created_at: Set(now),
        updated_at: Set(now),
        payment_method: Set(Some(entitle_domain::PaymentMethod::Alipay)),
        order_id: Set(None),
        renewal_failures: Set(0),
        next_retry_at: Set(None),
        payment_token: Set(None),
    }
    .insert(&app.db)
    .await
    .expect("store subscription");
    id
}

on_both_databases! {
    async fn three_annual_dr_licenses_for_a_cn_account(app) {
        let (account, client) = account_with_key(&app, "Acme", AccountKind::Individual, Region::Cn).await;
        let quote = client
            .quote(account.id, &purchase("dr", Some(Cycle::Year), 3))
            .await
            .expect("quote");
        assert_eq!(quote.currency, Currency::Cny);
        assert_eq!(quote.total.to_string(), "5970.00");
        assert_eq!(quote.payment_methods, vec![PaymentMethod::Alipay, PaymentMethod::WechatPay]);
        assert_eq!(quote.lines[0].unit_price.to_string(), "1990.00");
        assert_eq!(quote.lines[0].periods, Some(1).into());
        assert_eq!(quote.lines[1].kind, LineKind::Bonus);
        assert_eq!(quote.lines[1].product, "failback");
        assert_eq!(quote.lines[1].quantity, 3);
        assert_eq!(Some(quote.period.end), add_months(quote.period.start, 12));
    }

    async fn an_intl_account_is_quoted_in_usd(app) {
        let (account, client) = account_with_key(&app, "Acme", AccountKind::Individual, Region::Intl).await;
        let request = QuoteRequest::Purchase(PurchaseRequest {
            product: "dr".to_owned(),
            cycle: Some(Cycle::Month),
            quantity: 2,
            periods: 3,
        });
        let quote = client.quote(account.id, &request).await.expect("quote");
        assert_eq!(quote.currency, Currency::Usd);
        assert_eq!(quote.total.to_string(), "174.00");
        assert_eq!(Some(quote.period.end), add_months(quote.period.start, 3));
        let failback = client.quote(account.id, &purchase("failback", None, 2)).await.expect("quote");
        assert_eq!(failback.total.to_string(), "30.00");
        assert_eq!(Some(failback.period.end), add_months(failback.period.start, 3));
    }

    async fn purchase_refusals_carry_their_codes(app) {
        let (account, client) = account_with_key(&app, "Solo", AccountKind::Individual, Region::Cn).await;
        let cases = [
            (purchase("enterprise", Some(Cycle::Year), 3), "account_kind_not_allowed"),
            (purchase("dr", None, 1), "cycle_required"),
            (purchase("failback", Some(Cycle::Month), 1), "cycle_not_allowed"),
            (purchase("dr", Some(Cycle::Month), 0), "quantity_out_of_range"),
            (purchase("dr", Some(Cycle::Month), 100_000), "quantity_out_of_range"),
            (purchase("nothing", Some(Cycle::Month), 1), "unknown_product"),
            (
                QuoteRequest::Purchase(PurchaseRequest {
                    product: "dr".to_owned(),
                    cycle: Some(Cycle::Year),
                    quantity: 1,
                    periods: 4,
                }),
                "periods_out_of_range",
            ),
        ];
        for (request, code) in cases {
            let refused = client.quote(account.id, &request).await.expect_err("refused");
            assert_eq!(refused.code().map(|c| c.to_string()).as_deref(), Some(code), "{request:?}");
            assert_eq!(refused.status().map(|s| s.as_u16()), Some(422), "{request:?}");
        }
    }

    async fn an_account_cannot_quote_for_another(app) {
        let (_, client) = account_with_key(&app, "A", AccountKind::Individual, Region::Cn).await;
        let (other, _) = account_with_key(&app, "B", AccountKind::Individual, Region::Cn).await;
        let refused = client
            .quote(other.id, &purchase("dr", Some(Cycle::Month), 1))
            .await
            .expect_err("hidden");
        assert_eq!(refused.code(), Some(ProblemCode::NotFound));
    }

    async fn an_upgrade_with_100_days_left_bills_four_months_of_the_difference(app) {
        let (account, client) = account_with_key(&app, "Up", AccountKind::Individual, Region::Cn).await;
        let premium = held_subscription(&app, account.id, "premium", 1, false, Duration::days(100)).await;
        let request = QuoteRequest::Upgrade(UpgradeRequest {
            subscription_id: premium,
            target_product: "premium_plus".to_owned(),
        });
        let quote = client.quote(account.id, &request).await.expect("quote");
        let line = &quote.lines[0];
        assert_eq!(line.months_left, Some(4).into());
        assert_eq!(line.months_billed, Some(4).into());
        // Premium Plus 128.00 − Premium 68.00, for 4 months.
        assert_eq!(line.unit_price.to_string(), "60.00");
        assert_eq!(quote.total.to_string(), "240.00");
    }

    async fn upgrade_cost_follows_the_rule_at_every_distance_from_the_end(app) {
        let (account, client) = account_with_key(&app, "Distances", AccountKind::Individual, Region::Cn).await;
        let now = chrono::Utc::now();
        let months = |n: u32| add_months(now, n).expect("in range") - now;
        // (time left, months billed by the rule, (128.00 − 68.00) × billed)
        let cases = [
            (Duration::days(10), 1, "60.00"),
            (Duration::days(100), 4, "240.00"),
            (months(12), 10, "600.00"),
            (months(13), 11, "660.00"),
            (months(25), 21, "1260.00"),
        ];
        for (left, billed, total) in cases {
            let premium = held_subscription(&app, account.id, "premium", 1, false, left).await;
            let quote = client
                .quote(account.id, &upgrade(premium, "premium_plus"))
                .await
                .expect("quote");
            assert_eq!(quote.lines[0].months_billed, Some(billed).into(), "{left:?} left");
            assert_eq!(quote.total.to_string(), total, "{left:?} left");
        }
    }

    async fn a_second_upgrade_while_one_waits_for_payment_is_refused(app) {
        use entitle_domain::api::{OrderRequest, PaymentChoice, UpgradeOrder};
        let (account, client) = account_with_key(&app, "Eager", AccountKind::Individual, Region::Cn).await;
        let premium = held_subscription(&app, account.id, "premium", 1, false, Duration::days(100)).await;
        let upgrade = OrderRequest::Upgrade(UpgradeOrder {
            item: UpgradeRequest { subscription_id: premium, target_product: "premium_plus".to_owned() },
            payment: PaymentChoice { payment_method: PaymentMethod::Alipay, currency: None, return_url: None },
        });
        client.create_order(account.id, "up-1", &upgrade).await.expect("first upgrade");
        let refused = client.create_order(account.id, "up-2", &upgrade).await.expect_err("pending");
        assert_eq!(refused.code(), Some(ProblemCode::UpgradeNotAllowed));
        let entitle_client::ClientError::Api { problem, .. } = refused else { panic!("problem") };
        assert_eq!(problem.reason.as_deref(), Some("upgrade_pending"));
    }

    async fn upgrade_refusals_say_what_to_do_instead(app) {
        let (account, client) = account_with_key(&app, "Trial", AccountKind::Individual, Region::Cn).await;
        let trial = held_subscription(&app, account.id, "premium", 1, true, Duration::days(10)).await;
        let refused = client
            .quote(account.id, &upgrade(trial, "premium_plus"))
            .await
            .expect_err("trial");
        assert_eq!(refused.code(), Some(ProblemCode::UpgradeNotAllowed));
        let entitle_client::ClientError::Api { problem, .. } = refused else {
            panic!("not a problem report");
        };
        assert_eq!(problem.reason.as_deref(), Some("trial"));
        assert!(problem.detail.contains("buy premium first"), "{}", problem.detail);

        let plus = held_subscription(&app, account.id, "premium_plus", 1, false, Duration::days(100)).await;
        let downgrade = client
            .quote(account.id, &upgrade(plus, "premium"))
            .await
            .expect_err("downgrade");
        assert_eq!(downgrade.code(), Some(ProblemCode::UpgradeNotAllowed));

        let missing = client
            .quote(account.id, &upgrade(Uuid::now_v7(), "premium_plus"))
            .await
            .expect_err("missing");
        assert_eq!(missing.code(), Some(ProblemCode::UnknownSubscription));
    }

    async fn seats_bill_per_seat_for_billable_months_left(app) {
        let (account, client) = account_with_key(&app, "Corp", AccountKind::Enterprise, Region::Intl).await;
        let ends = add_months(chrono::Utc::now(), 13).expect("in range") - chrono::Utc::now();
        let enterprise = held_subscription(&app, account.id, "enterprise", 10, false, ends + Duration::hours(1)).await;
        let quote = client
            .quote(account.id, &QuoteRequest::AddSeats(AddSeatsRequest {
                subscription_id: enterprise,
                seats: 5,
            }))
            .await
            .expect("quote");
        // 14 months left bill 10 + 2 = 12; 14.90 × 5 seats × 12.
        assert_eq!(quote.lines[0].months_left, Some(14).into());
        assert_eq!(quote.lines[0].months_billed, Some(12).into());
        assert_eq!(quote.total.to_string(), "894.00");
    }
}
