//! A JSON body's strings are strings (issue 17, item 6: bad input is refused, never
//! reinterpreted). poem-openapi reads a JSON `false` or `12` given for a `string` field as the
//! text `"false"` or `"12"`, so a request the spec says is invalid would be taken. This checks
//! every JSON request body against its operation's schema in the spec — only that where the
//! spec says `string`, the body has a string (or `null` where the field is nullable) — and
//! refuses the rest with 400 `validation_failed`, naming the field. Everything else is left to
//! poem-openapi's own parsing, which refuses it as before.
//!
//! Decision: one check at the edge, driven by the committed spec, rather than a strict string
//! type in every request type of the domain: the spec is the contract, and one walk over it
//! keeps the request types plain `String`s.

use serde_json::Value;

use super::spec::Spec;

/// The first field of `value` that the spec types `string` but that is not one, as a dotted
/// path; `None` when every declared string is a string.
pub fn misplaced_string(spec: &Spec, schema: &Value, value: &Value) -> Option<String> {
    walk(spec.document(), schema, value, "body")
}

/// `req` unchanged when its JSON body's strings are strings; else the refusal to answer.
pub async fn within_schema(
    spec: &Spec,
    mut req: poem::Request,
) -> Result<poem::Request, poem::Response> {
    let json = req
        .header(poem::http::header::CONTENT_TYPE)
        .is_some_and(|t| t.starts_with("application/json"));
    let Some(schema) = json
        .then(|| spec.body_schema(req.method().as_str(), req.uri().path()))
        .flatten()
    else {
        return Ok(req);
    };
    let bytes = match req.take_body().into_bytes().await {
        Ok(bytes) => bytes,
        Err(_) => {
            return Err(crate::problem::refusal(
                poem::http::StatusCode::BAD_REQUEST,
                "validation_failed",
                "the request body could not be read",
            ));
        }
    };
    // A body that is not JSON is poem-openapi's to refuse, with its own words.
    if let Ok(value) = serde_json::from_slice::<Value>(&bytes)
        && let Some(field) = misplaced_string(spec, schema, &value)
    {
        return Err(crate::problem::refusal(
            poem::http::StatusCode::BAD_REQUEST,
            "validation_failed",
            &format!("{field} must be a string"),
        ));
    }
    req.set_body(bytes);
    Ok(req)
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap_or_default();
            &spec["components"]["schemas"][name]
        }
        None => schema,
    }
}

fn walk(spec: &Value, schema: &Value, value: &Value, at: &str) -> Option<String> {
    let schema = resolve(spec, schema);
    if let Some(parts) = schema["allOf"].as_array()
        && let Some(found) = parts.iter().find_map(|part| walk(spec, part, value, at))
    {
        return Some(found);
    }
    if let Some(variants) = schema["anyOf"].as_array().or(schema["oneOf"].as_array()) {
        // A discriminated union is checked against the variant its tag names; another, against
        // any variant it fits.
        let tagged = schema["discriminator"]["propertyName"]
            .as_str()
            .and_then(|property| value[property].as_str())
            .and_then(|tag| schema["discriminator"]["mapping"][tag].as_str())
            .map(|reference| serde_json::json!({ "$ref": reference }));
        return match tagged {
            Some(variant) => walk(spec, &variant, value, at),
            None => {
                let found: Vec<_> = variants.iter().map(|v| walk(spec, v, value, at)).collect();
                if found.iter().any(Option::is_none) {
                    None
                } else {
                    found.into_iter().flatten().next()
                }
            }
        };
    }
    match (schema["type"].as_str(), value) {
        (_, Value::Null) => None,
        (Some("string"), Value::String(_)) => None,
        (Some("string"), _) => Some(at.to_owned()),
        (_, Value::Object(fields)) => {
            let properties = schema["properties"].as_object()?;
            fields.iter().find_map(|(name, field)| {
                properties
                    .get(name)
                    .and_then(|property| walk(spec, property, field, &format!("{at}.{name}")))
            })
        }
        (_, Value::Array(items)) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| walk(spec, &schema["items"], item, &format!("{at}[{i}]"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(method: &str, path: &str, body: Value) -> Option<String> {
        let spec = Spec::parse(&crate::routes::openapi_json());
        let schema = spec
            .body_schema(method, path)
            .expect("the spec declares a body");
        misplaced_string(&spec, schema, &body)
    }

    #[test]
    fn a_boolean_or_number_where_the_spec_says_string_is_named() {
        assert_eq!(
            check(
                "POST",
                "/v1/accounts",
                json!({"name": false, "kind": "individual", "region": "cn"})
            ),
            Some("body.name".to_owned())
        );
        assert_eq!(
            check(
                "POST",
                "/v1/accounts",
                json!({"name": "Acme", "kind": "individual", "region": "cn"})
            ),
            None
        );
        let id = uuid::Uuid::nil();
        assert_eq!(
            check(
                "POST",
                &format!("/v1/accounts/{id}/api-keys"),
                json!({"name": 12})
            ),
            Some("body.name".to_owned())
        );
    }

    #[test]
    fn unions_are_checked_against_the_variant_their_tag_names() {
        let id = uuid::Uuid::nil();
        let path = format!("/v1/accounts/{id}/orders");
        let good = json!({"type": "purchase", "product": "dr", "cycle": "month", "quantity": 1,
            "payment_method": "alipay", "return_url": "https://example.com/back"});
        assert_eq!(check("POST", &path, good.clone()), None);
        let mut bad = good;
        bad["return_url"] = json!(true);
        assert_eq!(
            check("POST", &path, bad),
            Some("body.return_url".to_owned())
        );
        assert_eq!(
            check("POST", &path, json!({"type": "trial", "product": 7})),
            Some("body.product".to_owned())
        );
    }

    #[test]
    fn nested_objects_and_arrays_are_walked() {
        let events = json!({"url": "https://example.com/hook", "events": ["order.paid", 3],
            "secret": "a-long-enough-secret"});
        assert_eq!(
            check("POST", "/v1/admin/webhook-endpoints", events),
            Some("body.events[1]".to_owned())
        );
    }
}
