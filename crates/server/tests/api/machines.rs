//! The licensed software's side (issue 22), through the real server on both databases:
//! activation by fingerprint, the node-locked conflict, moves limited per window, heartbeats
//! and the `machines` job, consume once per run, the validation codes through a license's
//! life, and signing-key rotation.

use chrono::Duration;
use entitle_client::LicenseQuery;
use entitle_domain::Clock;
use entitle_domain::api::{License, OrderRequest};
use entitle_domain::{AccountKind, Cycle, PaymentMethod, Region};
use entitle_verify::{Expect, KeySet, verify_file};
use serde_json::{Value, json};

use crate::accounts::account_with_key;
use crate::harness::{TestApp, move_to};
use crate::on_both_databases;
use crate::purchase::{buy, purchase};

fn fingerprint(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

/// A client API call with `key`: its status and JSON body (`Null` when empty).
async fn call(app: &TestApp, key: &str, method: &str, path: &str, body: Value) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let answer = app
        .http
        .request(method, app.url(path))
        .header("Entitle-License-Key", key)
        .json(&body)
        .send()
        .await
        .expect("a client API call");
    let status = answer.status().as_u16();
    let text = answer.text().await.expect("a body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn activate(app: &TestApp, key: &str, n: u8) -> (u16, Value) {
    let body = json!({"fingerprint": fingerprint(n), "hostname": format!("host-{n}")});
    call(app, key, "POST", "/v1/client/machines", body).await
}

async fn validate(app: &TestApp, key: &str, n: u8) -> Value {
    let body = json!({"fingerprint": fingerprint(n), "product": "dr", "nonce": "n-1"});
    let (status, answer) = call(app, key, "POST", "/v1/client/validate", body).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

async fn licenses_of(
    client: &entitle_client::Client,
    account: uuid::Uuid,
    product: &str,
) -> Vec<License> {
    client
        .list_licenses(
            account,
            &LicenseQuery {
                product: Some(product.to_owned()),
                ..LicenseQuery::default()
            },
        )
        .await
        .expect("licenses")
        .items
}

async fn keys(app: &TestApp) -> KeySet {
    let text = app
        .http
        .get(app.url("/.well-known/entitle/keys.json"))
        .send()
        .await
        .expect("keys")
        .text()
        .await
        .expect("text");
    KeySet::from_jwks(&text).expect("a JWKS")
}

on_both_databases! {
    async fn a_dr_license_binds_to_one_machine_and_moves_within_its_limit(app) {
        let (account, client) = account_with_key(&app, "DR site", AccountKind::Individual, Region::Cn).await;
        buy(&app, &client, account.id, &purchase("dr", Some(Cycle::Month), 1, PaymentMethod::Alipay)).await;
        let dr = licenses_of(&client, account.id, "dr").await.remove(0);

        let (status, unknown) = call(&app, "DR-NOPE", "POST", "/v1/client/validate", json!({})).await;
        assert_eq!((status, unknown["code"].as_str()), (401, Some("license_key_invalid")));
        assert_eq!(validate(&app, &dr.key, 1).await["code"], "no_machine");
        let short = json!({"fingerprint": "f".repeat(40) + "!", "hostname": "host-1"});
        let (status, bad) = call(&app, &dr.key, "POST", "/v1/client/machines", short).await;
        assert_eq!((status, bad["code"].as_str()), (422, Some("fingerprint_invalid")));
        let beat = format!("/v1/client/machines/{}/heartbeat", fingerprint(9));
        let (status, none) = call(&app, &dr.key, "POST", &beat, json!({})).await;
        assert_eq!((status, none["code"].as_str()), (404, Some("machine_not_found")));

        let (status, first) = activate(&app, &dr.key, 1).await;
        assert_eq!(status, 201, "{first}");
        let file = first["license_file"].as_str().expect("a file");
        let verified = verify_file(
            file,
            &keys(&app).await,
            &Expect { product: Some("dr"), fingerprint: Some(&fingerprint(1)) },
            app.clock.now(),
            None,
        )
        .expect("the file verifies");
        assert_eq!(verified.claims.sub, dr.id.to_string());
        assert!(!file.contains(&dr.key), "no license key in the file");
        assert_eq!(activate(&app, &dr.key, 1).await.0, 200, "the same machine again");
        let (status, elsewhere) = activate(&app, &dr.key, 2).await;
        assert_eq!((status, elsewhere["code"].as_str()), (409, Some("license_active_elsewhere")));
        assert!(elsewhere["detail"].as_str().expect("detail").contains("host-1"));
        assert_eq!(validate(&app, &dr.key, 1).await["code"], "valid");
        assert_eq!(validate(&app, &dr.key, 2).await["code"], "machine_mismatch");
        let anonymous = call(&app, &dr.key, "POST", "/v1/client/validate", json!({})).await.1;
        assert_eq!(anonymous["code"], "fingerprint_required");

        // Three moves by itself in 30 days; the fourth waits.
        for n in 2..=4u8 {
            let gone = format!("/v1/client/machines/{}", fingerprint(n - 1));
            assert_eq!(call(&app, &dr.key, "DELETE", &gone, json!({})).await.0, 204);
            assert_eq!(activate(&app, &dr.key, n).await.0, 201, "move {n}");
        }
        let gone = format!("/v1/client/machines/{}", fingerprint(4));
        assert_eq!(call(&app, &dr.key, "DELETE", &gone, json!({})).await.0, 204);
        let limited = app
            .http
            .post(app.url("/v1/client/machines"))
            .header("Entitle-License-Key", &dr.key)
            .json(&json!({"fingerprint": fingerprint(5), "hostname": "host-5"}))
            .send()
            .await
            .expect("a fourth move");
        assert_eq!(limited.status(), 429);
        let wait: i64 = limited.headers()["retry-after"].to_str().expect("text").parse().expect("seconds");
        assert!(wait > 29 * 24 * 3600 && wait <= 30 * 24 * 3600, "{wait}");
        let limited: Value = limited.json().await.expect("problem");
        assert_eq!(limited["code"], "machine_transfer_limit");
        // An operator's activation of an air-gapped host is not a move.
        let on_behalf = app
            .http
            .post(app.url(&format!("/v1/licenses/{}/machines", dr.id)))
            .bearer_auth(client_key(&app, account.id).await)
            .json(&json!({"fingerprint": fingerprint(6), "hostname": "isolated"}))
            .send()
            .await
            .expect("on behalf");
        assert_eq!(on_behalf.status(), 201);
        let listed = client.list_machines(dr.id).await.expect("machines").items;
        assert_eq!(listed.len(), 5);
        assert_eq!(listed[0].hostname, "isolated");
        assert_eq!(client.get_license(dr.id).await.expect("license").host.as_deref(), Some("isolated"));
        // A host the operator released (destroyed) is replaced without counting as a move.
        client.release_machine(dr.id, listed[0].id).await.expect("released");
        assert_eq!(client.get_license(dr.id).await.expect("license").host, None.into());
        assert_eq!(activate(&app, &dr.key, 7).await.0, 201, "after an operator's release");
    }

    async fn the_validation_codes_follow_a_license_through_grace_to_expired(app) {
        let (account, client) = account_with_key(&app, "Grace", AccountKind::Individual, Region::Cn).await;
        buy(&app, &client, account.id, &purchase("dr", Some(Cycle::Month), 1, PaymentMethod::Alipay)).await;
        let dr = licenses_of(&client, account.id, "dr").await.remove(0);
        assert_eq!(activate(&app, &dr.key, 1).await.0, 201);
        let subscription = client.list_subscriptions(account.id, None, None).await.expect("subs").items.remove(0);
        client.set_auto_renew(subscription.id, false).await.expect("no renewal");
        let answer = validate(&app, &dr.key, 1).await;
        assert_eq!((answer["code"].as_str(), answer["valid"].as_bool()), (Some("valid"), Some(true)));
        assert!(answer["receipt"].as_str().expect("receipt").starts_with("v4.public."));
        let wrong = json!({"fingerprint": fingerprint(1), "product": "premium"});
        assert_eq!(call(&app, &dr.key, "POST", "/v1/client/validate", wrong).await.1["code"], "product_mismatch");

        let to_end = dr.valid_until - app.clock.now() + Duration::hours(1);
        app.clock.advance(to_end);
        app.admin.run_job("expiry").await.expect("expiry");
        let answer = validate(&app, &dr.key, 1).await;
        assert_eq!((answer["code"].as_str(), answer["valid"].as_bool()), (Some("in_grace"), Some(true)));
        assert_eq!(answer["license"]["status"], "expired");
        app.clock.advance(Duration::days(7));
        let answer = validate(&app, &dr.key, 1).await;
        assert_eq!((answer["code"].as_str(), answer["valid"].as_bool()), (Some("expired"), Some(false)));
    }

    async fn a_failback_license_is_consumed_once_by_one_of_eight_runs(app) {
        let (account, client) = account_with_key(&app, "Runs", AccountKind::Individual, Region::Cn).await;
        buy(&app, &client, account.id, &purchase("failback", None, 1, PaymentMethod::Alipay)).await;
        let failback = licenses_of(&client, account.id, "failback").await.remove(0);
        let runs = (0..8).map(|n| {
            let app = &app;
            let key = failback.key.clone();
            async move {
                let body = json!({"run_id": format!("run-{n}")});
                (n, call(app, &key, "POST", "/v1/client/consume", body).await)
            }
        });
        let answers = futures_util::future::join_all(runs).await;
        let winners: Vec<_> = answers.iter().filter(|(_, (status, _))| *status == 200).collect();
        assert_eq!(winners.len(), 1, "{answers:?}");
        let losers = answers.iter().filter(|(_, (status, body))| *status == 409 && body["code"] == "license_already_consumed");
        assert_eq!(losers.count(), 7);
        let winner = winners[0].0;
        let again = call(&app, &failback.key, "POST", "/v1/client/consume", json!({"run_id": format!("run-{winner}")})).await;
        assert_eq!(again.0, 200, "the same run again");
        assert_eq!(again.1["consumed_reference"], format!("run run-{winner}"));
        let answer = call(&app, &failback.key, "POST", "/v1/client/validate", json!({"fingerprint": fingerprint(1)})).await.1;
        assert_eq!(answer["code"], "consumed");
    }

    async fn a_floating_seat_dies_without_heartbeats_and_is_released_by_the_job(app) {
        let (account, client) = account_with_key(&app, "Seats", AccountKind::Enterprise, Region::Intl).await;
        buy(&app, &client, account.id, &purchase("enterprise", Some(Cycle::Year), 1, PaymentMethod::Paypal)).await;
        let seat = licenses_of(&client, account.id, "enterprise").await.remove(0);
        assert_eq!(activate(&app, &seat.key, 1).await.0, 201);
        let beat = format!("/v1/client/machines/{}/heartbeat", fingerprint(1));
        let (status, alive) = call(&app, &seat.key, "POST", &beat, json!({})).await;
        assert_eq!(status, 200, "{alive}");
        assert!(alive["next_by"].is_string());
        app.clock.advance(Duration::seconds(700));
        app.admin.run_job("machines").await.expect("cull");
        let (status, dead) = call(&app, &seat.key, "POST", &beat, json!({})).await;
        assert_eq!((status, dead["code"].as_str()), (410, Some("machine_dead")));
        let answer = call(&app, &seat.key, "POST", "/v1/client/validate", json!({"fingerprint": fingerprint(1)})).await.1;
        assert_eq!(answer["code"], "heartbeat_dead");
        assert_eq!(activate(&app, &seat.key, 2).await.0, 201, "the seat is free for another host");
    }

    async fn a_renewal_makes_files_stale_until_a_fresh_one_is_fetched(app) {
        let (account, client) = account_with_key(&app, "Renewed", AccountKind::Individual, Region::Cn).await;
        let mut request = purchase("dr", Some(Cycle::Month), 1, PaymentMethod::Alipay);
        if let OrderRequest::Purchase(p) = &mut request {
            p.auto_renew = Some(true);
        }
        buy(&app, &client, account.id, &request).await;
        let dr = licenses_of(&client, account.id, "dr").await.remove(0);
        assert_eq!(activate(&app, &dr.key, 1).await.0, 201);
        let stale = |client: entitle_client::Client| async move {
            client.stale_license_files(account.id).await.expect("stale files").items
        };
        assert!(stale(client.clone()).await.is_empty(), "a fresh file");
        move_to(&app, dr.valid_until).await;
        assert_eq!(app.admin.run_job("renewals").await.expect("renewals").processed, 1);
        let listed = stale(client.clone()).await;
        assert_eq!(listed.len(), 1, "the file predates the renewal");
        assert_eq!(listed[0].file_valid_until, dr.valid_until);
        assert!(listed[0].license.valid_until > dr.valid_until);
        assert!(listed[0].machine.file_stale);
        let answer = validate(&app, &dr.key, 1).await;
        assert_eq!(answer["code"], "valid");
        let fresh = answer["license_file"].as_str().expect("a fresh file with the answer");
        let claims = verify_file(
            fresh,
            &keys(&app).await,
            &Expect { product: Some("dr"), fingerprint: None },
            app.clock.now(),
            None,
        )
        .expect("verifies")
        .claims;
        assert_eq!(claims.license.valid_until, listed[0].license.valid_until);
        assert!(stale(client.clone()).await.is_empty(), "the fresh file is current");
        assert!(validate(&app, &dr.key, 1).await["license_file"].is_null());
    }

    async fn files_signed_before_a_rotation_still_verify(app) {
        let (account, client) = account_with_key(&app, "Rotation", AccountKind::Individual, Region::Cn).await;
        buy(&app, &client, account.id, &purchase("dr", Some(Cycle::Month), 1, PaymentMethod::Alipay)).await;
        let dr = licenses_of(&client, account.id, "dr").await.remove(0);
        let (_, first) = activate(&app, &dr.key, 1).await;
        let old = first["license_file"].as_str().expect("file").to_owned();
        let admin = |path: String| {
            let request = app.http.post(app.url(&path)).bearer_auth(crate::harness::ADMIN_KEY);
            async move { request.send().await.expect("admin call") }
        };
        let next: Value = admin("/v1/admin/signing-keys".to_owned()).await.json().await.expect("key");
        let kid = next["kid"].as_str().expect("kid").to_owned();
        let active = admin(format!("/v1/admin/signing-keys/{kid}/activate")).await;
        assert_eq!(active.status(), 200);
        let retire_active = admin(format!("/v1/admin/signing-keys/{kid}/retire")).await;
        assert_eq!(retire_active.status(), 409, "the active key is retired by its successor");
        let body = json!({"fingerprint": fingerprint(1)});
        let (status, fresh) = call(&app, &dr.key, "POST", "/v1/client/license-file", body).await;
        assert_eq!((status, fresh["kid"].as_str()), (200, Some(kid.as_str())));
        let set = keys(&app).await;
        let expect = Expect { product: Some("dr"), fingerprint: Some(&fingerprint(1)) };
        let now = app.clock.now();
        assert!(verify_file(&old, &set, &expect, now, None).is_ok(), "the old file");
        let fresh = fresh["license_file"].as_str().expect("file");
        assert_eq!(verify_file(fresh, &set, &expect, now, None).expect("fresh").kid, kid);
    }
}

/// A key for `account` a raw request can carry.
async fn client_key(app: &TestApp, account: uuid::Uuid) -> String {
    app.admin
        .create_api_key(
            account,
            &entitle_domain::api::ApiKeyInput {
                name: "raw".to_owned(),
            },
        )
        .await
        .expect("a key")
        .key
}
