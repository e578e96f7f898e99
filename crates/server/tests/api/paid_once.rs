//! One thing, paid once (issue 17, item 1; DESIGN.md §3, §5): what an order holds exclusively
//! is decided by the store, so requests at once — different `Idempotency-Key`s, a double click
//! in two windows — leave one order; the customer's keys cannot reach Entitle's own.

use entitle_client::{Client, ClientError};
use entitle_domain::api::ProblemCode;
use entitle_domain::api::{
    AddSeatsOrder, AddSeatsRequest, Order, OrderRequest, PaymentChoice, TrialOrder, UpgradeOrder,
    UpgradeRequest,
};
use entitle_domain::orders::OrderStatus;
use entitle_domain::subscription::SubscriptionStatus;
use entitle_domain::{AccountKind, Cycle, PaymentMethod, Region};
use entitle_server::store::entity::product;
use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::accounts::account_with_key;
use crate::on_both_databases;
use crate::purchase::{buy, order, pay_in_browser, purchase};

fn pay_with(method: PaymentMethod) -> PaymentChoice {
    PaymentChoice {
        payment_method: method,
        currency: None,
        return_url: None,
    }
}

/// `request` sent eight times at once, each with a key of its own.
pub async fn eight_at_once(
    client: &Client,
    account: Uuid,
    request: &OrderRequest,
) -> Vec<Result<Order, ClientError>> {
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            let request = request.clone();
            tokio::spawn(async move {
                client
                    .create_order(account, &Uuid::new_v4().to_string(), &request)
                    .await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("the request ran"));
    }
    answers
}

fn refusals(answers: &[Result<Order, ClientError>]) -> Vec<(Option<StatusCode>, &str)> {
    answers
        .iter()
        .filter_map(|a| a.as_ref().err())
        .map(|e| (e.status(), e.code().map_or("none", Into::into)))
        .collect()
}

fn premium() -> OrderRequest {
    purchase("premium", Some(Cycle::Month), 1, PaymentMethod::Alipay)
}

