//! The committed spec, read once when the routes are built, for what the edge asks of it: the
//! methods a path allows (a 405's `Allow`), the operation a request is for (metrics labels),
//! and each operation's parameters and JSON request body schema (`edge::conform`). The routes hand it to the
//! edge as request data, so the edge never imports the handlers.

use std::collections::HashMap;

use serde_json::Value;

/// One path template of the spec.
#[derive(Debug)]
struct Path {
    /// The template's segments, `{id}` for a parameter.
    segments: Vec<String>,
    /// Its methods, as an `Allow` header lists them.
    allow: String,
    /// Each method's operation object, as the spec writes it.
    operations: HashMap<String, Value>,
}

/// The parts of the spec the edge reads.
#[derive(Debug)]
pub struct Spec {
    document: Value,
    paths: Vec<Path>,
}

impl Spec {
    /// Reads the spec's JSON; one that is not JSON reads as a spec with no paths.
    pub fn parse(json: &str) -> Spec {
        let document: Value = serde_json::from_str(json).unwrap_or(Value::Null);
        let paths = document["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(template, operations)| {
                let operations = operations.as_object();
                let methods = operations.into_iter().flatten();
                Path {
                    segments: template.split('/').map(str::to_owned).collect(),
                    allow: methods
                        .clone()
                        .map(|(method, _)| method.to_uppercase())
                        .collect::<Vec<_>>()
                        .join(", "),
                    operations: methods
                        .map(|(method, operation)| (method.to_uppercase(), operation.clone()))
                        .collect(),
                }
            })
            .collect();
        Spec { document, paths }
    }

    /// The whole document, for resolving `$ref`s.
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// The path template `path` matches; of several, the one with the most literal segments
    /// (as the router prefers them).
    fn path(&self, path: &str) -> Option<&Path> {
        let asked: Vec<&str> = path.split('/').collect();
        self.paths
            .iter()
            .filter(|template| {
                template.segments.len() == asked.len()
                    && template
                        .segments
                        .iter()
                        .zip(&asked)
                        .all(|(t, a)| t.starts_with('{') || t == a)
            })
            .max_by_key(|template| {
                template
                    .segments
                    .iter()
                    .filter(|t| !t.starts_with('{'))
                    .count()
            })
    }

    /// The `Allow` header for `path`: the methods the spec declares for it (RFC 9110 asks a
    /// 405 to say them).
    pub fn allowed_methods(&self, path: &str) -> Option<&str> {
        self.path(path).map(|p| p.allow.as_str())
    }

    /// The operation a request is for, as metrics label it: the method and the path template
    /// (`POST /v1/accounts/{id}/orders`), so ids do not multiply the series.
    pub fn operation_of(&self, method: &str, path: &str) -> String {
        match self.path(path) {
            Some(template) => format!("{method} {}", template.segments.join("/")),
            None if path.starts_with("/sandbox/") => format!("{method} /sandbox"),
            None if path.starts_with("/pay/") => format!("{method} /pay"),
            None if path.starts_with("/v1/payments/") => format!("{method} /v1/payments"),
            None => format!("{method} other"),
        }
    }

    /// The operation `method path` asks for, with the values of its path parameters by name.
    pub fn operation(&self, method: &str, path: &str) -> Option<(&Value, Vec<(&str, String)>)> {
        let template = self.path(path)?;
        let operation = template.operations.get(method)?;
        let parameters = template
            .segments
            .iter()
            .zip(path.split('/'))
            .filter_map(|(t, value)| {
                let name = t.strip_prefix('{')?.strip_suffix('}')?;
                Some((name, value.to_owned()))
            })
            .collect();
        Some((operation, parameters))
    }

    /// The JSON request body schema of `method path`, when the spec declares one.
    pub fn body_schema(&self, method: &str, path: &str) -> Option<&Value> {
        let (operation, _) = self.operation(method, path)?;
        operation["requestBody"]["content"]
            .as_object()?
            .iter()
            .find(|(t, _)| t.starts_with("application/json"))
            .map(|(_, c)| &c["schema"])
    }
}
