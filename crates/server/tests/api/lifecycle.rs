//! Time passing (DESIGN.md §4): renewals, retries, expiry, reminders and outbound webhooks,
//! driven by moving the sandbox clock and running the jobs through the admin API.

use entitle_domain::jobs::Job;
use entitle_domain::webhooks::DeliveryStatus;
use std::sync::{Arc, Mutex};

use chrono::DateTime;
use entitle_client::{Client, LicenseQuery};
use entitle_domain::api::{OrderRequest, Subscription, WebhookEndpointInput};
use entitle_domain::calendar::period_end;
use entitle_domain::licenses::{LicenseSource, LicenseStatus};
use entitle_domain::subscription::SubscriptionStatus;
use entitle_domain::{AccountKind, Cycle, PaymentMethod, Region};
use entitle_server::store::entity::{event, order, sandbox_charge};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::accounts::account_with_key;
use crate::harness::{TestApp, move_to};
use crate::on_both_databases;
use crate::purchase::{buy, purchase};

fn monthly_dr(quantity: u32, auto_renew: bool) -> OrderRequest {
    let mut request = purchase("dr", Some(Cycle::Month), quantity, PaymentMethod::Alipay);
    if let OrderRequest::Purchase(p) = &mut request {
        p.auto_renew = Some(auto_renew);
    }
    request
}

async fn run(app: &TestApp, job: &str) -> u64 {
    app.admin.run_job(job).await.expect("run the job").processed
}

/// The account's DR subscription.
pub async fn dr_subscription(client: &Client, account: Uuid) -> Subscription {
    client
        .list_subscriptions(account, None, None)
        .await
        .expect("subscriptions")
        .items
        .into_iter()
        .find(|s| s.product == "dr")
        .expect("a DR subscription")
}

async fn saved_charges(app: &TestApp) -> u64 {
    sandbox_charge::Entity::find()
        .filter(sandbox_charge::Column::SessionId.is_null())
        .count(&app.db)
        .await
        .expect("count charges")
}

/// The events of `kind` recorded so far, as their payloads.
pub async fn events_of(app: &TestApp, kind: &str) -> Vec<serde_json::Value> {
    event::Entity::find()
        .filter(event::Column::Kind.eq(kind))
        .all(&app.db)
        .await
        .expect("events")
        .into_iter()
        .map(|e| serde_json::from_str(&e.payload).expect("json"))
        .collect()
}

