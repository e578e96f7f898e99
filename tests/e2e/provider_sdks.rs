//! Interoperability with the providers' own SDKs from PyPI, fzlee's `python-alipay-sdk`
//! (module `alipay`) and `wechatpayv3`, installed into a virtual environment under the target
//! directory (the pattern of `generated_client.rs`). One `entitle serve` in live mode, with
//! Alipay and WeChat Pay both configured, is driven through four checks; every signature,
//! verification and decryption on the far side is the SDK's own function
//! (`tests/e2e/python/provider_sdks.py`):
//!
//! 1. Alipay, Entitle signs, the SDK verifies: the `alipay.trade.page.pay` URL Entitle
//!    redirects to, rebuilt into the SDK's string to sign, verifies with the app's public key,
//!    and the SDK signing the same params with the app's private key gets the same signature.
//! 2. Alipay, the SDK signs, Entitle verifies: a TRADE_SUCCESS notify signed by the SDK with
//!    Alipay's key pays the order (`success`); the same notify with the amount changed after
//!    signing, sent first, is refused and changes nothing.
//! 3. WeChat Pay, Entitle signs, the SDK verifies: a Python fake of the API recomputes
//!    Entitle's `Authorization` with the SDK's `build_authorization` and checks it with
//!    `rsa_verify`, then answers signed with the SDK's `rsa_sign`; the order's creation
//!    succeeding proves Entitle verified that answer, and an answer signed with another key
//!    makes creation fail (502 `provider_unavailable`).
//! 4. WeChat Pay, the SDK signs, Entitle verifies: a TRANSACTION.SUCCESS callback (resource
//!    encrypted AES-256-GCM, read back by the SDK's `aes_decrypt`; headers signed with
//!    `rsa_sign`) pays the order (204); a tampered one, sent first, changes nothing.
//!
//! Every key is generated at test time, by the script with `cryptography` (RSA 2048): the
//! Alipay app key is given to Entitle as PKCS#1 PEM (what fzlee's SDK uses), the WeChat Pay
//! merchant key as PKCS#8 PEM, Alipay's public key as bare base64 SPKI, WeChat Pay's as PEM.
//!
//! Over 400 lines because each provider's SDK needs its keys, its fake and its scenario here;
//! the Python side is in the scripts this file writes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::serve::{ADMIN_KEY, create_account, create_api_key};
use crate::tools::{Killed, pinned_venv, python_json, python_script, wait_for};

/// The SDKs' versions (and the crypto they use), pinned so they do not drift under the tests.
const SDKS: [&str; 3] = [
    "python-alipay-sdk==3.4.0",
    "wechatpayv3==2.0.4",
    "cryptography==50.0.2",
];

const ALIPAY_APP_ID: &str = "2021000118600001";
const WECHAT_APPID: &str = "wxd678efh567hg6787";
const WECHAT_MCHID: &str = "1900000109";
const WECHAT_SERIAL_NO: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
const WECHAT_APIV3_KEY: &str = "0123456789abcdefghijABCDEFGHIJ01";
const WECHAT_PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";

/// The SDKs' virtual environment.
fn sdk_venv() -> PathBuf {
    pinned_venv("python-sdks", &SDKS)
}

/// Runs one step of the script; its stdout is one JSON object.
fn python(venv: &Path, args: &[&str]) -> Value {
    python_json(venv, "provider_sdks.py", args)
}

/// `"29.90"` in fen.
fn fen(amount: &str) -> i64 {
    let (yuan, cents) = amount.split_once('.').expect("an amount with decimals");
    assert_eq!(cents.len(), 2, "{amount}");
    format!("{yuan}{cents}").parse().expect("an amount")
}

struct Entitle {
    base: String,
    http: reqwest::Client,
    key: String,
    account: String,
    log: PathBuf,
}

impl Entitle {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A DR month order paid by `method`, with its checkout's out_trade_no.
    async fn order(&self, method: &str, idempotency: &str) -> (Value, String) {
        let response = self.order_response(method, idempotency).await;
        let status = response.status();
        let order: Value = response.json().await.expect("order json");
        assert_eq!(status, 201, "{order}\n{}", self.log());
        assert_eq!(order["status"], "pending_payment", "{order}");
        assert_eq!(order["checkout"]["provider"], method, "{order}");
        let url = order["checkout"]["url"].as_str().expect("checkout url");
        let session = url
            .strip_prefix(&format!("{}/pay/", self.base))
            .unwrap_or_else(|| panic!("{url} is not Entitle's pay page"));
        let session: uuid::Uuid = session.parse().expect("a session id");
        (order, session.simple().to_string())
    }

