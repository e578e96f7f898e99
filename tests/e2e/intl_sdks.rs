//! Interoperability of the `intl` region's providers' webhook signatures with code Entitle
//! does not own: Stripe's PyPI SDK (`stripe`), and PayPal's documented self-verification
//! scheme as `cryptography` computes it (PayPal keeps no Python SDK for it), both installed
//! into a virtual environment under the target directory (the pattern of `provider_sdks.rs`).
//! Each test starts its own `entitle serve` in live mode with one provider configured, whose
//! API base is a port nothing listens on (no check here makes Entitle call the provider).
//! The Python side is `tests/e2e/python/intl_sdks.py`.
//!
//! 1. Stripe, the SDK signs, Entitle verifies: a `checkout.session.expired` event signed by
//!    `stripe.WebhookSignature.generate_signature_header` is acknowledged by
//!    `POST /v1/payments/stripe/callback` (200); the same body with one byte changed after
//!    signing is refused (400 `invalid_signature`), and so is a properly signed one whose
//!    timestamp is 10 minutes old (400 `stale_callback`). `stripe.Webhook.construct_event`
//!    judges the three the same way.
//! 2. Stripe, Entitle signs, the SDK verifies: `entitle_providers::stripe::signature_header`
//!    is accepted by `stripe.Webhook.construct_event`, equals the SDK's own header at the same
//!    timestamp, and is refused (`stripe.SignatureVerificationError`) under another secret
//!    and for the payload with one byte changed.
//! 3. PayPal, `cryptography` signs, Entitle verifies: a `PAYMENT.CAPTURE.PENDING` event signed
//!    RSA PKCS#1 v1.5 SHA-256 over `id|time|webhook_id|zlib.crc32(body)`, with a self-signed
//!    certificate served over loopback http, is acknowledged (200); its body changed after
//!    signing is refused (400 `invalid_signature`); a properly signed one naming a certificate
//!    outside `ENTITLE_PAYPAL_CERT_URL_PREFIXES` is refused (400) without that URL ever being
//!    requested (the certificate server counts requests by path).
//! 4. PayPal, Entitle signs, `cryptography` verifies: `entitle_providers::paypal::
//!    sign_transmission` with the PKCS#8 key the script wrote verifies with the certificate's
//!    public key, over the same message the script builds with `zlib.crc32`, and is the very
//!    signature `cryptography` makes; with one byte of the body changed it does not verify.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use entitle_providers::{SigningKey, paypal, stripe};
use serde_json::{Value, json};

use crate::serve::ADMIN_KEY;
use crate::tools::{Killed, pinned_venv, python_json, python_script, wait_for};

/// The SDK's version (and the crypto), pinned so they do not drift under the tests.
const SDKS: [&str; 2] = ["stripe==16.1.0", "cryptography==50.0.2"];

const STRIPE_SECRET_KEY: &str = "sk_test_entitle_e2e_0123456789abcdef";
const STRIPE_WEBHOOK_SECRET: &str = "whsec_entitle_e2e_0123456789abcdefghij";
const PAYPAL_WEBHOOK_ID: &str = "8PT597110X687430LKGECATA";
/// A port nothing listens on: the providers' APIs are never called by these checks.
const NOWHERE: &str = "http://127.0.0.1:9";

/// The SDKs' virtual environment.
fn sdk_venv() -> PathBuf {
    pinned_venv("python-intl-sdks", &SDKS)
}

/// Runs one step of the script; its stdout is one JSON object.
fn python(venv: &Path, args: &[&str]) -> Value {
    python_json(venv, "intl_sdks.py", args)
}

/// A running `entitle serve` in live mode (no sandbox) on a fresh SQLite file in `dir`.
struct Live {
    _child: Killed,
    base: String,
    log: PathBuf,
}

