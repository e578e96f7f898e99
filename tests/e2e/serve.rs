//! `entitle serve`, `entitle migrate` and `entitle openapi` as the README uses them.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

pub const ADMIN_KEY: &str = "e2e-admin-key-0123456789abcdef012345";

/// A running `entitle serve`, killed when dropped.
pub struct Served {
    child: Child,
    pub base_url: String,
    dir: tempfile::TempDir,
}

impl Served {
    /// What the server logged so far (JSON lines).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn entitle() -> Command {
    Command::new(env!("CARGO_BIN_EXE_entitle"))
}

/// Starts `entitle serve` on a free port with a fresh SQLite file, and waits for the line
/// that says where it listens.
pub fn serve() -> Served {
    serve_on(None)
}

/// [`serve`] on `database` (a PostgreSQL URL), or on a fresh SQLite file when `None`.
pub fn serve_on(database: Option<&str>) -> Served {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = database.map_or_else(
        || format!("sqlite://{}/entitle.db?mode=rwc", dir.path().display()),
        str::to_owned,
    );
    let log = std::fs::File::create(dir.path().join("server.log")).expect("log file");
    let mut child = entitle()
        .args(["serve", "--sandbox", "--listen", "127.0.0.1:0"])
        .env("ENTITLE_DATABASE_URL", &database)
        .env("ENTITLE_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY)
        // The fuzzer sends hundreds of requests a second from one key.
        .env("ENTITLE_RATE_LIMIT_PER_KEY", "0")
        .env("ENTITLE_RATE_LIMIT_PER_IP", "0")
        .env("ENTITLE_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("start entitle serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let base_url = lines
        .find_map(|line| {
            line.ok()?
                .strip_prefix("entitle is listening on ")
                .map(str::to_owned)
        })
        .expect("entitle serve said where it listens");
    Served {
        child,
        base_url,
        dir,
    }
}

/// The JSON body `request` is answered with; `what` names the request when it fails.
pub async fn json_from(request: reqwest::RequestBuilder, what: &str) -> Value {
    request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{what}: json: {e}"))
}

/// An individual account in China named `name`, created with the admin key.
pub async fn create_account(http: &reqwest::Client, base_url: &str, name: &str) -> Value {
    json_from(
        http.post(format!("{base_url}/v1/accounts"))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"name": name, "kind": "individual", "region": "cn"})),
        "create account",
    )
    .await
}

/// The secret of a new API key named `name` for `account`, created with the admin key.
pub async fn create_api_key(
    http: &reqwest::Client,
    base_url: &str,
    account: &str,
    name: &str,
) -> String {
    let key = json_from(
        http.post(format!("{base_url}/v1/accounts/{account}/api-keys"))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"name": name})),
        "create key",
    )
    .await;
    key["key"].as_str().expect("key").to_owned()
}

/// Pays `checkout` on the sandbox's hosted page as the customer's browser would: the page
/// first, for its CSRF token, then the succeeding outcome posted with it.
pub async fn pay_on_sandbox_page(http: &reqwest::Client, checkout: &str) -> reqwest::Response {
    let page = http
        .get(checkout)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let csrf = entitle_client::sandbox_csrf(&page).expect("csrf token");
    http.post(format!("{checkout}/pay"))
        .form(&[("outcome", "succeed"), ("csrf", csrf.as_str())])
        .send()
        .await
        .expect("pay on the hosted page")
}

/// Live mode (no `--sandbox`) with no provider configured would take no payment: the server
/// refuses to start, exit code 2, with one message naming `--sandbox` and the settings. With
/// `ENTITLE_SANDBOX=true` the same command starts.
#[test]
fn live_mode_without_a_provider_refuses_to_start() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}/entitle.db?mode=rwc", dir.path().display());
    let refused = entitle()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("ENTITLE_DATABASE_URL", &database)
        .env_remove("ENTITLE_SANDBOX")
        .output()
        .expect("run entitle serve");
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(said.lines().count(), 1, "one message: {said}");
    for named in ["--sandbox", "ENTITLE_ALIPAY_APP_ID", "ENTITLE_WECHAT_MCHID"] {
        assert!(said.contains(named), "the message names {named}: {said}");
    }

    let mut test_mode = entitle()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("ENTITLE_DATABASE_URL", &database)
        .env("ENTITLE_SANDBOX", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start entitle serve");
    let stdout = test_mode.stdout.take().expect("stdout");
    let listening = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.starts_with("entitle is listening on "));
    let _ = test_mode.kill();
    let _ = test_mode.wait();
    assert!(listening, "ENTITLE_SANDBOX=true starts in test mode");
}

/// A provider half configured is refused by name, not started without it.
#[test]
fn a_partly_configured_provider_is_named_and_refused() {
    let refused = entitle()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("ENTITLE_ALIPAY_APP_ID", "2021000000000000")
        .output()
        .expect("run entitle serve");
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("ENTITLE_ALIPAY_PRIVATE_KEY_FILE"), "{said}");
}

