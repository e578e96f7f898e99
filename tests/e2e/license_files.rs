//! Offline license files (issue 22) from outside: a DR license bought and paid through the
//! sandbox is activated on a machine over the client API, and the file the server signs is
//! checked by the built `entitle verify` (every verdict's exit code) and by `pyseto`, a PASETO
//! implementation from PyPI that Entitle does not own (`tests/e2e/python/license_file.py`, in
//! a virtual environment under the target directory, the pattern of `provider_sdks.rs`).
//!
//! 1. `POST /v1/client/machines` answers 201 with the file, the same machine again 200, and
//!    another machine 409 `license_active_elsewhere` (DR is node-locked).
//! 2. With `/.well-known/entitle/keys.json` as the trusted keys, the file is valid for DR on
//!    its machine (0), in grace a day after the term (10), another product's (31), another
//!    machine's (30), expired two years on (20), not genuine with one character changed or
//!    under another key of the same kid (40), and refused when the clock goes back behind the
//!    state file's mark (50); bad invocations exit 64.
//! 3. After a key rotation the old file still verifies against the new key set, and a fresh
//!    file carries the new kid (which the old key set does not know).
//! 4. pyseto verifies both files with the JWK their footer names.

use std::path::Path;
use std::process::Command;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use entitle_verify::{Jwk, Jwks, SigningKey};
use serde_json::{Value, json};

use crate::serve::{ADMIN_KEY, create_account, create_api_key, pay_on_sandbox_page, serve};
use crate::tools::{pinned_venv, python_json};

/// The PASETO implementation (and its crypto), pinned so they do not drift under the test.
const SDKS: [&str; 2] = ["pyseto==1.10.0", "cryptography==50.0.2"];

/// The machine the license is activated on, as `entitle fingerprint` would print one.
const FINGERPRINT: &str = "6ddc90182eb939639dc8dd7da4697cee1d8701a322eb5cb5e5a9a56156a9ea6f";
/// Another machine.
const OTHER_FINGERPRINT: &str = "bc53548fbc366e3138f0ab71e986b4607381261467aaf8f922704a28d4060484";

/// pyseto's reading of the license file at `file` with the key set at `keys`.
fn pyseto_reads(venv: &Path, file: &str, keys: &str) -> Value {
    python_json(venv, "license_file.py", &[file, keys])
}

/// The status and JSON body `request` is answered with.
async fn send(request: reqwest::RequestBuilder, what: &str) -> (u16, Value) {
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let status = response.status().as_u16();
    let text = response
        .text()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{what}: {status}, not JSON ({e}): {text}"));
    (status, body)
}

/// A new account in China buys one DR license, monthly, and pays on the sandbox's page: the
/// license's id and key.
async fn buy_a_dr_license(http: &reqwest::Client, base: &str) -> (String, String) {
    let account = create_account(http, base, "DR Site Operator").await;
    let account = account["id"].as_str().expect("account id").to_owned();
    let key = create_api_key(http, base, &account, "licensing").await;
    let key = key.as_str();
    let (status, order) = send(
        http.post(format!("{base}/v1/accounts/{account}/orders"))
            .bearer_auth(key)
            .header("Idempotency-Key", "dr-license-file")
            .json(
                &json!({"type": "purchase", "product": "dr", "cycle": "month", "quantity": 1,
                          "auto_renew": true, "payment_method": "alipay"}),
            ),
        "order",
    )
    .await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["status"], "pending_payment", "{order}");
    let checkout = order["checkout"]["url"].as_str().expect("checkout url");
    let paid = pay_on_sandbox_page(http, checkout)
        .await
        .text()
        .await
        .expect("page");
    assert!(paid.contains("Payment complete"), "{paid}");
    let (status, licenses) = send(
        http.get(format!("{base}/v1/accounts/{account}/licenses?product=dr"))
            .bearer_auth(key),
        "licenses",
    )
    .await;
    assert_eq!(status, 200, "{licenses}");
    let items = licenses["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "one DR license: {licenses}");
    let license = &items[0];
    assert_eq!(license["product"], "dr", "{license}");
    assert_eq!(license["status"], "active", "{license}");
    let text = |field: &str| license[field].as_str().expect(field).to_owned();
    (text("id"), text("key"))
}

/// `POST /v1/client/machines` with the license key.
async fn activate(
    http: &reqwest::Client,
    base: &str,
    key: &str,
    fingerprint: &str,
    hostname: &str,
) -> (u16, Value) {
    send(
        http.post(format!("{base}/v1/client/machines"))
            .header("Entitle-License-Key", key)
            .json(&json!({"fingerprint": fingerprint, "hostname": hostname})),
        "activate a machine",
    )
    .await
}