on_both_databases! {
    async fn a_monthly_dr_subscription_renews_three_times_as_the_clock_moves(app) {
        let (account, client) = account_with_key(&app, "Renewing", AccountKind::Individual, Region::Cn).await;
        buy(&app, &client, account.id, &monthly_dr(2, true)).await;
        let first = dr_subscription(&client, account.id).await;
        let anchor = first.current_period_start;
        let mut previous_end = first.current_period_end;
        for term in 1..=3u32 {
            move_to(&app, previous_end).await;
            assert_eq!(run(&app, "renewals").await, 1, "term {term}");
            assert_eq!(run(&app, "renewals").await, 0, "a term renews once");
            let sub = dr_subscription(&client, account.id).await;
            assert_eq!(sub.status, SubscriptionStatus::Active);
            assert_eq!(sub.current_period_start, previous_end, "no gap, no overlap");
            assert_eq!(Some(sub.current_period_end), period_end(anchor, Cycle::Month, term + 1));
            assert_eq!(saved_charges(&app).await, u64::from(term), "one charge per term");
            previous_end = sub.current_period_end;
        }
        let licenses = client
            .list_licenses(account.id, &LicenseQuery { limit: Some(200), ..Default::default() })
            .await
            .expect("licenses")
            .items;
        let dr: Vec<_> = licenses.iter().filter(|l| l.product == "dr").collect();
        assert_eq!(dr.len(), 2, "the term's licenses are extended, not granted again");
        assert!(dr.iter().all(|l| l.valid_until == previous_end && l.status == LicenseStatus::Active));
        let bonus = licenses.iter().filter(|l| l.source == LicenseSource::Bonus).count();
        assert_eq!(bonus, 8, "2 bonus failback licenses per paid term, 4 terms");
        let renewal_orders = order::Entity::find()
            .filter(order::Column::Kind.eq("renewal"))
            .filter(order::Column::Status.eq("paid"))
            .count(&app.db)
            .await
            .expect("orders");
        assert_eq!(renewal_orders, 3);
        assert_eq!(events_of(&app, "subscription.renewed").await.len(), 3);
    }

    async fn a_failing_saved_method_ends_in_expired_after_its_retries(app) {
        let (account, client) = account_with_key(&app, "Declined", AccountKind::Individual, Region::Cn).await;
        buy(&app, &client, account.id, &monthly_dr(1, true)).await;
        app.payments.as_ref().expect("test mode").set_decline_saved_charges(true);
        let end = dr_subscription(&client, account.id).await.current_period_end;

        move_to(&app, end).await;
        run(&app, "renewals").await;
        let sub = dr_subscription(&client, account.id).await;
        assert_eq!(sub.status, SubscriptionStatus::PastDue);
        for (retry_day, expected) in [
            (1, SubscriptionStatus::PastDue),
            (3, SubscriptionStatus::PastDue),
            (5, SubscriptionStatus::Expired),
        ] {
            run(&app, "renewals").await;
            assert_ne!(
                dr_subscription(&client, account.id).await.status,
                SubscriptionStatus::Expired,
                "no retry before its day"
            );
            move_to(&app, end + chrono::Duration::days(retry_day)).await;
            run(&app, "renewals").await;
            assert_eq!(dr_subscription(&client, account.id).await.status, expected, "day {retry_day}");
        }
        assert_eq!(saved_charges(&app).await, 4, "the first charge and three retries");
        assert_eq!(events_of(&app, "subscription.past_due").await.len(), 3);
        assert_eq!(events_of(&app, "subscription.expired").await.len(), 1);
        let licenses = client
            .list_licenses(account.id, &LicenseQuery { product: Some("dr".to_owned()), ..Default::default() })
            .await
            .expect("licenses")
            .items;
        assert!(licenses.iter().all(|l| l.status == LicenseStatus::Expired));
    }

    async fn auto_renew_off_stops_renewal_and_on_again_resumes_it(app) {
        let (account, client) = account_with_key(&app, "Toggler", AccountKind::Individual, Region::Cn).await;
        buy(&app, &client, account.id, &monthly_dr(1, true)).await;
        let sub = dr_subscription(&client, account.id).await;
        client.set_auto_renew(sub.id, false).await.expect("off");
        client.set_auto_renew(sub.id, true).await.expect("on again");
        move_to(&app, sub.current_period_end).await;
        assert_eq!(run(&app, "renewals").await, 1, "on again before the end: renews");

        let renewed = dr_subscription(&client, account.id).await;
        client.set_auto_renew(renewed.id, false).await.expect("off");
        move_to(&app, renewed.current_period_end).await;
        assert_eq!(run(&app, "renewals").await, 0, "off: no renewal");
        assert!(run(&app, "expiry").await >= 1);
        let ended = dr_subscription(&client, account.id).await;
        assert_eq!(ended.status, SubscriptionStatus::Expired);
        assert_eq!(saved_charges(&app).await, 1);
    }

    async fn reminders_go_out_thirty_seven_and_one_day_before_once_each(app) {
        let (account, client) = account_with_key(&app, "Reminded", AccountKind::Individual, Region::Cn).await;
        buy(&app, &client, account.id, &purchase("failback", None, 2, PaymentMethod::Alipay)).await;
        let ends = client
            .list_licenses(account.id, &LicenseQuery::default())
            .await
            .expect("licenses")
            .items[0]
            .valid_until;
        assert_eq!(run(&app, "reminders").await, 0, "nothing within 30 days yet");
        for (days, sent) in [(30, 1), (7, 2), (1, 3)] {
            move_to(&app, ends - chrono::Duration::days(days)).await;
            assert_eq!(run(&app, "reminders").await, 1, "{days} days before");
            assert_eq!(run(&app, "reminders").await, 0, "once each");
            assert_eq!(events_of(&app, "license.expiring").await.len(), sent);
        }
        let last = events_of(&app, "license.expiring").await.pop().expect("event");
        assert_eq!(last["data"]["days_before"], 1);
        assert_eq!(last["data"]["licenses"], 2, "one reminder for the batch");

        move_to(&app, ends).await;
        assert_eq!(run(&app, "expiry").await, 2);
        assert_eq!(events_of(&app, "license.expired").await.len(), 2);
    }

    async fn one_run_renews_a_round_of_subscriptions_each_on_its_own_dates(app) {
        // Three accounts buy on three different days, with three quantities: one run renews
        // them together, and each keeps its own period, licenses and bonus.
        let mut buyers = Vec::new();
        for quantity in 1..=3u32 {
            let (account, client) = account_with_key(&app, &format!("Round {quantity}"), AccountKind::Individual, Region::Cn).await;
            buy(&app, &client, account.id, &monthly_dr(quantity, true)).await;
            let sub = dr_subscription(&client, account.id).await;
            buyers.push((account.id, client, quantity, sub));
            app.admin.advance_clock("P3D").await.expect("advance the clock");
        }
        let last_end = buyers.iter().map(|(_, _, _, sub)| sub.current_period_end).max().expect("three");
        move_to(&app, last_end).await;
        assert_eq!(run(&app, "renewals").await, 3, "all three in one run");
        assert_eq!(run(&app, "renewals").await, 0, "each term renews once");
        assert_eq!(saved_charges(&app).await, 3);
        for (account, client, quantity, first) in &buyers {
            let sub = dr_subscription(client, *account).await;
            assert_eq!(sub.current_period_start, first.current_period_end, "its own dates");
            assert_eq!(
                Some(sub.current_period_end),
                period_end(first.current_period_start, Cycle::Month, 2)
            );
            let licenses = client
                .list_licenses(*account, &LicenseQuery { limit: Some(200), ..Default::default() })
                .await
                .expect("licenses")
                .items;
            let dr: Vec<_> = licenses.iter().filter(|l| l.product == "dr").collect();
            assert_eq!(dr.len(), *quantity as usize);
            assert!(dr.iter().all(|l| l.valid_until == sub.current_period_end), "extended to its own end");
            let bonus: Vec<_> = licenses.iter().filter(|l| l.source == LicenseSource::Bonus).collect();
            assert_eq!(bonus.len(), 2 * *quantity as usize, "a bonus per unit per paid term");
            assert_eq!(
                bonus.iter().filter(|l| l.valid_from == sub.current_period_start).count(),
                *quantity as usize,
                "the renewed term's bonus covers the renewed term"
            );
        }
        let renewed = events_of(&app, "subscription.renewed").await;
        assert_eq!(renewed.len(), 3);
        for (_, _, _, first) in &buyers {
            let about: Vec<_> = renewed
                .iter()
                .filter(|e| e["data"]["subscription"]["id"] == serde_json::json!(first.id))
                .collect();
            assert_eq!(about.len(), 1, "one event per subscription");
            assert_eq!(
                about[0]["data"]["subscription"]["current_period_start"],
                serde_json::json!(first.current_period_end)
            );
        }
        let paid_renewals = order::Entity::find()
            .filter(order::Column::Kind.eq("renewal"))
            .filter(order::Column::Status.eq("paid"))
            .filter(order::Column::PaidAt.is_not_null())
            .count(&app.db)
            .await
            .expect("orders");
        assert_eq!(paid_renewals, 3);
    }

    async fn two_servers_running_renewals_at_once_charge_once(app) {
        let other = app.another_instance().await;
        let (account, client) = account_with_key(&app, "Contended", AccountKind::Individual, Region::Cn).await;
        buy(&app, &client, account.id, &monthly_dr(1, true)).await;
        let end = dr_subscription(&client, account.id).await.current_period_end;
        move_to(&app, end).await;
        let (a, b) = tokio::join!(app.admin.run_job("renewals"), other.admin.run_job("renewals"));
        let renewed = a.expect("first server").processed + b.expect("second server").processed;
        assert_eq!(renewed, 1, "exactly one server renewed the term");
        assert_eq!(saved_charges(&app).await, 1, "one charge");
        let sub = dr_subscription(&client, account.id).await;
        assert_eq!(sub.current_period_start, end);
    }

    async fn a_server_down_over_the_renewal_date_catches_up_once_when_it_returns(app) {
        let (account, client) = account_with_key(&app, "Downtime", AccountKind::Individual, Region::Cn).await;
        buy(&app, &client, account.id, &monthly_dr(1, true)).await;
        let end = dr_subscription(&client, account.id).await.current_period_end;
        // No job runs while the date passes; then a server starts again.
        move_to(&app, end + chrono::Duration::days(2)).await;
        let restarted = app.another_instance().await;
        assert_eq!(restarted.admin.run_job("renewals").await.expect("run").processed, 1);
        assert_eq!(restarted.admin.run_job("renewals").await.expect("run").processed, 0);
        assert_eq!(app.admin.run_job("renewals").await.expect("run").processed, 0);
        assert_eq!(saved_charges(&app).await, 1);
        let jobs = restarted.admin.list_jobs().await.expect("jobs");
        let renewals = jobs.items.iter().find(|j| j.job == Job::Renewals).expect("renewals");
        assert_eq!(renewals.runs, 3);
        assert_eq!(renewals.last_outcome.as_deref(), Some("ok"));
    }

    async fn a_webhook_endpoint_that_fails_twice_gets_the_event_once_signed(app) {
        let receiver = Receiver::start(2).await;
        let secret = "whsec_0123456789abcdef";
        app.admin
            .create_webhook_endpoint(&WebhookEndpointInput {
                url: receiver.url.clone(),
                events: vec!["order.paid".to_owned()],
                secret: secret.to_owned(),
            })
            .await
            .expect("register");
        let (account, client) = account_with_key(&app, "Hooked", AccountKind::Individual, Region::Cn).await;
        let paid = buy(&app, &client, account.id, &purchase("failback", None, 1, PaymentMethod::Alipay)).await;

        assert_eq!(run(&app, "webhooks").await, 0, "the first attempt fails");
        assert_eq!(run(&app, "webhooks").await, 0, "the retry waits its backoff");
        app.admin.advance_clock("PT11S").await.expect("advance");
        assert_eq!(run(&app, "webhooks").await, 0, "the second attempt fails");
        app.admin.advance_clock("PT21S").await.expect("advance");
        assert_eq!(run(&app, "webhooks").await, 1, "the third is delivered");
        app.admin.advance_clock("PT1H").await.expect("advance");
        assert_eq!(run(&app, "webhooks").await, 0, "delivered once");

        let deliveries = app.admin.list_webhook_deliveries(None, None).await.expect("deliveries").items;
        assert_eq!(deliveries.len(), 1);
        assert_eq!(deliveries[0].status, DeliveryStatus::Delivered);
        assert_eq!(deliveries[0].event_type, "order.paid");
        let codes: Vec<Option<u16>> = deliveries[0].attempts.iter().map(|a| *a.status_code).collect();
        assert_eq!(codes, vec![Some(500), Some(500), Some(200)]);

        let received = receiver.requests.lock().expect("requests").clone();
        assert_eq!(received.len(), 3);
        for (signature, body) in &received {
            // Checked as the endpoint would have on arrival, at the time it was signed.
            let signed_at = signature
                .split(',')
                .find_map(|part| part.strip_prefix("t="))
                .and_then(|t| t.parse::<i64>().ok())
                .and_then(|t| DateTime::from_timestamp(t, 0))
                .expect("a timestamp");
            entitle_server::signature::verify(secret.as_bytes(), signature, body.as_bytes(), signed_at)
                .expect("signed with the endpoint's secret");
            assert!(
                entitle_server::signature::verify(b"another-secret", signature, body.as_bytes(), signed_at).is_err()
            );
            let event: serde_json::Value = serde_json::from_str(body).expect("json");
            assert_eq!(event["type"], "order.paid");
            assert_eq!(event["data"]["order"]["id"], paid.id.to_string());
        }
    }
}