    async fn order_response(&self, method: &str, idempotency: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/v1/accounts/{}/orders", self.base, self.account))
            .bearer_auth(&self.key)
            .header("Idempotency-Key", idempotency)
            .json(
                &json!({"type": "purchase", "product": "dr", "cycle": "month", "quantity": 1,
                          "auto_renew": false, "payment_method": method}),
            )
            .send()
            .await
            .expect("create order")
    }

    async fn order_status(&self, order: &Value) -> String {
        let id = order["id"].as_str().expect("order id");
        let order: Value = self
            .http
            .get(format!("{}/v1/orders/{id}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .expect("get order")
            .json()
            .await
            .expect("order json");
        order["status"].as_str().expect("status").to_owned()
    }

    async fn callback(
        &self,
        provider: &str,
        content_type: &str,
        headers: &[(String, String)],
        body: &str,
    ) -> (u16, String) {
        let mut request = self
            .http
            .post(format!("{}/v1/payments/{provider}/callback", self.base))
            .header("Content-Type", content_type)
            .body(body.to_owned());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request.send().await.expect("callback");
        let status = response.status().as_u16();
        (status, response.text().await.expect("callback answer"))
    }
}

#[tokio::test]
async fn entitle_and_the_alipay_and_wechat_pay_sdks_accept_each_others_signatures() {
    let venv = sdk_venv();
    let dir = tempfile::tempdir().expect("temporary directory");
    let keys = dir.path().join("keys");
    std::fs::create_dir(&keys).expect("keys directory");
    let keys_arg = keys.to_str().expect("a UTF-8 path");
    python(&venv, &["keys", keys_arg]);

    // The WeChat Pay API fake (also the Alipay gateway's address: no gateway call is made).
    let mut fake = Command::new(venv.join("bin/python"))
        .arg(python_script("provider_sdks.py"))
        .args([
            "fake",
            keys_arg,
            "--appid",
            WECHAT_APPID,
            "--mchid",
            WECHAT_MCHID,
        ])
        .args(["--serial-no", WECHAT_SERIAL_NO])
        .args(["--public-key-id", WECHAT_PUBLIC_KEY_ID])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the fake");
    let port = wait_for(&mut fake, "the fake", |line| Some(line.trim().to_owned()));
    let _fake = Killed(fake);
    let fake_base = format!("http://127.0.0.1:{port}");

    let log = dir.path().join("server.log");
    let mut server = Command::new(env!("CARGO_BIN_EXE_entitle"))
        .arg("serve")
        .env(
            "ENTITLE_DATABASE_URL",
            format!("sqlite://{}/e.db?mode=rwc", dir.path().display()),
        )
        .env("ENTITLE_LISTEN", "127.0.0.1:0")
        .env("ENTITLE_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY)
        .env("ENTITLE_JOBS_INTERVAL_SECONDS", "0")
        .env("ENTITLE_LOG_FORMAT", "json")
        .env("ENTITLE_ALIPAY_APP_ID", ALIPAY_APP_ID)
        .env(
            "ENTITLE_ALIPAY_PRIVATE_KEY_FILE",
            keys.join("alipay_app_private.pem"),
        )
        .env(
            "ENTITLE_ALIPAY_PUBLIC_KEY_FILE",
            keys.join("alipay_public.b64"),
        )
        .env("ENTITLE_ALIPAY_GATEWAY", format!("{fake_base}/gateway.do"))
        .env("ENTITLE_WECHAT_APPID", WECHAT_APPID)
        .env("ENTITLE_WECHAT_MCHID", WECHAT_MCHID)
        .env(
            "ENTITLE_WECHAT_PRIVATE_KEY_FILE",
            keys.join("merchant_private.pem"),
        )
        .env("ENTITLE_WECHAT_SERIAL_NO", WECHAT_SERIAL_NO)
        .env("ENTITLE_WECHAT_APIV3_KEY", WECHAT_APIV3_KEY)
        .env(
            "ENTITLE_WECHAT_PUBLIC_KEY_FILE",
            keys.join("wechat_public.pem"),
        )
        .env("ENTITLE_WECHAT_PUBLIC_KEY_ID", WECHAT_PUBLIC_KEY_ID)
        .env("ENTITLE_WECHAT_API_BASE", &fake_base)
        .env_remove("ENTITLE_SANDBOX")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("start entitle serve");
    let base = wait_for(&mut server, "entitle serve", |line| {
        line.strip_prefix("entitle is listening on ")
            .map(str::to_owned)
    });
    let _server = Killed(server);

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    let account = create_account(&http, &base, "SDK interop").await;
    let account = account["id"].as_str().expect("account id").to_owned();
    let key = create_api_key(&http, &base, &account, "interop").await;
    let entitle = Entitle {
        base: base.clone(),
        http,
        key,
        account,
        log,
    };

    // 1. Alipay: Entitle signs the page.pay URL, the SDK verifies it.
    let (order, trade_no) = entitle.order("alipay", "sdk-alipay").await;
    let total = order["total"].as_str().expect("total").to_owned();
    let url = order["checkout"]["url"].as_str().expect("url");
    let redirect = entitle.http.get(url).send().await.expect("pay page");
    assert_eq!(redirect.status(), 303, "{}", entitle.log());
    let location = redirect
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location")
        .to_owned();
    assert!(
        location.starts_with(&format!("{fake_base}/gateway.do?")),
        "{location}"
    );
    let checked = python(&venv, &["alipay-page-pay", keys_arg, &location]);
    assert_eq!(checked["verified"], true, "{checked}");
    assert_eq!(checked["same_signature"], true, "{checked}");
    assert_eq!(checked["sign_data_same_signature"], true, "{checked}");
    assert_eq!(checked["sign_data_same_params"], true, "{checked}");
    let params = &checked["params"];
    assert_eq!(params["app_id"], ALIPAY_APP_ID);
    assert_eq!(params["method"], "alipay.trade.page.pay");
    assert_eq!(params["sign_type"], "RSA2");
    assert_eq!(params["charset"], "utf-8");
    assert_eq!(
        params["notify_url"],
        format!("{base}/v1/payments/alipay/callback")
    );
    let biz = &checked["biz_content"];
    assert_eq!(biz["out_trade_no"], trade_no.as_str(), "{checked}");
    assert_eq!(biz["total_amount"], total.as_str(), "{checked}");
    assert_eq!(biz["product_code"], "FAST_INSTANT_TRADE_PAY", "{checked}");

    // 2. Alipay: the SDK signs a notify with Alipay's key, Entitle verifies it. The tampered
    //    one goes first: it must change nothing.
    let notify = |tamper: Option<&str>| {
        let mut args = vec![
            "alipay-notify",
            keys_arg,
            "--app-id",
            ALIPAY_APP_ID,
            "--out-trade-no",
            &trade_no,
            "--trade-no",
            "2026120222001446880500000001",
            "--total-amount",
            &total,
        ];
        if let Some(amount) = tamper {
            args.extend(["--tamper-amount", amount]);
        }
        python(&venv, &args)["body"]
            .as_str()
            .expect("body")
            .to_owned()
    };
    let form = "application/x-www-form-urlencoded; charset=utf-8";
    let tampered = notify(Some("0.01"));
    let (status, answer) = entitle.callback("alipay", form, &[], &tampered).await;
    assert_ne!(
        answer, "success",
        "a tampered notify was accepted ({status})"
    );
    eprintln!("Alipay, a tampered notify: {status} {answer}");
    assert_eq!(entitle.order_status(&order).await, "pending_payment");
    let good = notify(None);
    let (status, answer) = entitle.callback("alipay", form, &[], &good).await;
    assert_eq!(
        (status, answer.as_str()),
        (200, "success"),
        "{}",
        entitle.log()
    );
    assert_eq!(entitle.order_status(&order).await, "paid");
    let (_, again) = entitle.callback("alipay", form, &[], &good).await;
    assert_eq!(again, "success", "a redelivered notify is acknowledged");

    // 3. WeChat Pay: Entitle signs its native order, the SDK (in the fake) verifies it; the
    //    fake answers signed with the SDK, which Entitle verifies before believing code_url.
    let (order, trade_no) = entitle.order("wechat_pay", "sdk-wechat").await;
    assert_eq!(
        order["checkout"]["qr_code"], "weixin://wxpay/bizpayurl?pr=abc",
        "{order}"
    );
    let checks = fake_checks(&entitle.http, &fake_base).await;
    let check = checks.last().expect("a check");
    assert_eq!(check["ok"], true, "{check}");
    assert_eq!(check["same_authorization"], true, "{check}");
    assert_eq!(check["rsa_verify"], true, "{check}");
    assert_eq!(check["order"]["out_trade_no"], trade_no.as_str(), "{check}");
    let total = fen(order["total"].as_str().expect("total"));
    assert_eq!(check["order"]["amount"]["total"], total, "{check}");
    assert_eq!(check["order"]["amount"]["currency"], "CNY", "{check}");
    assert_eq!(
        check["order"]["notify_url"],
        format!("{base}/v1/payments/wechat_pay/callback")
    );

    // An answer signed by a key that is not WeChat Pay's is not believed.
    entitle
        .http
        .post(format!("{fake_base}/_bad_next"))
        .send()
        .await
        .expect("the fake's control");
    let refused = entitle.order_response("wechat_pay", "sdk-wechat-bad").await;
    assert_eq!(refused.status(), 502);
    let problem: Value = refused.json().await.expect("problem");
    assert_eq!(problem["code"], "provider_unavailable", "{problem}");
    eprintln!(
        "WeChat Pay, an answer signed by another key: 502 {}",
        problem["detail"]
    );
    let after = fake_checks(&entitle.http, &fake_base).await;
    assert_eq!(
        after.len(),
        checks.len() + 1,
        "the refused order reached the fake"
    );
    let check = after.last().expect("a check");
    assert_eq!(
        check["ok"], true,
        "the request itself was signed right: {check}"
    );
    assert_ne!(
        check["order"]["out_trade_no"],
        trade_no.as_str(),
        "a check of the new order"
    );

    // 4. WeChat Pay: the SDK signs a callback as WeChat Pay, Entitle verifies and decrypts it.
    let total = total.to_string();
    let callback = |tamper: Option<&str>| {
        let mut args = vec![
            "wechat-callback",
            keys_arg,
            "--appid",
            WECHAT_APPID,
            "--mchid",
            WECHAT_MCHID,
            "--serial-no",
            WECHAT_SERIAL_NO,
            "--apiv3-key",
            WECHAT_APIV3_KEY,
            "--public-key-id",
            WECHAT_PUBLIC_KEY_ID,
            "--out-trade-no",
            &trade_no,
            "--transaction-id",
            "4200001234202612020000000001",
            "--total",
            &total,
        ];
        if let Some(amount) = tamper {
            args.extend(["--tamper-total", amount]);
        }
        let made = python(&venv, &args);
        let headers: Vec<(String, String)> = made["headers"]
            .as_object()
            .expect("headers")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().expect("a header").to_owned()))
            .collect();
        (headers, made["body"].as_str().expect("body").to_owned())
    };
    let json_type = "application/json";
    let (headers, body) = callback(Some("1"));
    let (status, answer) = entitle
        .callback("wechat_pay", json_type, &headers, &body)
        .await;
    assert!(
        !(200..300).contains(&status),
        "a tampered callback was accepted: {status} {answer}"
    );
    eprintln!("WeChat Pay, a tampered callback: {status} {answer}");
    assert_eq!(entitle.order_status(&order).await, "pending_payment");
    let (headers, body) = callback(None);
    let (status, answer) = entitle
        .callback("wechat_pay", json_type, &headers, &body)
        .await;
    assert_eq!(status, 204, "{answer}\n{}", entitle.log());
    assert_eq!(entitle.order_status(&order).await, "paid");
}

/// What the Python fake made of each request Entitle sent it, oldest first.
async fn fake_checks(http: &reqwest::Client, fake_base: &str) -> Vec<Value> {
    http.get(format!("{fake_base}/_checks"))
        .send()
        .await
        .expect("the fake's checks")
        .json::<Vec<Value>>()
        .await
        .expect("json")
}