/// A bootstrap admin key shorter than 32 characters could be guessed: the server refuses to
/// start with it (exit code 2, one message saying how long it must be and how to retire it),
/// before it touches the database.
#[test]
fn a_short_bootstrap_admin_key_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}/entitle.db?mode=rwc", dir.path().display());
    let refused = entitle()
        .args(["serve", "--sandbox", "--listen", "127.0.0.1:0"])
        .env("ENTITLE_DATABASE_URL", &database)
        .env("ENTITLE_BOOTSTRAP_ADMIN_KEY", "admin-secret")
        .output()
        .expect("run entitle serve");
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(said.lines().count(), 1, "one message: {said}");
    for named in [
        "ENTITLE_BOOTSTRAP_ADMIN_KEY",
        "12 characters",
        "at least 32",
        "/v1/admin/api-keys",
    ] {
        assert!(said.contains(named), "the message says {named}: {said}");
    }
    assert!(
        !dir.path().join("entitle.db").exists(),
        "refused before the database is opened"
    );
}

#[tokio::test]
async fn the_readme_curl_session_works_against_entitle_serve() {
    let server = serve();
    let http = reqwest::Client::new();
    let health = json_from(http.get(format!("{}/healthz", server.base_url)), "healthz").await;
    assert_eq!(health["status"], "ok");

    let account = create_account(&http, &server.base_url, "Acme Shanghai").await;
    let id = account["id"].as_str().expect("account id");
    assert_eq!(account["currency"], "CNY");
    let key = create_api_key(&http, &server.base_url, id, "console").await;
    let key = key.as_str();

    let quote = json_from(
        http.post(format!("{}/v1/accounts/{id}/quotes", server.base_url))
            .bearer_auth(key)
            .json(&json!({"type": "purchase", "product": "dr", "cycle": "year", "quantity": 3})),
        "quote",
    )
    .await;
    assert_eq!(quote["currency"], "CNY");
    assert_eq!(quote["total"], "5970.00");
    assert_eq!(quote["lines"][1]["product"], "failback");

    // Buy it: order, pay on the sandbox's hosted page, read the licenses.
    let order = json_from(
        http.post(format!("{}/v1/accounts/{id}/orders", server.base_url))
            .bearer_auth(key)
            .header("Idempotency-Key", "first-dr-order")
            .json(
                &json!({"type": "purchase", "product": "dr", "cycle": "year", "quantity": 3,
                          "auto_renew": true, "payment_method": "alipay"}),
            ),
        "order",
    )
    .await;
    assert_eq!(order["status"], "pending_payment");
    let checkout = order["checkout"]["url"].as_str().expect("checkout url");
    let paid = pay_on_sandbox_page(&http, checkout)
        .await
        .text()
        .await
        .expect("page");
    assert!(paid.contains("Payment complete"), "{paid}");
    let licenses = json_from(
        http.get(format!("{}/v1/accounts/{id}/licenses", server.base_url))
            .bearer_auth(key),
        "licenses",
    )
    .await;
    let items = licenses["items"].as_array().expect("items");
    assert_eq!(items.len(), 6, "3 DR and 3 bonus failback licenses");
    assert!(items.iter().all(|l| l["status"] == "active"));
    let refused = http
        .post(format!(
            "{}/v1/orders/{}/cancel",
            server.base_url,
            order["id"].as_str().expect("id")
        ))
        .bearer_auth(key)
        .send()
        .await
        .expect("cancel");
    assert_eq!(refused.status(), 409);

    // The log is JSON, one object a line, each request with its id; no secret is in it.
    let log = server.log();
    let lines: Vec<Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON log line"))
        .collect();
    assert!(
        lines.iter().any(|l| l["span"]["request_id"].is_string()),
        "{log}"
    );
    for secret in [ADMIN_KEY, key] {
        assert!(!log.contains(secret), "a secret reached the log");
    }
}

#[test]
fn entitle_openapi_prints_the_committed_spec() {
    let output = entitle()
        .arg("openapi")
        .output()
        .expect("run entitle openapi");
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).expect("utf-8");
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/openapi.json"
    ))
    .expect("committed spec");
    assert_eq!(printed.trim_end(), committed.trim_end());
}

#[test]
fn entitle_migrate_prepares_a_fresh_database() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}/fresh.db?mode=rwc", dir.path().display());
    let output = entitle()
        .args(["migrate", "--database-url", &database])
        .output()
        .expect("run entitle migrate");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(dir.path().join("fresh.db").exists());
    let again = entitle()
        .args(["migrate", "--database-url", &database])
        .output()
        .expect("run entitle migrate again");
    assert!(again.status.success(), "migrating twice is harmless");
}
