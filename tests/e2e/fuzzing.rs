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
//! refused at the edge (`server::edge::conform`), not read as its text.

use std::process::Command;

use crate::generated_client::venv;
use crate::serve::{ADMIN_KEY, Served, create_account, create_api_key, serve, serve_on};
use crate::tools::run;

fn fuzz(venv: &std::path::Path, base_url: &str, key: &str) {
    let report = run(
        Command::new(venv.join("bin/st"))
            .args(["run", &format!("{base_url}/openapi.json")])
            .args(["--header", &format!("Authorization: Bearer {key}")])
            .args(["--checks", "all"])
            .args(["--exclude-checks", "positive_data_acceptance"])
            .args(["--phases", "examples,coverage,fuzzing,stateful"])
            .args(["--mode", "all", "--generation-allow-x00", "true"])
            .args(["--max-examples", "10", "--seed", "1"])
            .env("NO_COLOR", "1"),
        "schemathesis",
    );
    assert!(report.contains("passed"), "{report}");
}

/// Fuzzes `server` with the admin key, then with the key of an account it creates.
async fn fuzz_both_keys(venv: &std::path::Path, server: &Served) {
    fuzz(venv, &server.base_url, ADMIN_KEY);

    let http = reqwest::Client::new();
    let account = create_account(&http, &server.base_url, "Fuzzed").await;
    let id = account["id"].as_str().expect("id");
    let key = create_api_key(&http, &server.base_url, id, "fuzz").await;
    fuzz(venv, &server.base_url, &key);
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