/// The published key set, as JSON and as the text to install.
async fn published_keys(http: &reqwest::Client, base: &str) -> (Value, String) {
    let response = http
        .get(format!("{base}/.well-known/entitle/keys.json"))
        .send()
        .await
        .expect("keys.json");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("keys.json text");
    let jwks = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (jwks, text)
}

/// The `status` of the key `kid` in `jwks` (`null` when it is not listed).
fn key_status(jwks: &Value, kid: &str) -> Value {
    jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|key| key["kid"] == kid)
        .map_or(Value::Null, |key| key["status"].clone())
}

/// `FILE --keys KEYS` followed by `extra`.
fn args<'a>(file: &'a str, keys: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    [file, "--keys", keys]
        .into_iter()
        .chain(extra.iter().copied())
        .collect()
}

fn entitle(command: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_entitle"))
        .arg(command)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run entitle {command}: {e}"))
}

/// Runs `entitle verify ARGS --json`, asserts its exit code and verdict, and returns the JSON.
fn verdict(args: &[&str], exit_code: i32, code: &str) -> Value {
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let output = entitle("verify", &with_json);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let json: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("entitle verify {args:?}: {e}: {stdout}{stderr}"));
    assert_eq!(
        (output.status.code(), json["code"].as_str()),
        (Some(exit_code), Some(code)),
        "entitle verify {args:?}: {json}"
    );
    assert_eq!(json["exit_code"], exit_code, "{json}");
    assert_eq!(json["valid"], exit_code < 20, "{json}");
    json
}

/// Asserts that `entitle verify ARGS` is a usage problem: exit 64, a message, no verdict.
fn usage_problem(args: &[&str]) {
    let output = entitle("verify", args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(64), "{args:?}: {output:?}");
    assert!(output.stdout.is_empty(), "{args:?}: {output:?}");
    assert!(!stderr.trim().is_empty(), "{args:?} says what is wrong");
}

fn instant(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("not an RFC 3339 time: {value}"))
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The armoured `file` with one character in the middle of its token changed: a line in the
/// middle of the armour is inside the payload (the footer is a line or two at the end).
fn tampered(file: &str) -> String {
    let mut lines: Vec<String> = file.lines().map(str::to_owned).collect();
    assert!(lines.len() >= 5, "a token of several lines: {file}");
    let middle = lines.len() / 2;
    let line = &mut lines[middle];
    let at = line.len() / 2;
    assert_ne!(line.as_bytes()[at], b'.', "{line}");
    let flipped = if line.as_bytes()[at] == b'A' {
        "B"
    } else {
        "A"
    };
    line.replace_range(at..=at, flipped);
    lines.join("\n") + "\n"
}

