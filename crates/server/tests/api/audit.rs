//! Every change is in the audit log with the key that made it (DESIGN.md §7, issue 17): the
//! spec's every state-changing operation is called, and each must leave its entry naming the
//! acting key's id and prefix. An operation added to the spec fails this test until it is
//! either audited here or listed, with its reason, as changing nothing stored.

use std::collections::BTreeSet;

use entitle_domain::api::{AuditEvent, PurchaseRequest, QuoteRequest, WebhookEndpointInput};
use entitle_domain::invoices::{BuyerDetails, InvoiceType};
use entitle_domain::licenses::LicenseSource;
use entitle_domain::{AccountKind, Cycle, PaymentMethod, Region};
use serde_json::json;
use uuid::Uuid;

use crate::accounts::{key_named, new_account};
use crate::catalog::backup_product;
use crate::harness::TestApp;
use crate::on_both_databases;
use crate::purchase::{callback_body, deliver_signed, order, purchase};

/// Each audited operation of the spec and the action its entry is recorded under.
const AUDITED: &[(&str, &str)] = &[
    ("create_admin_api_key", "api_key.created"),
    ("create_account", "account.created"),
    ("create_api_key", "api_key.created"),
    ("update_account", "account.updated"),
    ("resend_message", "message.resent"),
    ("create_product", "product.created"),
    ("update_product", "product.updated"),
    ("create_order", "order.created"),
    ("reopen_checkout", "order.checkout_opened"),
    ("cancel_order", "order.canceled"),
    ("activate_license", "machine.activated"),
    ("deactivate_license", "machine.released"),
    ("consume_license", "license.consumed"),
    ("activate_machine", "machine.activated"),
    ("release_machine", "machine.released"),
    ("client_activate_machine", "machine.activated"),
    ("client_deactivate_machine", "machine.released"),
    ("client_consume", "license.consumed"),
    ("create_signing_key", "signing_key.created"),
    ("activate_signing_key", "signing_key.activated"),
    ("retire_signing_key", "signing_key.retired"),
    ("update_subscription", "subscription.changed"),
    ("request_invoice", "invoice.requested"),
    ("create_webhook_endpoint", "webhook_endpoint.created"),
    ("run_job", "job.run_requested"),
    ("advance_clock", "clock.advanced"),
    ("rotate_api_key", "api_key.rotated"),
    ("revoke_api_key", "api_key.revoked"),
];

/// State-changing methods whose operations store nothing, each with the reason.
const STORE_NOTHING: &[(&str, &str)] = &[
    (
        "create_quote",
        "a quote is priced and answered, never stored: the order prices itself again",
    ),
    (
        "client_validate",
        "an answer to the software; the fresh file it may carry is recorded, not a change",
    ),
    (
        "client_heartbeat",
        "a floating seat's ping: its time is kept, nothing an operator did",
    ),
    (
        "client_license_file",
        "a fresh file for a machine already active: recorded for staleness, not a change",
    ),
];

/// The spec's operations with a method that may change state.
async fn changing_operations(app: &TestApp) -> BTreeSet<String> {
    let spec = app.served_spec().await;
    let mut found = BTreeSet::new();
    for operations in spec["paths"].as_object().expect("paths").values() {
        for (method, operation) in operations.as_object().expect("operations") {
            if ["post", "put", "patch", "delete"].contains(&method.as_str()) {
                found.insert(
                    operation["operationId"]
                        .as_str()
                        .expect("operationId")
                        .to_owned(),
                );
            }
        }
    }
    found
}

/// Every audit event, oldest first.
async fn log(app: &TestApp) -> Vec<AuditEvent> {
    let mut events = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = app
            .admin
            .list_audit_events(None, Some(200), cursor.as_deref())
            .await
            .expect("audit page");
        events.extend(page.items);
        match page.next_cursor.0 {
            Some(next) => cursor = Some(next),
            None => return events,
        }
    }
}

/// Who acted, as the log should name it: a stored key's id and prefix, or the bootstrap key.
#[derive(Clone, Debug)]
struct Acting {
    id: Option<Uuid>,
    prefix: String,
}

impl Acting {
    /// The licensed software, acting with a license key: no API key is named.
    fn software() -> Self {
        Acting {
            id: None,
            prefix: String::new(),
        }
    }

    fn bootstrap() -> Self {
        Acting {
            id: None,
            prefix: "bootstrap".to_owned(),
        }
    }

    fn key(id: Uuid, prefix: &str) -> Self {
        Acting {
            id: Some(id),
            prefix: prefix.to_owned(),
        }
    }
}

/// Follows the log: after each operation, its new entries must include `action` by `who`.
struct Follower {
    seen: usize,
    checked: Vec<String>,
}

