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

/// Issue 19: a field the server always sends, null or not, is `required` and `nullable`
/// (`domain::api::Nullable`), so generators type it present-but-null, not optional.
#[test]
fn fields_always_sent_are_required_and_nullable() {
    let spec: serde_json::Value =
        serde_json::from_str(&entitle_server::openapi_json()).expect("spec");
    let schemas = &spec["components"]["schemas"];
    for (schema, field) in [
        ("Order", "paid_at"),
        ("Order", "subscription_id"),
        ("OrderPage", "next_cursor"),
        ("QuoteLineView", "months_billed"),
        ("Invoice", "issued_at"),
    ] {
        let required = schemas[schema]["required"].as_array().expect("required");
        assert!(
            required.iter().any(|name| name == field),
            "{schema}.{field} is not required"
        );
        assert_eq!(
            schemas[schema]["properties"][field]["nullable"], true,
            "{schema}.{field} is not nullable"
        );
    }
    // A field the server leaves out when empty stays optional.
    let order_required = schemas["Order"]["required"].as_array().expect("required");
    assert!(!order_required.iter().any(|name| name == "checkout"));
}

/// Issue 19: every property is described, and a described reference is `allOf` of the
/// reference alone (`server::openapi_document`): an `allOf` part holding only annotations
/// makes openapi-python-client drop every response that uses it.
#[test]
fn every_property_is_described_and_no_allof_part_only_annotates() {
    let spec: serde_json::Value =
        serde_json::from_str(&entitle_server::openapi_json()).expect("spec");
    let schemas = spec["components"]["schemas"].as_object().expect("schemas");
    for (schema, body) in schemas {
        let properties = body["properties"].as_object().into_iter().flatten();
        for (name, property) in properties {
            assert!(
                property["description"].is_string(),
                "{schema}.{name} has no description"
            );
            for part in property["allOf"].as_array().into_iter().flatten() {
                assert!(
                    part.get("$ref").is_some() || part.as_object().is_some_and(|p| p.len() > 1),
                    "{schema}.{name}: an allOf part that only annotates: {part}"
                );
            }
        }
    }
}
