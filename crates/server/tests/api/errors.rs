//! Bad input gets a clear problem, never a 500 (DESIGN.md, "bad input").

use entitle_domain::{AccountKind, Region};
use serde_json::json;

use crate::accounts::account_with_key;
use crate::harness::ADMIN_KEY;
use crate::on_both_databases;

on_both_databases! {
    async fn malformed_bodies_get_validation_problems(app) {
        let (account, _) = account_with_key(&app, "Acme", AccountKind::Individual, Region::Cn).await;
        let url = app.url(&format!("/v1/accounts/{}/quotes", account.id));
        let bodies = [
            "{not json".to_owned(),
            json!({"type": "purchase", "product": "dr", "cycle": "month", "quantity": -3}).to_string(),
            json!({"type": "purchase", "product": "dr", "cycle": "month", "quantity": 1u64 << 40}).to_string(),
            json!({"type": "purchase", "product": "dr", "cycle": "month", "quantity": "three"}).to_string(),
            json!({"type": "purchase", "product": "dr", "cycle": "weekly", "quantity": 1}).to_string(),
            json!({"type": "refund", "order": "x"}).to_string(),
            json!({"product": "dr", "quantity": 1}).to_string(),
            json!({"type": "upgrade", "subscription_id": "not-a-uuid", "target_product": "premium_plus"}).to_string(),
            "[]".to_owned(),
        ];
        for body in bodies {
            let response = app
                .http
                .post(&url)
                .bearer_auth(ADMIN_KEY)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 400, "{body}");
            assert_eq!(
                response.headers()["content-type"].to_str().expect("header"),
                "application/problem+json",
                "{body}"
            );
            let problem: entitle_domain::api::Problem = response.json().await.expect("problem");
            assert_eq!(problem.code, "validation_failed", "{body}");
            assert!(!problem.detail.is_empty());
        }
    }

    async fn bad_paths_and_methods_are_problems_too(app) {
        let cases = [
            ("GET", "/v1/accounts/not-a-uuid", 400),
            ("GET", "/v1/nothing-here", 404),
            ("DELETE", "/v1/accounts", 405),
        ];
        for (method, path, status) in cases {
            let response = app
                .http
                .request(method.parse().expect("method"), app.url(path))
                .bearer_auth(ADMIN_KEY)
                .send()
                .await
                .expect("request");
            assert_eq!(response.status().as_u16(), status, "{method} {path}");
            let problem: entitle_domain::api::Problem = response.json().await.expect("problem");
            assert_eq!(problem.status, status);
        }
    }

    async fn unknown_enum_values_in_accounts_are_refused(app) {
        let response = app
            .http
            .post(app.url("/v1/accounts"))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"name": "X", "kind": "government", "region": "cn"}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 400);
        let problem: entitle_domain::api::Problem = response.json().await.expect("problem");
        assert_eq!(problem.code, "validation_failed");
    }
}

// Regressions from spec fuzzing (schemathesis): each case it found is kept here.
on_both_databases! {
    async fn an_undeclared_method_is_a_405_that_says_what_is_allowed(app) {
        let response = app
            .http
            .request(reqwest::Method::from_bytes(b"TRACE").expect("method"), app.url("/healthz"))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 405);
        assert_eq!(response.headers()["allow"], "GET");
        let response = app
            .http
            .delete(app.url("/v1/accounts"))
            .bearer_auth(ADMIN_KEY)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 405);
        assert_eq!(response.headers()["allow"], "GET, POST");
    }

    async fn a_body_that_is_not_json_is_a_documented_415_problem(app) {
        let response = app
            .http
            .post(app.url("/v1/accounts"))
            .bearer_auth(ADMIN_KEY)
            .header("content-type", "text/plain")
            .body("name=x")
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 415);
        let problem: entitle_domain::api::Problem = response.json().await.expect("problem");
        assert_eq!(problem.code, "unsupported_media_type");
        let spec: serde_json::Value =
            serde_json::from_str(&entitle_server::openapi_json()).expect("spec");
        assert!(spec["paths"]["/v1/accounts"]["post"]["responses"]["415"].is_object());
    }

    async fn a_cursor_that_is_not_an_id_is_refused_as_the_request_is_read(app) {
        for cursor in ["", "not-an-id"] {
            let response = app
                .http
                .get(app.url(&format!("/v1/accounts?cursor={cursor}")))
                .bearer_auth(ADMIN_KEY)
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 400, "{cursor:?}");
        }
    }
}