impl Follower {
    async fn expect(&mut self, app: &TestApp, operation: &str, who: &Acting) -> AuditEvent {
        let action = AUDITED
            .iter()
            .find(|(op, _)| *op == operation)
            .map(|(_, action)| *action)
            .expect("an audited operation");
        let events = log(app).await;
        let fresh = &events[self.seen..];
        self.seen = events.len();
        let entry = fresh
            .iter()
            .find(|e| e.action == action)
            .unwrap_or_else(|| panic!("{operation} left no {action} entry: {fresh:#?}"))
            .clone();
        assert_eq!(
            entry.actor_key_id,
            who.id.into(),
            "{operation}: the acting key's id"
        );
        assert_eq!(
            entry.actor_key_prefix.as_deref(),
            (!who.prefix.is_empty()).then_some(who.prefix.as_str()),
            "{operation}: the acting key's prefix"
        );
        self.checked.push(operation.to_owned());
        entry
    }

    async fn expect_nothing(&mut self, app: &TestApp, operation: &str) {
        let events = log(app).await;
        assert_eq!(
            events.len(),
            self.seen,
            "{operation} is listed as storing nothing"
        );
        self.checked.push(operation.to_owned());
    }
}

async fn walk(app: &TestApp) -> Vec<String> {
    let mut follow = Follower {
        seen: log(app).await.len(),
        checked: Vec::new(),
    };
    let bootstrap = Acting::bootstrap();
    let made = app
        .admin
        .create_admin_api_key(&key_named("ops"))
        .await
        .expect("stored admin key");
    follow.expect(app, "create_admin_api_key", &bootstrap).await;
    let admin = app.admin.with_key(&made.key);
    let by_admin = Acting::key(made.id, &made.prefix);

    let account = admin
        .create_account(&new_account("Audited", AccountKind::Individual, Region::Cn))
        .await
        .expect("account");
    let entry = follow.expect(app, "create_account", &by_admin).await;
    assert_eq!(
        (entry.entity.as_str(), entry.entity_id),
        ("account", account.id)
    );
    assert_eq!(entry.account_id, Some(account.id).into());

    let key = admin
        .create_api_key(account.id, &key_named("console"))
        .await
        .expect("account key");
    follow.expect(app, "create_api_key", &by_admin).await;
    let customer = app.admin.with_key(&key.key);
    let by_customer = Acting::key(key.id, &key.prefix);
    customer
        .update_account(
            account.id,
            &entitle_domain::api::AccountUpdate {
                email: Some("billing@audited.example".to_owned()),
                language: None,
            },
        )
        .await
        .expect("a billing contact");
    let entry = follow.expect(app, "update_account", &by_customer).await;
    assert!(
        entry
            .after
            .0
            .expect("after")
            .to_string()
            .contains("billing@audited.example")
    );

    admin
        .create_product(&backup_product("9.00"))
        .await
        .expect("create product");
    let entry = follow.expect(app, "create_product", &by_admin).await;
    assert!(entry.before.is_none());
    assert!(
        entry
            .after
            .as_ref()
            .expect("after")
            .to_string()
            .contains("9.00")
    );
    admin
        .update_product("backup", &backup_product("12.50"))
        .await
        .expect("update product");
    let entry = follow.expect(app, "update_product", &by_admin).await;
    let (before, after) = (
        entry.before.0.expect("before"),
        entry.after.0.expect("after"),
    );
    assert!(before.to_string().contains("9.00") && !before.to_string().contains("12.50"));
    assert!(
        after.to_string().contains("12.50"),
        "prices before and after: {after}"
    );

    let request = QuoteRequest::Purchase(PurchaseRequest {
        product: "dr".to_owned(),
        cycle: Some(Cycle::Year),
        quantity: 1,
        periods: 1,
    });
    customer.quote(account.id, &request).await.expect("quote");
    follow.expect_nothing(app, "create_quote").await;

    let dr = purchase("dr", Some(Cycle::Year), 2, PaymentMethod::Alipay);
    let first = order(&customer, account.id, &dr).await;
    follow.expect(app, "create_order", &by_customer).await;
    customer
        .reopen_checkout(first.id)
        .await
        .expect("fresh checkout");
    follow.expect(app, "reopen_checkout", &by_customer).await;
    customer.cancel_order(first.id).await.expect("cancel");
    follow.expect(app, "cancel_order", &by_customer).await;

    // Paid by the provider's callback, which is audited as the provider's, not a key's.
    let paid = order(&customer, account.id, &dr).await;
    let body = callback_body(app, &paid, Uuid::new_v4(), &paid.total.to_string());
    assert_eq!(deliver_signed(app, &body).await.status(), 200, "callback");
    let receipt = admin
        .list_messages(account.id, None, None)
        .await
        .expect("messages")
        .items
        .pop()
        .expect("the receipt, written with the payment");
    admin.resend_message(receipt.id).await.expect("resend");
    follow.expect(app, "resend_message", &by_admin).await;
    follow.seen = log(app).await.len();
    let licenses = customer
        .list_licenses(account.id, &Default::default())
        .await
        .expect("licenses")
        .items;
    let term = licenses
        .iter()
        .find(|l| l.product == "dr")
        .expect("a DR license");
    let bonus = licenses
        .iter()
        .find(|l| l.source == LicenseSource::Bonus)
        .expect("a bonus failback license");

    customer
        .activate_license(term.id, "db-a.example.com")
        .await
        .expect("activate");
    follow.expect(app, "activate_license", &by_customer).await;
    customer
        .deactivate_license(term.id)
        .await
        .expect("deactivate");
    follow.expect(app, "deactivate_license", &by_customer).await;
    customer
        .consume_license(bonus.id, "run-1")
        .await
        .expect("consume");
    follow.expect(app, "consume_license", &by_customer).await;
    walk_machines(app, &mut follow, term, &key.key, &by_customer).await;
    let other_bonus = licenses
        .iter()
        .find(|l| l.source == LicenseSource::Bonus && l.id != bonus.id)
        .expect("a second bonus failback license");
    let consumed = software(
        app,
        &other_bonus.key,
        "POST",
        "/v1/client/consume",
        json!({"run_id": "run-7"}),
    )
    .await;
    assert_eq!(consumed.status(), 200);
    follow
        .expect(app, "client_consume", &Acting::software())
        .await;
    let prepared = admin_call(app, &made.key, "POST", "/v1/admin/signing-keys").await;
    assert_eq!(prepared.status(), 201);
    let next: serde_json::Value = prepared.json().await.expect("a key");
    follow.expect(app, "create_signing_key", &by_admin).await;
    let kid = next["kid"].as_str().expect("kid").to_owned();
    let abandoned: serde_json::Value = admin_call(app, &made.key, "POST", "/v1/admin/signing-keys")
        .await
        .json()
        .await
        .expect("a key");
    follow.seen = log(app).await.len();
    let retired = admin_call(
        app,
        &made.key,
        "POST",
        &format!(
            "/v1/admin/signing-keys/{}/retire",
            abandoned["kid"].as_str().expect("kid")
        ),
    )
    .await;
    assert_eq!(retired.status(), 200);
    follow.expect(app, "retire_signing_key", &by_admin).await;
    let activated = admin_call(
        app,
        &made.key,
        "POST",
        &format!("/v1/admin/signing-keys/{kid}/activate"),
    )
    .await;
    assert_eq!(activated.status(), 200);
    follow.expect(app, "activate_signing_key", &by_admin).await;
    let subscription = customer
        .list_subscriptions(account.id, None, None)
        .await
        .expect("subscriptions")
        .items
        .remove(0);
    customer
        .set_auto_renew(subscription.id, false)
        .await
        .expect("auto-renew off");
    follow
        .expect(app, "update_subscription", &by_customer)
        .await;
    let invoice = entitle_domain::api::InvoiceRequest {
        kind: InvoiceType::VatOrdinary,
        buyer: BuyerDetails {
            title: Some("Audited Ltd".to_owned()),
            ..BuyerDetails::default()
        },
    };
    customer
        .request_invoice(paid.id, &invoice)
        .await
        .expect("invoice");
    follow.expect(app, "request_invoice", &by_customer).await;

    admin
        .create_webhook_endpoint(&WebhookEndpointInput {
            url: "https://hooks.example.com/entitle".to_owned(),
            events: vec!["*".to_owned()],
            secret: "whsec-audited-0123456789".to_owned(),
        })
        .await
        .expect("webhook endpoint");
    let entry = follow
        .expect(app, "create_webhook_endpoint", &by_admin)
        .await;
    assert!(
        !entry
            .after
            .0
            .expect("after")
            .to_string()
            .contains("whsec-audited-0123456789"),
        "no secret"
    );
    admin.run_job("expiry").await.expect("run a job");
    follow.expect(app, "run_job", &by_admin).await;
    admin.advance_clock("PT1H").await.expect("advance");
    follow.expect(app, "advance_clock", &by_admin).await;

    let rotated = customer.rotate_api_key(key.id).await.expect("rotate");
    follow.expect(app, "rotate_api_key", &by_customer).await;
    let fresh = app.admin.with_key(&rotated.key);
    fresh.revoke_api_key(rotated.id).await.expect("revoke");
    follow
        .expect(
            app,
            "revoke_api_key",
            &Acting::key(rotated.id, &rotated.prefix),
        )
        .await;
    follow.checked
}