on_both_databases! {
    async fn a_second_edition_order_is_refused_while_one_waits_and_while_one_is_held(app) {
        let (account, client) = account_with_key(&app, "Twice", AccountKind::Individual, Region::Cn).await;
        let first = order(&client, account.id, &premium()).await;
        let second = client.create_order(account.id, "second", &premium()).await.expect_err("one waits");
        assert_eq!(second.status(), Some(StatusCode::CONFLICT));
        assert_eq!(second.code(), Some(ProblemCode::OrderPending));
        assert!(second.to_string().contains(&first.id.to_string()), "names the waiting order: {second}");
        // Premium Plus is the same edition family.
        let plus = purchase("premium_plus", Some(Cycle::Month), 1, PaymentMethod::Alipay);
        let third = client.create_order(account.id, "plus", &plus).await.expect_err("same family");
        assert_eq!(third.code(), Some(ProblemCode::OrderPending));

        assert!(pay_in_browser(&app, &first, "succeed").await.contains("Payment complete"));
        let held = client.create_order(account.id, "after", &premium()).await.expect_err("held");
        assert_eq!(held.status(), Some(StatusCode::CONFLICT));
        assert_eq!(held.code(), Some(ProblemCode::AlreadySubscribed));
        // A canceled order frees the edition: only waiting and held ones count.
        let (other, other_client) = account_with_key(&app, "Changes mind", AccountKind::Individual, Region::Cn).await;
        let dropped = order(&other_client, other.id, &premium()).await;
        other_client.cancel_order(dropped.id).await.expect("cancel");
        order(&other_client, other.id, &premium()).await;
    }

    async fn eight_edition_orders_at_once_leave_one(app) {
        let (account, client) = account_with_key(&app, "Clicker", AccountKind::Individual, Region::Cn).await;
        let answers = eight_at_once(&client, account.id, &premium()).await;
        assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 1, "{:?}", refusals(&answers));
        assert!(refusals(&answers).iter().all(|r| *r == (Some(StatusCode::CONFLICT), "order_pending")), "{:?}", refusals(&answers));
        let waiting = client.list_orders(account.id, Some(OrderStatus::PendingPayment), None, None).await.expect("orders");
        assert_eq!(waiting.items.len(), 1);
    }

    async fn eight_trials_at_once_leave_one(app) {
        let (account, client) = account_with_key(&app, "Trier", AccountKind::Individual, Region::Cn).await;
        let trial = OrderRequest::Trial(TrialOrder { product: "premium".to_owned() });
        let answers = eight_at_once(&client, account.id, &trial).await;
        assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 1, "{:?}", refusals(&answers));
        assert!(refusals(&answers).iter().all(|r| r.1 == "trial_already_used" || r.1 == "already_subscribed"), "{:?}", refusals(&answers));
        let subs = client.list_subscriptions(account.id, None, None).await.expect("subs").items;
        assert_eq!(subs.iter().filter(|s| s.trial).count(), 1);
    }

    async fn eight_upgrades_at_once_leave_one(app) {
        let (account, client) = account_with_key(&app, "Upgrader", AccountKind::Individual, Region::Cn).await;
        let bought = buy(&app, &client, account.id, &purchase("premium", Some(Cycle::Year), 1, PaymentMethod::Alipay)).await;
        let upgrade = OrderRequest::Upgrade(UpgradeOrder {
            item: UpgradeRequest { subscription_id: bought.subscription_id.expect("sub"), target_product: "premium_plus".to_owned() },
            payment: pay_with(PaymentMethod::Alipay),
        });
        let answers = eight_at_once(&client, account.id, &upgrade).await;
        assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 1, "{:?}", refusals(&answers));
        assert!(refusals(&answers).iter().all(|r| r.1 == "upgrade_not_allowed"), "{:?}", refusals(&answers));
    }

    async fn seats_wait_one_order_at_a_time_and_the_maximum_holds_when_granted(app) {
        let (account, client) = account_with_key(&app, "Corp", AccountKind::Enterprise, Region::Intl).await;
        let bought = buy(&app, &client, account.id, &purchase("enterprise", Some(Cycle::Year), 5, PaymentMethod::Paypal)).await;
        let sub_id = bought.subscription_id.expect("subscription");
        let seats = |n| OrderRequest::AddSeats(AddSeatsOrder {
            item: AddSeatsRequest { subscription_id: sub_id, seats: n },
            payment: pay_with(PaymentMethod::Paypal),
        });
        let answers = eight_at_once(&client, account.id, &seats(3)).await;
        assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 1, "{:?}", refusals(&answers));
        let waiting = answers.into_iter().find_map(Result::ok).expect("the one order");

        // The catalog's maximum drops to 6 before the payment lands: 5 + 3 seats would pass it.
        product::Entity::update_many()
            .col_expr(product::Column::MaxQuantity, Expr::value(6))
            .filter(product::Column::Code.eq("enterprise"))
            .exec(&app.db)
            .await
            .expect("lower the maximum");
        pay_in_browser(&app, &waiting, "succeed").await;
        let sub = client.get_subscription(sub_id).await.expect("sub");
        assert_eq!(sub.quantity, 5, "no seat past the maximum is granted");
        assert_eq!(client.get_order(waiting.id).await.expect("order").status, OrderStatus::PendingPayment);
    }

    async fn the_longest_idempotency_key_is_stored_with_its_prefix(app) {
        let (account, client) = account_with_key(&app, "Long key", AccountKind::Individual, Region::Intl).await;
        let key = "k".repeat(255);
        let request = purchase("failback", None, 1, PaymentMethod::Card);
        let first = client.create_order(account.id, &key, &request).await.expect("a 255-character key");
        let again = client.create_order(account.id, &key, &request).await.expect("its repeat");
        assert_eq!(again.id, first.id);
    }

    async fn a_customer_key_named_like_a_renewal_does_not_block_it(app) {
        let (account, client) = account_with_key(&app, "Mimic", AccountKind::Individual, Region::Intl).await;
        let bought = buy(&app, &client, account.id, &purchase("dr", Some(Cycle::Month), 1, PaymentMethod::Card)).await;
        let sub = client.get_subscription(bought.subscription_id.expect("sub")).await.expect("sub");
        // The key Entitle makes for this subscription's first renewal.
        let key = format!("renewal:{}:{}:0", sub.id, sub.current_period_end.timestamp_micros());
        order(&client, account.id, &purchase("failback", None, 1, PaymentMethod::Card)).await;
        let hostile = client.create_order(account.id, &key, &purchase("failback", None, 1, PaymentMethod::Card)).await.expect("an ordinary order");
        assert_eq!(hostile.status, OrderStatus::PendingPayment);

        app.admin.advance_clock("P31D").await.expect("a month on");
        app.admin.run_job("renewals").await.expect("renewals");
        let renewed = client.get_subscription(sub.id).await.expect("sub");
        assert_eq!(renewed.status, SubscriptionStatus::Active);
        assert!(renewed.current_period_end > sub.current_period_end, "the renewal was not blocked");
        let replay = client.create_order(account.id, &key, &purchase("failback", None, 1, PaymentMethod::Card)).await.expect("a repeat");
        assert_eq!(replay.id, hostile.id, "the customer's key still answers the customer's order");
    }
}
