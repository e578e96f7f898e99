//! `entitle serve`, `entitle migrate` and `entitle openapi` as the README uses them.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

const ADMIN_KEY: &str = "e2e-admin-key";

/// A running `entitle serve`, killed when dropped.
struct Served {
    child: Child,
    base_url: String,
    _dir: tempfile::TempDir,
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
fn serve() -> Served {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}/entitle.db?mode=rwc", dir.path().display());
    let mut child = entitle()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("ENTITLE_DATABASE_URL", &database)
        .env("ENTITLE_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
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
        _dir: dir,
    }
}

#[tokio::test]
async fn the_readme_curl_session_works_against_entitle_serve() {
    let server = serve();
    let http = reqwest::Client::new();
    let health: Value = http
        .get(format!("{}/healthz", server.base_url))
        .send()
        .await
        .expect("healthz")
        .json()
        .await
        .expect("json");
    assert_eq!(health["status"], "ok");

    let account: Value = http
        .post(format!("{}/v1/accounts", server.base_url))
        .bearer_auth(ADMIN_KEY)
        .json(&json!({"name": "Acme Shanghai", "kind": "individual", "region": "cn"}))
        .send()
        .await
        .expect("create account")
        .json()
        .await
        .expect("json");
    let id = account["id"].as_str().expect("account id");
    assert_eq!(account["currency"], "CNY");

    let key: Value = http
        .post(format!("{}/v1/accounts/{id}/api-keys", server.base_url))
        .bearer_auth(ADMIN_KEY)
        .json(&json!({"name": "console"}))
        .send()
        .await
        .expect("create key")
        .json()
        .await
        .expect("json");
    let key = key["key"].as_str().expect("key");

    let quote: Value = http
        .post(format!("{}/v1/accounts/{id}/quotes", server.base_url))
        .bearer_auth(key)
        .json(&json!({"type": "purchase", "product": "dr", "cycle": "year", "quantity": 3}))
        .send()
        .await
        .expect("quote")
        .json()
        .await
        .expect("json");
    assert_eq!(quote["currency"], "CNY");
    assert_eq!(quote["total"], "5970.00");
    assert_eq!(quote["lines"][1]["product"], "failback");
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