#[tokio::test]
async fn a_dr_license_file_verifies_offline_and_with_pyseto() {
    let venv = pinned_venv("python-pyseto", &SDKS);
    let server = serve();
    let base = server.base_url.as_str();
    let http = reqwest::Client::new();
    let (license_id, key) = buy_a_dr_license(&http, base).await;

    // 1. Activation: the file, idempotently; the license is not free for a second machine.
    let (status, activated) = activate(&http, base, &key, FINGERPRINT, "dr-site-1").await;
    assert_eq!(status, 201, "{activated}\n{}", server.log());
    let machine = &activated["machine"];
    assert_eq!(machine["fingerprint"], FINGERPRINT, "{activated}");
    assert_eq!(machine["hostname"], "dr-site-1", "{activated}");
    assert_eq!(machine["license_id"], license_id.as_str(), "{activated}");
    let file = activated["license_file"].as_str().expect("a license file");
    assert!(
        file.starts_with("-----BEGIN ENTITLE LICENSE FILE-----\nv4.public."),
        "{file}"
    );
    let (status, again) = activate(&http, base, &key, FINGERPRINT, "dr-site-1").await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["machine"]["id"], machine["id"], "{again}");
    let (status, elsewhere) = activate(&http, base, &key, OTHER_FINGERPRINT, "dr-site-2").await;
    assert_eq!(status, 409, "{elsewhere}");
    assert_eq!(elsewhere["code"], "license_active_elsewhere", "{elsewhere}");

    // 2. The published key set, and the file, installed on the site.
    let (jwks, jwks_text) = published_keys(&http, base).await;
    let keys = jwks["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 1, "{jwks}");
    assert_eq!(keys[0]["kty"], "OKP", "{jwks}");
    assert_eq!(keys[0]["crv"], "Ed25519", "{jwks}");
    assert_eq!(keys[0]["status"], "active", "{jwks}");
    let first_kid = keys[0]["kid"].as_str().expect("kid").to_owned();
    let dir = tempfile::tempdir().expect("temporary directory");
    let put = |name: &str, text: &str| -> String {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect(name);
        path.to_str().expect("a UTF-8 path").to_owned()
    };
    let lic = put("dr.lic", file);
    let keys_json = put("keys.json", &jwks_text);
    let dr_here = ["--product", "dr", "--fingerprint", FINGERPRINT];

    let valid = verdict(&args(&lic, &keys_json, &dr_here), 0, "valid");
    assert_eq!(valid["license"]["id"], license_id.as_str(), "{valid}");
    assert_eq!(valid["license"]["product"], "dr", "{valid}");
    assert_eq!(valid["machine"]["fingerprint"], FINGERPRINT, "{valid}");
    assert_eq!(valid["machine"]["hostname"], "dr-site-1", "{valid}");
    assert_eq!(valid["kid"], first_kid.as_str(), "{valid}");
    verdict(&args(&lic, &keys_json, &[]), 0, "valid");

    // DR runs on a week past its term: the file lasts to the end of grace.
    let valid_until = instant(&valid["license"]["valid_until"]);
    let expires_at = instant(&valid["expires_at"]);
    assert_eq!(
        expires_at,
        instant(&valid["license"]["grace_until"]),
        "{valid}"
    );
    assert!(expires_at - valid_until > TimeDelta::days(1), "{valid}");
    let in_grace_at = rfc3339(valid_until + TimeDelta::days(1));
    let mut in_grace = dr_here.to_vec();
    in_grace.extend(["--now", in_grace_at.as_str()]);
    let grace = verdict(&args(&lic, &keys_json, &in_grace), 10, "in_grace");
    assert_eq!(grace["expires_at"], valid["expires_at"], "{grace}");

    let premium = ["--product", "premium", "--fingerprint", FINGERPRINT];
    verdict(&args(&lic, &keys_json, &premium), 31, "product_mismatch");
    let elsewhere = ["--product", "dr", "--fingerprint", OTHER_FINGERPRINT];
    verdict(&args(&lic, &keys_json, &elsewhere), 30, "machine_mismatch");
    let in_two_years = rfc3339(Utc::now() + TimeDelta::days(730));
    verdict(
        &args(&lic, &keys_json, &["--now", &in_two_years]),
        20,
        "expired",
    );

    // Not genuine: a changed character, a key of the same kid that did not sign it, no keys.
    let changed = put("changed.lic", &tampered(file));
    verdict(&args(&changed, &keys_json, &dr_here), 40, "bad_signature");
    let impostor = SigningKey::from_bytes(&[7; 32]).verifying_key();
    let impostor = Jwks {
        keys: vec![Jwk::ed25519(&impostor, first_kid.clone(), "active", None)],
    };
    let impostor = put(
        "impostor.json",
        &serde_json::to_string(&impostor).expect("json"),
    );
    verdict(&args(&lic, &impostor, &dr_here), 40, "bad_signature");
    let no_keys = put("no-keys.json", r#"{"keys":[]}"#);
    verdict(&args(&lic, &no_keys, &dr_here), 40, "unknown_key");

    // The clock: once the state has seen tomorrow, today is a clock set back; without the
    // state today is fine; a day before the file was issued is refused with or without it.
    let state = dir.path().join("state.json");
    let state = state.to_str().expect("a UTF-8 path").to_owned();
    let tomorrow = rfc3339(Utc::now() + TimeDelta::days(1));
    verdict(
        &args(&lic, &keys_json, &["--state", &state, "--now", &tomorrow]),
        0,
        "valid",
    );
    assert!(Path::new(&state).exists(), "the mark is stored");
    let today = rfc3339(Utc::now());
    verdict(
        &args(&lic, &keys_json, &["--state", &state, "--now", &today]),
        50,
        "clock_rolled_back",
    );
    verdict(&args(&lic, &keys_json, &["--now", &today]), 0, "valid");
    let yesterday = rfc3339(Utc::now() - TimeDelta::days(1));
    verdict(
        &args(&lic, &keys_json, &["--state", &state, "--now", &yesterday]),
        50,
        "issued_in_future",
    );

    // Usage problems exit 64, clap's own included; other commands keep clap's 2.
    usage_problem(&args(&lic, &keys_json, &["--now", "yesterday"]));
    usage_problem(&args(&lic, &keys_json, &["--fingerprint", "0123"]));
    usage_problem(&args(&lic, &keys_json, &["--unknown-flag"]));
    usage_problem(&["--keys", &keys_json]);
    let missing = dir.path().join("missing.lic");
    usage_problem(&args(
        missing.to_str().expect("a UTF-8 path"),
        &keys_json,
        &[],
    ));
    usage_problem(&args(&lic, &lic, &[]));
    let torn_state = put("torn-state.json", "{\"high_water\":");
    usage_problem(&args(&lic, &keys_json, &["--state", &torn_state]));
    let openapi = entitle("openapi", &["--format", "xml"]);
    assert_eq!(openapi.status.code(), Some(2), "{openapi:?}");

    // This machine's own fingerprint is not the one activated: `auto` finds the mismatch.
    let printed = entitle("fingerprint", &["--product", "dr"]);
    if printed.status.success() {
        let own = String::from_utf8_lossy(&printed.stdout).trim().to_owned();
        assert_eq!(own.len(), 64, "{own}");
        assert!(
            own.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        let auto = ["--fingerprint", "auto"];
        verdict(&args(&lic, &keys_json, &auto), 30, "machine_mismatch");
        let auto_dr = ["--fingerprint", "auto", "--product", "dr"];
        verdict(&args(&lic, &keys_json, &auto_dr), 30, "machine_mismatch");
    } else {
        assert_eq!(printed.status.code(), Some(1), "{printed:?}");
        let said = String::from_utf8_lossy(&printed.stderr);
        assert!(said.contains("machine id"), "{said}");
        usage_problem(&args(&lic, &keys_json, &["--fingerprint", "auto"]));
    }

    // 3. Rotation: the next key is published before it signs; once active, new files carry
    //    it and the old key stays published, retired, so the files it signed still verify.
    let (status, next) = send(
        http.post(format!("{base}/v1/admin/signing-keys"))
            .bearer_auth(ADMIN_KEY),
        "create a signing key",
    )
    .await;
    assert_eq!(status, 201, "{next}");
    assert_eq!(next["status"], "next", "{next}");
    let next_kid = next["kid"].as_str().expect("kid").to_owned();
    assert_ne!(next_kid, first_kid);
    let (published, _) = published_keys(&http, base).await;
    assert_eq!(key_status(&published, &next_kid), "next", "{published}");
    let (status, activated_key) = send(
        http.post(format!("{base}/v1/admin/signing-keys/{next_kid}/activate"))
            .bearer_auth(ADMIN_KEY),
        "activate the signing key",
    )
    .await;
    assert_eq!(status, 200, "{activated_key}");
    assert_eq!(activated_key["kid"], next_kid.as_str(), "{activated_key}");
    assert_eq!(activated_key["status"], "active", "{activated_key}");
    let (rotated, rotated_text) = published_keys(&http, base).await;
    assert_eq!(
        rotated["keys"].as_array().map(Vec::len),
        Some(2),
        "{rotated}"
    );
    assert_eq!(key_status(&rotated, &first_kid), "retired", "{rotated}");
    assert_eq!(key_status(&rotated, &next_kid), "active", "{rotated}");
    let rotated_json = put("keys-rotated.json", &rotated_text);
    let old = verdict(&args(&lic, &rotated_json, &dr_here), 0, "valid");
    assert_eq!(old["kid"], first_kid.as_str(), "{old}");

    let (status, fresh) = send(
        http.post(format!("{base}/v1/client/license-file"))
            .header("Entitle-License-Key", key.as_str())
            .json(&json!({"fingerprint": FINGERPRINT})),
        "a fresh license file",
    )
    .await;
    assert_eq!(status, 200, "{fresh}");
    assert_eq!(fresh["kid"], next_kid.as_str(), "{fresh}");
    assert!(instant(&fresh["issued_at"]) <= Utc::now(), "{fresh}");
    assert!(instant(&fresh["expires_at"]) > Utc::now(), "{fresh}");
    let fresh = put(
        "dr-fresh.lic",
        fresh["license_file"].as_str().expect("a license file"),
    );
    let new = verdict(&args(&fresh, &rotated_json, &dr_here), 0, "valid");
    assert_eq!(new["kid"], next_kid.as_str(), "{new}");
    assert_eq!(new["license"]["id"], license_id.as_str(), "{new}");
    verdict(&args(&fresh, &keys_json, &dr_here), 40, "unknown_key");

    // 4. pyseto reads both files, each with the key its footer names.
    for (path, kid) in [(&lic, &first_kid), (&fresh, &next_kid)] {
        let read = pyseto_reads(&venv, path, &rotated_json);
        assert_eq!(read["aud"], "dr", "{read}");
        assert_eq!(read["sub"], license_id.as_str(), "{read}");
        assert_eq!(read["kid"], kid.as_str(), "{read}");
        assert_eq!(read["typ"], "entitle-license-file/1", "{read}");
        assert_eq!(read["fingerprint"], FINGERPRINT, "{read}");
        assert_eq!(
            read["kid_is_thumbprint"], true,
            "the kid is RFC 7638's: {read}"
        );
        assert_eq!(read["tampered_refused"], true, "{read}");
        assert_eq!(read["other_key_refused"], true, "{read}");
    }
}
