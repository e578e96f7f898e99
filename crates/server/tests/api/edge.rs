//! The HTTP edge (issue: hardening and operations): rate limits, body limits, security
//! headers, request ids, metrics.

use entitle_domain::api::ProblemCode;
use entitle_domain::{AccountKind, Region};

use crate::accounts::account_with_key;
use crate::harness::ADMIN_KEY;
use crate::on_both_databases;
use crate::purchase::{buy, purchase};

on_both_databases! {
    async fn a_key_over_its_rate_gets_429_with_retry_after(app) {
        let limited = app.another_instance_with(|config| config.rate_limit_per_key = 2).await;
        let mut statuses = Vec::new();
        let mut retry_after = None;
        for _ in 0..12 {
            let response = limited
                .http
                .get(limited.url("/v1/me"))
                .bearer_auth(ADMIN_KEY)
                .send()
                .await
                .expect("request");
            statuses.push(response.status().as_u16());
            if response.status() == 429 {
                retry_after = response.headers().get("retry-after").cloned();
                let problem: entitle_domain::api::Problem = response.json().await.expect("problem");
                assert_eq!(problem.code, ProblemCode::RateLimited);
            }
        }
        assert!(statuses.contains(&200) && statuses.contains(&429), "{statuses:?}");
        let seconds: u64 = retry_after.expect("Retry-After").to_str().expect("ascii").parse().expect("seconds");
        assert!(seconds >= 1);
    }

    async fn repeated_unknown_keys_from_one_address_are_slowed_down(app) {
        let mut statuses = Vec::new();
        for n in 0..30 {
            let response = app
                .http
                .get(app.url("/v1/me"))
                .bearer_auth(format!("ent_guess_{n}"))
                .send()
                .await
                .expect("request");
            statuses.push(response.status().as_u16());
        }
        assert_eq!(statuses[0], 401);
        assert_eq!(*statuses.last().expect("last"), 429, "{statuses:?}");
    }

    async fn a_body_over_a_mebibyte_is_refused_with_413(app) {
        let huge = format!("{{\"name\":\"{}\",\"kind\":\"individual\",\"region\":\"cn\"}}", "x".repeat(2 * 1024 * 1024));
        let response = app
            .http
            .post(app.url("/v1/accounts"))
            .bearer_auth(ADMIN_KEY)
            .header("content-type", "application/json")
            .body(huge)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 413);
        let problem: entitle_domain::api::Problem = response.json().await.expect("problem");
        assert_eq!(problem.code, ProblemCode::PayloadTooLarge);
    }

    async fn every_answer_has_a_request_id_and_the_payment_page_is_locked_down(app) {
        let response = app.http.get(app.url("/healthz")).send().await.expect("request");
        let id = response.headers()["x-request-id"].to_str().expect("id").to_owned();
        assert!(uuid::Uuid::parse_str(&id).is_ok());
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        let echoed = app
            .http
            .get(app.url("/healthz"))
            .header("x-request-id", "trace-42")
            .send()
            .await
            .expect("request");
        assert_eq!(echoed.headers()["x-request-id"], "trace-42");

        let (account, client) = account_with_key(&app, "Paying", AccountKind::Individual, Region::Cn).await;
        let placed = crate::purchase::order(&client, account.id, &purchase("failback", None, 1, entitle_domain::PaymentMethod::Alipay)).await;
        let page = app.http.get(&placed.checkout.expect("checkout").url).send().await.expect("page");
        assert_eq!(page.headers()["x-frame-options"], "DENY");
        let csp = page.headers()["content-security-policy"].to_str().expect("csp");
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("form-action 'self'"), "{csp}");
    }

    async fn metrics_count_requests_orders_payments_and_jobs(app) {
        let (account, client) = account_with_key(&app, "Measured", AccountKind::Individual, Region::Cn).await;
        buy(&app, &client, account.id, &purchase("failback", None, 1, entitle_domain::PaymentMethod::Alipay)).await;
        app.admin.run_job("expiry").await.expect("job");
        let text = app.http.get(app.url("/metrics")).bearer_auth(ADMIN_KEY).send().await.expect("metrics").text().await.expect("text");
        assert!(text.contains("entitle_http_requests_total{operation=\"POST /v1/accounts\",status=\"201\"}"), "{text}");
        assert!(text.contains("entitle_http_request_duration_seconds_bucket"), "{text}");
        assert!(text.contains("entitle_orders{status=\"paid\"} 1"), "{text}");
        assert!(text.contains("entitle_payments_fulfilled_total 1"), "{text}");
        assert!(text.contains("entitle_job_runs_total{job=\"expiry\"} 1"), "{text}");
    }
}