on_both_databases! {
    async fn every_state_changing_operation_is_audited_with_the_key_that_acted(app) {
        let spec = changing_operations(&app).await;
        let classified: BTreeSet<String> = AUDITED
            .iter()
            .chain(STORE_NOTHING)
            .map(|(op, _)| (*op).to_owned())
            .collect();
        assert_eq!(
            spec, classified,
            "every POST/PUT/PATCH/DELETE of the spec is either audited or listed as storing nothing"
        );
        let checked: BTreeSet<String> = walk(&app).await.into_iter().collect();
        assert_eq!(checked, classified, "the walk called every operation");
    }

    async fn changes_by_no_key_name_no_key(app) {
        let (account, customer) = crate::accounts::account_with_key(
            &app, "Paying", AccountKind::Individual, Region::Cn,
        )
        .await;
        let placed = order(&customer, account.id, &purchase("failback", None, 1, PaymentMethod::Alipay)).await;
        let body = callback_body(&app, &placed, Uuid::new_v4(), &placed.total.to_string());
        assert_eq!(deliver_signed(&app, &body).await.status(), 200, "callback");
        let paid = log(&app)
            .await
            .into_iter()
            .find(|e| e.action == "order.paid")
            .expect("order.paid");
        assert_eq!(paid.actor, "provider:sandbox");
        assert_eq!((*paid.actor_key_id, paid.actor_key_prefix.0), (None, None));
    }
}