impl Live {
    fn start(dir: &Path, providers: &[(&str, &str)]) -> Live {
        let log = dir.join("server.log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_entitle"));
        command
            .arg("serve")
            .env(
                "ENTITLE_DATABASE_URL",
                format!("sqlite://{}/e.db?mode=rwc", dir.display()),
            )
            .env("ENTITLE_LISTEN", "127.0.0.1:0")
            .env("ENTITLE_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY)
            .env("ENTITLE_JOBS_INTERVAL_SECONDS", "0")
            .env("ENTITLE_LOG_FORMAT", "json")
            .env_remove("ENTITLE_SANDBOX");
        // The certificate is fetched from loopback: no proxy may stand in between.
        for proxy in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
            command.env_remove(proxy).env_remove(proxy.to_lowercase());
        }
        for (name, value) in providers {
            command.env(name, value);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start entitle serve");
        let base = wait_for(&mut child, "entitle serve", |line| {
            line.strip_prefix("entitle is listening on ")
                .map(str::to_owned)
        });
        Live {
            _child: Killed(child),
            base,
            log,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Asserts that the script's delivery `sent` (`{"status", "body"}`) was answered with
    /// `status` and, for a refusal, the problem `code`.
    fn answered(&self, what: &str, sent: &Value, status: u64, code: Option<&str>) {
        let body = sent["body"].as_str().expect("an answer's body");
        assert_eq!(
            sent["status"].as_u64(),
            Some(status),
            "{what}: {body}\n{}",
            self.log()
        );
        if let Some(code) = code {
            let problem: Value =
                serde_json::from_str(body).unwrap_or_else(|e| panic!("{what}: {e}: {body}"));
            assert_eq!(problem["code"], code, "{what}: {problem}");
        }
        eprintln!("{what}: {status} {body}");
    }
}

fn unix_now() -> i64 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs();
    i64::try_from(seconds).expect("seconds fit in i64")
}

fn utf8(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

#[test]
fn entitle_and_the_stripe_sdk_accept_each_others_webhook_signatures() {
    let venv = sdk_venv();
    let dir = tempfile::tempdir().expect("temporary directory");
    let entitle = Live::start(
        dir.path(),
        &[
            ("ENTITLE_STRIPE_SECRET_KEY", STRIPE_SECRET_KEY),
            ("ENTITLE_STRIPE_WEBHOOK_SECRET", STRIPE_WEBHOOK_SECRET),
            ("ENTITLE_STRIPE_API_BASE", NOWHERE),
        ],
    );

    // 1. The SDK signs, Entitle verifies (the refused ones are sent first).
    let sent = python(
        &venv,
        &[
            "stripe-webhooks",
            "--base",
            &entitle.base,
            "--secret",
            STRIPE_WEBHOOK_SECRET,
        ],
    );
    assert_eq!(
        sent["sdk_accepts"],
        json!({"good": true, "tampered": false, "stale": false}),
        "{sent}"
    );
    let tampered = &sent["tampered"];
    entitle.answered(
        "Stripe, one byte changed",
        tampered,
        400,
        Some("invalid_signature"),
    );
    let stale = &sent["stale"];
    entitle.answered("Stripe, 10 minutes old", stale, 400, Some("stale_callback"));
    entitle.answered("Stripe, signed by the SDK", &sent["good"], 200, None);
    let good: Value = serde_json::from_str(sent["good"]["body"].as_str().expect("body"))
        .expect("Stripe's acknowledgement is JSON");
    assert_eq!(good, json!({"received": true}));

    // 2. Entitle signs, the SDK verifies.
    let now = unix_now();
    let payload = json!({
        "id": "evt_entitle_e2e_0001",
        "object": "event",
        "type": "checkout.session.completed",
        "created": now,
        "livemode": false,
        "data": {"object": {
            "id": "cs_test_entitle_e2e",
            "object": "checkout.session",
            "amount_total": 1000,
            "currency": "usd",
            "customer_details": {"name": "Zoë Ångström"},
            "payment_status": "paid",
        }},
    })
    .to_string();
    let header = stripe::signature_header(STRIPE_WEBHOOK_SECRET, now, payload.as_bytes());
    let file = dir.path().join("stripe_payload.json");
    std::fs::write(&file, &payload).expect("write the payload");
    let checked = python(
        &venv,
        &[
            "stripe-verify",
            "--secret",
            STRIPE_WEBHOOK_SECRET,
            "--header",
            &header,
            "--payload",
            utf8(&file),
        ],
    );
    assert_eq!(checked["verified"], true, "{checked}");
    assert_eq!(checked["event_id"], "evt_entitle_e2e_0001", "{checked}");
    assert_eq!(checked["event_type"], "checkout.session.completed");
    assert_eq!(checked["same_header"], true, "{header} vs {checked}");
    for refusal in ["wrong_secret", "tampered"] {
        let error = checked["refused"][refusal].as_str().unwrap_or_default();
        assert!(
            error.ends_with(".SignatureVerificationError"),
            "the SDK accepted Entitle's header ({refusal}): {checked}"
        );
    }
}

#[test]
fn entitle_and_paypal_s_scheme_in_cryptography_accept_each_others_webhook_signatures() {
    let venv = sdk_venv();
    let dir = tempfile::tempdir().expect("temporary directory");
    let keys = dir.path().join("keys");
    std::fs::create_dir(&keys).expect("keys directory");
    let keys_arg = utf8(&keys);
    python(&venv, &["paypal-keys", keys_arg]);
    let read = |name: &str| std::fs::read_to_string(keys.join(name)).expect(name);
    let key = SigningKey::parse(&read("paypal_private.pem")).expect("Entitle reads the key");
    let certificate = paypal::Certificate::from_pem(&read("paypal_cert.pem"))
        .expect("Entitle reads the certificate cryptography made");

    // The certificate at /certs/cert.pem (allowed) and /elsewhere/cert.pem (not allowed).
    let mut certs = Command::new(venv.join("bin/python"))
        .arg(python_script("intl_sdks.py"))
        .args(["cert-server", keys_arg])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the certificate server");
    let port = wait_for(&mut certs, "the certificate server", |line| {
        Some(line.trim().to_owned())
    });
    let _certs = Killed(certs);
    let cert_base = format!("http://127.0.0.1:{port}");
    let prefix = format!("{cert_base}/certs/");
    let entitle = Live::start(
        dir.path(),
        &[
            ("ENTITLE_PAYPAL_CLIENT_ID", "entitle-e2e-client"),
            ("ENTITLE_PAYPAL_CLIENT_SECRET", "entitle-e2e-secret"),
            ("ENTITLE_PAYPAL_WEBHOOK_ID", PAYPAL_WEBHOOK_ID),
            ("ENTITLE_PAYPAL_API_BASE", NOWHERE),
            ("ENTITLE_PAYPAL_CERT_URL_PREFIXES", prefix.as_str()),
            ("ENTITLE_PAYPAL_VERIFY", "self"),
        ],
    );

    // 3. cryptography signs as PayPal, Entitle verifies (the refused ones are sent first).
    let sent = python(
        &venv,
        &[
            "paypal-webhooks",
            keys_arg,
            "--base",
            &entitle.base,
            "--webhook-id",
            PAYPAL_WEBHOOK_ID,
            "--cert-base",
            &cert_base,
        ],
    );
    let tampered = &sent["tampered"];
    entitle.answered(
        "PayPal, body changed",
        tampered,
        400,
        Some("invalid_signature"),
    );
    let elsewhere = &sent["elsewhere"];
    entitle.answered(
        "PayPal, cert outside the prefix",
        elsewhere,
        400,
        Some("invalid_signature"),
    );
    entitle.answered("PayPal, signed", &sent["good"], 200, None);
    let requests = &sent["requests"];
    assert!(
        requests["/certs/cert.pem"].as_u64().unwrap_or(0) >= 1,
        "Entitle never fetched the allowed certificate: {requests}"
    );
    assert!(
        requests.get("/elsewhere/cert.pem").is_none(),
        "Entitle fetched a certificate outside the allowed prefix: {requests}"
    );
    assert_eq!(requests.as_object().map(|r| r.len()), Some(1), "{requests}");

    // 4. Entitle signs, cryptography verifies.
    let body = json!({
        "id": "WH-ENTITLE-E2E-0001",
        "event_version": "1.0",
        "event_type": "PAYMENT.CAPTURE.COMPLETED",
        "resource_type": "capture",
        "resource": {
            "id": "CAP1",
            "status": "COMPLETED",
            "amount": {"currency_code": "USD", "value": "10.00"},
            "custom_id": "0b6d7c5e-2f8a-4c1e-9d3b-5a7e4f2c1d09",
        },
    })
    .to_string();
    let (id, time) = (
        "f1e2d3c4-b5a6-4978-8877-665544332211",
        "2026-01-02T03:04:05Z",
    );
    let signature = paypal::sign_transmission(&key, id, time, PAYPAL_WEBHOOK_ID, body.as_bytes());
    let message = paypal::transmission_message(id, time, PAYPAL_WEBHOOK_ID, body.as_bytes());
    certificate
        .verify(message.as_bytes(), &signature)
        .expect("Entitle verifies its own signature with the certificate");
    let file = dir.path().join("paypal_body.json");
    std::fs::write(&file, &body).expect("write the body");
    let checked = python(
        &venv,
        &[
            "paypal-verify",
            keys_arg,
            "--webhook-id",
            PAYPAL_WEBHOOK_ID,
            "--transmission-id",
            id,
            "--transmission-time",
            time,
            "--sig",
            &signature,
            "--message",
            &message,
            "--body",
            utf8(&file),
        ],
    );
    assert_eq!(checked["same_message"], true, "{message} vs {checked}");
    assert_eq!(checked["verified"], true, "{checked}");
    assert_eq!(checked["same_signature"], true, "{checked}");
    assert_eq!(checked["tampered_verified"], false, "{checked}");
}
