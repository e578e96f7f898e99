//! The committed spec is what the code generates.

use std::path::Path;

fn committed(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../openapi")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

const REGENERATE: &str = "the committed spec is stale: regenerate it with `just openapi` \
    (cargo run -q -p entitle-cli -- openapi > openapi/openapi.json, and --format yaml > \
    openapi/openapi.yaml)";

#[test]
fn committed_json_spec_matches_the_code() {
    assert!(
        committed("openapi.json").trim_end() == entitle_server::openapi_json().trim_end(),
        "{REGENERATE}"
    );
}

#[test]
fn committed_yaml_spec_matches_the_code() {
    assert!(
        committed("openapi.yaml").trim_end() == entitle_server::openapi_yaml().trim_end(),
        "{REGENERATE}"
    );
}

#[test]
fn every_operation_has_an_id_a_summary_and_problem_responses() {
    let spec: serde_json::Value =
        serde_json::from_str(&entitle_server::openapi_json()).expect("spec");
    let paths = spec["paths"].as_object().expect("paths");
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().expect("operations") {
            let name = format!("{method} {path}");
            assert!(
                operation["operationId"].is_string(),
                "{name}: no operationId"
            );
            assert!(operation["summary"].is_string(), "{name}: no summary");
            if path.starts_with("/v1/") {
                let unauthorized = &operation["responses"]["401"]["content"];
                assert!(
                    unauthorized["application/problem+json"].is_object(),
                    "{name}: 401 is not documented as problem+json"
                );
            }
        }
    }
}

#[test]
fn money_is_a_two_decimal_string_in_the_spec() {
    let spec: serde_json::Value =
        serde_json::from_str(&entitle_server::openapi_json()).expect("spec");
    let total = &spec["components"]["schemas"]["QuoteView"]["properties"]["total"];
    assert_eq!(total["type"], "string", "{total}");
    assert_eq!(
        total["pattern"],
        entitle_domain::api::amount::AMOUNT_PATTERN
    );
}
