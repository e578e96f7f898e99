//! A request's parameters against its operation's `parameters` in the spec: path segments,
//! query parameters and headers, each read as the text it is and typed by its schema.
//!
//! poem-openapi names a path parameter by position (``failed to parse path `param0` ``) and
//! a value by its own type names (`string_uuid`, `optional_OrderStatus`); checked here first,
//! a bad parameter is refused naming it as the spec does (issue 19).

use serde_json::Value;

use super::value::{Misfit, misfit, resolve};

/// Where a parameter's value was found.
pub struct Given<'r> {
    /// The path parameters by name, as the request spelled them.
    pub path: Vec<(&'r str, String)>,
    /// The query string, decoded.
    pub query: Vec<(String, String)>,
    /// The request's headers.
    pub headers: &'r poem::http::HeaderMap,
}

/// The first parameter of `operation` that `given` misses or gets wrong, said in words.
pub fn misfit_parameter(document: &Value, operation: &Value, given: &Given<'_>) -> Option<String> {
    operation["parameters"]
        .as_array()?
        .iter()
        .find_map(|parameter| check(document, parameter, given))
}

fn check(document: &Value, parameter: &Value, given: &Given<'_>) -> Option<String> {
    let name = parameter["name"].as_str()?;
    let (place, text) = match parameter["in"].as_str()? {
        "path" => (
            format!("path parameter `{name}`"),
            given
                .path
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone()),
        ),
        "query" => (
            format!("query parameter `{name}`"),
            given
                .query
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone()),
        ),
        "header" => (
            format!("header `{name}`"),
            given
                .headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        ),
        _ => return None,
    };
    let Some(text) = text else {
        return (parameter["required"] == true).then(|| {
            let why = parameter["description"].as_str().unwrap_or_default();
            format!("{place} is required. {why}").trim_end().to_owned()
        });
    };
    let schema = &parameter["schema"];
    let value = typed(document, schema, &text);
    match misfit(document, schema, &value, &place) {
        Some(Misfit::Invalid(message)) => Some(message),
        Some(Misfit::UnknownField { at, .. }) => Some(format!("{at} is not expected")),
        None => None,
    }
}

/// The parameter's text as the JSON value its schema types it: a number where it says
/// `integer` and the text is one, `true`/`false` where `boolean`, else the text itself (which
/// the schema then refuses, by name).
fn typed(document: &Value, schema: &Value, text: &str) -> Value {
    match resolve(document, schema)["type"].as_str() {
        Some("integer") => text
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.parse::<u64>().map(Value::from))
            .unwrap_or_else(|_| Value::String(text.to_owned())),
        Some("boolean") => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text.to_owned()),
        },
        _ => Value::String(text.to_owned()),
    }
}
