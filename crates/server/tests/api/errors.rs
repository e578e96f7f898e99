//! Bad input gets a clear problem, never a 500 (DESIGN.md, "bad input").

use entitle_domain::api::ProblemCode;
use entitle_domain::{AccountKind, Cycle, PaymentMethod, Region};
use serde_json::json;

use crate::accounts::account_with_key;
use crate::harness::ADMIN_KEY;
use crate::on_both_databases;
use crate::purchase::{buy, purchase};

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
            assert_eq!(problem.code, ProblemCode::ValidationFailed, "{body}");
            assert!(!problem.detail.is_empty());
        }
    }

    async fn a_boolean_or_number_for_a_string_is_refused_not_read_as_text(app) {
        let (account, _) = account_with_key(&app, "Acme", AccountKind::Individual, Region::Cn).await;
        let cases = [
            (app.url("/v1/accounts"), json!({"name": false, "kind": "individual", "region": "cn"}), "body.name"),
            (app.url(&format!("/v1/accounts/{}/api-keys", account.id)), json!({"name": 12}), "body.name"),
            (app.url(&format!("/v1/accounts/{}/quotes", account.id)), json!({"type": "purchase", "product": true, "cycle": "month", "quantity": 1}), "body.product"),
        ];
        for (url, body, field) in cases {
            let response = app.http.post(&url).bearer_auth(ADMIN_KEY).json(&body).send().await.expect("send");
            assert_eq!(response.status(), 400, "{body}");
            let problem: serde_json::Value = response.json().await.expect("problem");
            assert_eq!(problem["code"], "validation_failed");
            assert!(problem["detail"].as_str().unwrap_or_default().contains(field), "{problem}");
        }
        let accounts = app.admin.list_accounts(Some(200), None).await.expect("accounts");
        assert!(accounts.items.iter().all(|a| a.name != "false"), "nothing was stored as the text of a boolean");
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

    async fn an_unknown_field_is_refused_by_name_and_nothing_is_ordered(app) {
        let (account, client) = account_with_key(&app, "Acme", AccountKind::Individual, Region::Cn).await;
        let response = app
            .http
            .post(app.url(&format!("/v1/accounts/{}/orders", account.id)))
            .bearer_auth(ADMIN_KEY)
            .header("Idempotency-Key", "typo-1")
            .json(&json!({"type": "purchase", "product": "dr", "cycle": "month", "quantity": 1,
                "payment_method": "alipay", "auto_renw": false}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 422);
        let problem: entitle_domain::api::Problem = response.json().await.expect("problem");
        assert_eq!(problem.code, ProblemCode::UnknownField);
        assert!(problem.detail.starts_with("body.auto_renw "), "{}", problem.detail);
        assert!(problem.detail.contains("auto_renew"), "the fields are named: {}", problem.detail);
        let orders = client.list_orders(account.id, None, None, None).await.expect("orders");
        assert!(orders.items.is_empty(), "the typo ordered something: {orders:?}");
    }

    async fn refusals_name_the_field_in_the_clients_words_never_an_internal(app) {
        let (account, _) = account_with_key(&app, "Acme", AccountKind::Individual, Region::Cn).await;
        let quotes = format!("/v1/accounts/{}/quotes", account.id);
        let cases = [
            ("GET", "/v1/accounts/not-a-uuid".to_owned(), None, "path parameter `id` must be a UUID"),
            ("GET", "/v1/accounts?limit=abc".to_owned(), None, "query parameter `limit` must be a whole number"),
            ("POST", quotes.clone(), Some(json!({"type": "purchase", "product": "dr", "quantity": 1, "cycle": "weekly"})),
                "body.cycle must be one of `month`, `year`"),
            ("POST", quotes, Some(json!({"type": "purchase", "product": "dr", "cycle": "month"})), "body.quantity is required"),
            ("POST", format!("/v1/accounts/{}/orders", account.id),
                Some(json!({"type": "trial", "product": "premium"})), "header `Idempotency-Key` is required"),
        ];
        for (method, path, body, said) in cases {
            let mut request = app.http.request(method.parse().expect("method"), app.url(&path)).bearer_auth(ADMIN_KEY);
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request.send().await.expect("request");
            assert_eq!(response.status(), 400, "{method} {path}");
            let problem: entitle_domain::api::Problem = response.json().await.expect("problem");
            assert!(problem.detail.starts_with(said), "{method} {path}: {}", problem.detail);
            for internal in ["param0", "string_uuid", "optional_", "integer(uint32)", "occurred while"] {
                assert!(!problem.detail.contains(internal), "{method} {path}: {}", problem.detail);
            }
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
        assert_eq!(problem.code, ProblemCode::ValidationFailed);
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
        assert_eq!(problem.code, ProblemCode::UnsupportedMediaType);
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

/// Sends `body` to `path` with the admin key (or `key`) and returns the status and the
/// problem's code (empty when the answer is not a problem).
async fn send(
    app: &crate::harness::TestApp,
    method: reqwest::Method,
    path: &str,
    key: &str,
    body: Option<serde_json::Value>,
) -> (u16, String) {
    let mut request = app.http.request(method, app.url(path)).bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

// Free text (DESIGN.md, "bad input"): a NUL used to reach PostgreSQL and answer 500; every
// free-text field now refuses control characters with 422 `validation_failed`, and every one
// has its length limit in the spec.
on_both_databases! {
    async fn a_nul_or_a_control_character_in_free_text_is_422_never_500(app) {
        use reqwest::Method;
        let (account, _) = account_with_key(&app, "Acme", AccountKind::Individual, Region::Cn).await;
        let id = account.id;
        let license = uuid::Uuid::now_v7();
        let cases = [
            ("/v1/accounts".to_owned(), json!({"name": "Ac\0me", "kind": "individual", "region": "cn"})),
            ("/v1/accounts".to_owned(), json!({"name": "\u{1b}[31mred", "kind": "individual", "region": "cn"})),
            (format!("/v1/accounts/{id}/api-keys"), json!({"name": "console\0"})),
            ("/v1/admin/webhook-endpoints".to_owned(), json!({
                "url": "https://example.com/\0", "events": ["*"], "secret": "0123456789abcdef"})),
            ("/v1/admin/webhook-endpoints".to_owned(), json!({
                "url": "https://example.com/", "events": ["*"], "secret": "0123456789abcdef\n"})),
            (format!("/v1/licenses/{license}/consume"), json!({"reference": "run\0 42"})),
            (format!("/v1/accounts/{id}/orders"), json!({
                "type": "purchase", "product": "dr", "cycle": "month", "quantity": 1,
                "payment_method": "alipay", "return_url": "https://example.com/\0"})),
            ("/v1/catalog/products".to_owned(), json!({
                "code": "backup", "name": "Back\0up", "kind": "term",
                "prices": [{"cycle": "month", "currency": "USD", "amount": "1.00"}]})),
            ("/v1/catalog/products".to_owned(), json!({
                "code": "backup", "name": "Backup", "kind": "term", "family": "b\0",
                "prices": [{"cycle": "month", "currency": "USD", "amount": "1.00"}]})),
        ];
        for (path, body) in cases {
            let mut request = app.http.post(app.url(&path)).bearer_auth(ADMIN_KEY).json(&body);
            if path.ends_with("/orders") {
                request = request.header("Idempotency-Key", "nul-in-return-url");
            }
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            let problem: entitle_domain::api::Problem = response.json().await.expect("problem");
            assert_eq!((status, problem.code), (422, ProblemCode::ValidationFailed), "{path} {body}");
        }

        // A tab inside the Idempotency-Key (the one control character a header may carry).
        let response = app
            .http
            .post(app.url(&format!("/v1/accounts/{id}/orders")))
            .bearer_auth(ADMIN_KEY)
            .header("Idempotency-Key", "a\tb")
            .json(&json!({"type": "trial", "product": "premium"}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 422);

        // Codes that name nothing are never sent to the store: absent, not a 500.
        let nul_product = json!({"type": "purchase", "product": "d\0r", "cycle": "month", "quantity": 1});
        let quote = send(&app, Method::POST, &format!("/v1/accounts/{id}/quotes"), ADMIN_KEY, Some(nul_product)).await;
        assert_eq!(quote, (422, "unknown_product".to_owned()));
        let trial = json!({"type": "trial", "product": "\0"});
        let response = app
            .http
            .post(app.url(&format!("/v1/accounts/{id}/orders")))
            .bearer_auth(ADMIN_KEY)
            .header("Idempotency-Key", "nul-trial")
            .json(&trial)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 422);
        let product = send(&app, Method::GET, "/v1/catalog/products/d%00r", ADMIN_KEY, None).await;
        assert_eq!(product.0, 404);
        let put = json!({"code": "d\0r", "name": "DR", "kind": "term",
            "prices": [{"cycle": "month", "currency": "USD", "amount": "1.00"}]});
        let replaced = send(&app, Method::PUT, "/v1/catalog/products/d%00r", ADMIN_KEY, Some(put)).await;
        assert_eq!(replaced, (422, "validation_failed".to_owned()));
        let filtered = send(&app, Method::GET, &format!("/v1/accounts/{id}/licenses?product=d%00r"), ADMIN_KEY, None).await;
        assert_eq!(filtered, (422, "validation_failed".to_owned()));
    }

    async fn invoice_details_are_one_printable_line_except_the_address(app) {
        let (account, client) = account_with_key(&app, "Invoiced", AccountKind::Individual, Region::Cn).await;
        let paid = buy(&app, &client, account.id, &purchase("dr", Some(Cycle::Month), 1, PaymentMethod::Alipay)).await;
        let path = format!("/v1/orders/{}/invoice", paid.id);
        let special = |field: &str, value: &str| {
            let mut body = json!({
                "type": "vat_special", "title": "上海示例科技有限公司", "company": true,
                "taxpayer_id": "91310000MA1FL8XQ3R", "address": "上海市浦东新区世纪大道 1 号",
                "phone": "021-12345678", "bank": "招商银行上海分行", "account_number": "6225880212345678"});
            body[field] = json!(value);
            body
        };
        for field in ["title", "taxpayer_id", "address", "phone", "bank", "account_number"] {
            let refused = send(&app, reqwest::Method::POST, &path, ADMIN_KEY, Some(special(field, "x\0y"))).await;
            assert_eq!(refused, (422, "validation_failed".to_owned()), "{field}");
        }
        // Longer than the spec says: refused as the request is read.
        let long = send(&app, reqwest::Method::POST, &path, ADMIN_KEY, Some(special("address", &"路".repeat(501)))).await;
        assert_eq!(long, (400, "validation_failed".to_owned()));
        let long = send(&app, reqwest::Method::POST, &path, ADMIN_KEY, Some(special("bank", &"行".repeat(201)))).await;
        assert_eq!(long, (400, "validation_failed".to_owned()));
        // An address may run over two lines.
        let two_lines = send(&app, reqwest::Method::POST, &path, ADMIN_KEY, Some(special("address", "上海市浦东新区\n世纪大道 1 号"))).await;
        assert_eq!(two_lines.0, 201);
    }

    async fn an_over_long_host_or_reference_is_refused_before_the_license_is_read(app) {
        let license = uuid::Uuid::now_v7();
        let host = send(&app, reqwest::Method::POST, &format!("/v1/licenses/{license}/activate"),
            ADMIN_KEY, Some(json!({"host": "h".repeat(254)}))).await;
        assert_eq!(host, (400, "validation_failed".to_owned()));
        let host = send(&app, reqwest::Method::POST, &format!("/v1/licenses/{license}/activate"),
            ADMIN_KEY, Some(json!({"host": "db-1\0"}))).await;
        assert_eq!(host.0 / 100, 4, "{host:?}");
        let reference = send(&app, reqwest::Method::POST, &format!("/v1/licenses/{license}/consume"),
            ADMIN_KEY, Some(json!({"reference": "r".repeat(201)}))).await;
        assert_eq!(reference, (400, "validation_failed".to_owned()));
    }

    async fn eight_first_invoice_requests_at_once_make_one_invoice_and_the_rest_409(app) {
        let (account, client) = account_with_key(&app, "Racing", AccountKind::Individual, Region::Intl).await;
        let paid = buy(&app, &client, account.id, &purchase("dr", Some(Cycle::Month), 1, PaymentMethod::Card)).await;
        let path = format!("/v1/orders/{}/invoice", paid.id);
        let tasks: Vec<_> = (0..8)
            .map(|n| {
                let request = app
                    .http
                    .post(app.url(&path))
                    .bearer_auth(ADMIN_KEY)
                    .json(&json!({"type": "standard", "title": format!("Racer {n}")}));
                tokio::spawn(async move {
                    let response = request.send().await.expect("request");
                    let status = response.status().as_u16();
                    let body: serde_json::Value = response.json().await.expect("json");
                    (status, body["code"].as_str().unwrap_or_default().to_owned())
                })
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.expect("task"));
        }
        // One request creates it; the others, first requests too, lose at the unique index
        // (409), or came after it committed and changed it (200). None is a 500, none a second
        // invoice.
        let created = answers.iter().filter(|(status, _)| *status == 201).count();
        let others_fine = answers.iter().all(|(status, code)| {
            *status == 201 || *status == 200 || (*status == 409 && code == "invoice_exists")
        });
        assert!(created == 1 && others_fine, "{answers:?}");
        let invoices = client.list_invoices(account.id, None, None).await.expect("invoices");
        assert_eq!(invoices.items.len(), 1);
    }
}

/// Every free-text field of a request states its limit in the spec, and the limit is the
/// domain's (`entitle_domain::text`): clients and generators read the one the server enforces.
#[test]
fn the_spec_states_every_free_text_limit_the_domain_enforces() {
    use entitle_domain::text;
    let spec: serde_json::Value =
        serde_json::from_str(&entitle_server::openapi_json()).expect("spec");
    let schemas = &spec["components"]["schemas"];
    let buyer = [
        ("title", text::INVOICE_NAME_MAX),
        ("taxpayer_id", text::INVOICE_CODE_MAX),
        ("address", text::ADDRESS_MAX),
        ("phone", text::INVOICE_CODE_MAX),
        ("bank", text::INVOICE_NAME_MAX),
        ("account_number", text::INVOICE_CODE_MAX),
    ];
    let mut fields = vec![
        ("AccountInput", "name", text::NAME_MAX),
        ("ApiKeyInput", "name", text::NAME_MAX),
        ("ConsumeLicense", "reference", text::REFERENCE_MAX),
        ("ActivateLicense", "host", text::HOST_MAX),
        ("WebhookEndpointInput", "url", text::URL_MAX),
        ("WebhookEndpointInput", "secret", text::SECRET_MAX),
        ("PurchaseOrder", "return_url", text::URL_MAX),
        ("UpgradeOrder", "return_url", text::URL_MAX),
        ("AddSeatsOrder", "return_url", text::URL_MAX),
        ("PurchaseOrder", "product", text::CODE_MAX),
        ("UpgradeOrder", "target_product", text::CODE_MAX),
        ("TrialOrder", "product", text::CODE_MAX),
        ("ProductInput", "code", text::CODE_MAX),
        ("ProductInput", "name", text::NAME_MAX),
        ("ProductInput", "family", text::FAMILY_MAX),
    ];
    fields.extend(
        buyer
            .iter()
            .map(|(field, max)| ("InvoiceRequest", *field, *max)),
    );
    for (schema, field, max) in fields {
        let stated = &schemas[schema]["properties"][field]["maxLength"];
        assert_eq!(stated.as_u64(), Some(max as u64), "{schema}.{field}");
    }
    let events = &schemas["WebhookEndpointInput"]["properties"]["events"]["items"]["maxLength"];
    assert_eq!(events.as_u64(), Some(text::EVENT_TYPE_MAX as u64));
    let key = spec["paths"]["/v1/accounts/{id}/orders"]["post"]["parameters"]
        .as_array()
        .and_then(|params| params.iter().find(|p| p["name"] == "Idempotency-Key"))
        .map(|p| p["schema"]["maxLength"].clone());
    assert_eq!(
        key.and_then(|m| m.as_u64()),
        Some(text::IDEMPOTENCY_KEY_MAX as u64)
    );
}
