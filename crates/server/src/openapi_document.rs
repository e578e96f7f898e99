//! The spec as published: poem-openapi's document with one repair, the same for the committed
//! files (`entitle openapi`) and the served `/openapi.json`.
//!
//! The repair (issue 19): a property whose type is a named schema (an enum) and which has a
//! description is written by poem-openapi as `allOf: [{$ref}, {description}]`, the description
//! repeated beside. The second, annotation-only part adds nothing, and openapi-python-client
//! cannot resolve such a reference at all (it drops every response that uses it). The repair
//! keeps `allOf: [{$ref}]` with the description beside it, the OpenAPI 3.0 way to describe a
//! reference, which every generator here reads.
//!
//! The document is handled as a `serde_yaml::Value` because its maps keep their order, so the
//! published text is poem-openapi's, byte for byte, wherever the repair does not apply.

use serde_yaml::{Mapping, Value};

/// Keys an `allOf` part may hold and still only annotate: the repair drops such a part when
/// the schema beside the `allOf` carries the same annotations.
const ANNOTATIONS: &[&str] = &[
    "description",
    "default",
    "readOnly",
    "writeOnly",
    "deprecated",
    "nullable",
    "example",
    "title",
];

/// The repaired spec as pretty JSON, from poem-openapi's JSON text. poem-openapi's text is
/// always JSON; were it not, it is published as it came (JSON is YAML too), never lost.
pub fn json(spec: &str) -> String {
    repaired(spec)
        .and_then(|document| serde_json::to_string_pretty(&document).ok())
        .unwrap_or_else(|| spec.to_owned())
}

/// The repaired spec as YAML, from poem-openapi's JSON text (or that text, as [`json`]).
pub fn yaml(spec: &str) -> String {
    repaired(spec)
        .and_then(|document| serde_yaml::to_string(&document).ok())
        .unwrap_or_else(|| spec.to_owned())
}

fn repaired(spec: &str) -> Option<Value> {
    let mut document: Value = serde_json::from_str(spec).ok()?;
    repair(&mut document);
    Some(document)
}

/// Drops the annotation-only `allOf` parts everywhere in `value`.
fn repair(value: &mut Value) {
    match value {
        Value::Mapping(map) => {
            drop_annotation_parts(map);
            map.values_mut().for_each(repair);
        }
        Value::Sequence(items) => items.iter_mut().for_each(repair),
        _ => {}
    }
}

fn drop_annotation_parts(schema: &mut Mapping) {
    let beside = schema.clone();
    let Some(Value::Sequence(parts)) = schema.get_mut("allOf") else {
        return;
    };
    if parts.len() < 2 {
        return;
    }
    parts.retain(|part| !annotates_only(part, &beside));
}

/// Whether `part` only repeats annotations that `beside` (the schema holding the `allOf`)
/// carries too.
fn annotates_only(part: &Value, beside: &Mapping) -> bool {
    let Value::Mapping(part) = part else {
        return false;
    };
    !part.is_empty()
        && part.iter().all(|(key, value)| {
            key.as_str()
                .is_some_and(|key| ANNOTATIONS.contains(&key) && beside.get(key) == Some(value))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_annotation_only_part_beside_a_reference_is_dropped_and_order_kept() {
        let spec = r##"{"z":1,"a":{"allOf":[{"$ref":"#/components/schemas/Cycle"},{"description":"How often."}],"description":"How often."}}"##;
        assert_eq!(
            json(spec),
            "{\n  \"z\": 1,\n  \"a\": {\n    \"allOf\": [\n      {\n        \"$ref\": \"#/components/schemas/Cycle\"\n      }\n    ],\n    \"description\": \"How often.\"\n  }\n}"
        );
    }

    #[test]
    fn text_that_is_not_json_is_published_as_it_came() {
        assert_eq!(json("not json"), "not json");
        assert_eq!(yaml("not json"), "not json");
    }

    #[test]
    fn a_part_that_constrains_is_kept() {
        let spec = r##"{"allOf":[{"$ref":"#/components/schemas/A"},{"description":"x","maxLength":3}],"description":"x"}"##;
        let repaired: serde_json::Value = serde_json::from_str(&json(spec)).expect("json");
        assert_eq!(repaired["allOf"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn a_part_whose_annotation_is_not_beside_is_kept() {
        let spec = r##"{"allOf":[{"$ref":"#/components/schemas/A"},{"description":"x"}]}"##;
        let repaired: serde_json::Value = serde_json::from_str(&json(spec)).expect("json");
        assert_eq!(repaired["allOf"].as_array().map(Vec::len), Some(2));
    }
}