/// A call of the client API with a license key.
async fn software(
    app: &TestApp,
    key: &str,
    method: &str,
    path: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    app.http
        .request(method, app.url(path))
        .header("Entitle-License-Key", key)
        .json(&body)
        .send()
        .await
        .expect("a client API call")
}

/// A bodiless call with an API key.
async fn admin_call(app: &TestApp, key: &str, method: &str, path: &str) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    app.http
        .request(method, app.url(path))
        .bearer_auth(key)
        .send()
        .await
        .expect("an API call")
}

/// The machine operations, both doors: the software activates, validates, beats, fetches a
/// file and deactivates; the customer's key activates an air-gapped host and releases it.
async fn walk_machines(
    app: &TestApp,
    follow: &mut Follower,
    term: &entitle_domain::api::License,
    key: &str,
    by_customer: &Acting,
) {
    let fingerprint = "ab".repeat(32);
    let host = json!({"fingerprint": fingerprint, "hostname": "dr-1"});
    let made = software(app, &term.key, "POST", "/v1/client/machines", host).await;
    assert_eq!(made.status(), 201);
    follow
        .expect(app, "client_activate_machine", &Acting::software())
        .await;
    let asked = json!({"fingerprint": fingerprint, "product": "dr"});
    assert_eq!(
        software(app, &term.key, "POST", "/v1/client/validate", asked)
            .await
            .status(),
        200
    );
    follow.expect_nothing(app, "client_validate").await;
    let beat = format!("/v1/client/machines/{fingerprint}/heartbeat");
    assert_eq!(
        software(app, &term.key, "POST", &beat, json!({}))
            .await
            .status(),
        200
    );
    follow.expect_nothing(app, "client_heartbeat").await;
    let file = json!({"fingerprint": fingerprint});
    assert_eq!(
        software(app, &term.key, "POST", "/v1/client/license-file", file)
            .await
            .status(),
        200
    );
    follow.expect_nothing(app, "client_license_file").await;
    let gone = format!("/v1/client/machines/{fingerprint}");
    assert_eq!(
        software(app, &term.key, "DELETE", &gone, json!({}))
            .await
            .status(),
        204
    );
    follow
        .expect(app, "client_deactivate_machine", &Acting::software())
        .await;

    let air_gapped = app
        .http
        .post(app.url(&format!("/v1/licenses/{}/machines", term.id)))
        .bearer_auth(key)
        .json(&json!({"fingerprint": "cd".repeat(32), "hostname": "isolated-1"}))
        .send()
        .await
        .expect("activate on behalf");
    assert_eq!(air_gapped.status(), 201);
    let machine: serde_json::Value = air_gapped.json().await.expect("an activation");
    follow.expect(app, "activate_machine", by_customer).await;
    let id = machine["machine"]["id"].as_str().expect("machine id");
    let path = format!("/v1/licenses/{}/machines/{id}", term.id);
    assert_eq!(admin_call(app, key, "DELETE", &path).await.status(), 200);
    follow.expect(app, "release_machine", by_customer).await;
}
