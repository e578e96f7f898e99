//! Schemathesis against the live server, every operation, with an admin key and with an
//! account key, within a bounded budget. It must find no 5xx, no answer that breaks the spec
//! (status codes, content types, schemas, headers, the `Allow` of a method the spec does not
//! declare), no crash. Every phase runs, named so that a new schemathesis default cannot drop
//! one: the spec's examples, coverage (boundary and schema-violating values for every field),
//! fuzzing, and stateful sequences following the links between operations; data in both modes,
//! schema-valid and schema-violating, with NUL bytes allowed in strings (a NUL reaching
//! PostgreSQL used to answer 500). With `ENTITLE_TEST_POSTGRES_URL` set it runs again on a
//! fresh PostgreSQL database, where NUL and the unique indexes behave differently.
//!
//! One of its checks is left out, by design: `positive_data_acceptance` (the domain refuses
//! some schema-valid requests with 422 — a quantity above the product's limit, a product not
//! in the catalog, a control character in a name — which is the API's contract, not a bug).
//! `negative_data_rejection` runs: a JSON boolean or number given for a string field is
//! refused at the edge (`server::edge::strings`), not read as its text.

use std::process::Command;

use serde_json::{Value, json};

use crate::generated_client::venv;
use crate::serve::{ADMIN_KEY, Served, serve, serve_on};

fn fuzz(venv: &std::path::Path, base_url: &str, key: &str) {
    let output = Command::new(venv.join("bin/st"))
        .args(["run", &format!("{base_url}/openapi.json")])
        .args(["--header", &format!("Authorization: Bearer {key}")])
        .args(["--checks", "all"])
        .args(["--exclude-checks", "positive_data_acceptance"])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--mode", "all", "--generation-allow-x00", "true"])
        .args(["--max-examples", "10", "--seed", "1"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run schemathesis");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found failures:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report.contains("passed"), "{report}");
}

/// Fuzzes `server` with the admin key, then with the key of an account it creates.
async fn fuzz_both_keys(venv: &std::path::Path, server: &Served) {
    fuzz(venv, &server.base_url, ADMIN_KEY);

    let http = reqwest::Client::new();
    let account: Value = http
        .post(format!("{}/v1/accounts", server.base_url))
        .bearer_auth(ADMIN_KEY)
        .json(&json!({"name": "Fuzzed", "kind": "individual", "region": "cn"}))
        .send()
        .await
        .expect("account")
        .json()
        .await
        .expect("json");
    let key: Value = http
        .post(format!(
            "{}/v1/accounts/{}/api-keys",
            server.base_url,
            account["id"].as_str().expect("id")
        ))
        .bearer_auth(ADMIN_KEY)
        .json(&json!({"name": "fuzz"}))
        .send()
        .await
        .expect("key")
        .json()
        .await
        .expect("json");
    fuzz(venv, &server.base_url, key["key"].as_str().expect("key"));
}

#[tokio::test]
async fn schemathesis_finds_nothing_with_an_admin_key_or_an_account_key() {
    let venv = venv();
    let server = serve();
    fuzz_both_keys(&venv, &server).await;
}

/// The same on PostgreSQL, when a server is given (`ENTITLE_TEST_POSTGRES_URL`), on a database
/// of its own, dropped afterwards.
#[tokio::test]
async fn schemathesis_finds_nothing_on_postgres_either() {
    let Ok(base) = std::env::var("ENTITLE_TEST_POSTGRES_URL") else {
        eprintln!("NOT RUN on PostgreSQL: set ENTITLE_TEST_POSTGRES_URL to run it");
        return;
    };
    let venv = venv();
    let name = format!("e2e_fuzz_{}", std::process::id());
    let admin = sea_orm::Database::connect(&base).await.expect("PostgreSQL");
    let create = format!("DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name}");
    for statement in create.split("; ") {
        sea_orm::ConnectionTrait::execute_unprepared(&admin, statement)
            .await
            .expect("a fresh database");
    }
    let (prefix, _) = base.rsplit_once('/').expect("a database URL");
    let server = serve_on(Some(&format!("{prefix}/{name}")));
    fuzz_both_keys(&venv, &server).await;
    drop(server);
    sea_orm::ConnectionTrait::execute_unprepared(
        &admin,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await
    .expect("drop the database");
}