/// A local HTTP endpoint that answers 500 a number of times, then 200, recording each
/// request's signature header and body.
struct Receiver {
    url: String,
    requests: Arc<Mutex<Vec<(String, String)>>>,
}

impl Receiver {
    async fn start(failures: usize) -> Receiver {
        use poem::http::StatusCode;
        use poem::{EndpointExt, IntoResponse, Request, Route, handler, post};

        #[derive(Clone)]
        struct Shared {
            requests: Arc<Mutex<Vec<(String, String)>>>,
            failures: usize,
        }

        #[handler]
        async fn hook(
            req: &Request,
            body: String,
            shared: poem::web::Data<&Shared>,
        ) -> poem::Response {
            let signature = req
                .header(entitle_server::webhooks::SIGNATURE_HEADER)
                .unwrap_or_default()
                .to_owned();
            let mut requests = shared.requests.lock().expect("requests");
            requests.push((signature, body));
            if requests.len() <= shared.failures {
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            } else {
                StatusCode::OK.into_response()
            }
        }

        let requests = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            requests: requests.clone(),
            failures,
        };
        let acceptor = entitle_server::bind("127.0.0.1:0").await.expect("bind");
        let addr = entitle_server::local_addr(&acceptor).expect("address");
        let app = Route::new().at("/hook", post(hook)).data(shared);
        tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
        Receiver {
            url: format!("http://{addr}/hook"),
            requests,
        }
    }
}
