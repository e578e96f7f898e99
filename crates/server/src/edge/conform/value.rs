//! One JSON value against one schema of the spec, in the subset of OpenAPI 3.0 that
//! poem-openapi writes: `$ref`, `allOf` parts, `oneOf` unions told apart by a discriminator,
//! `type` with `format`, `enum`, lengths and bounds, `required`, `nullable`, `items`.
//!
//! Every misfit is said at its place (`body.quantity`, ``query parameter `limit` ``) and in
//! the client's words — a whole number, a UUID, one of the listed values — never by the
//! server's type names (issue 19).

use std::collections::BTreeMap;

use serde_json::Value;

/// Where a value leaves its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Misfit {
    /// The value is not what the schema says; the text says what was expected, at its place.
    Invalid(String),
    /// The schema names no such field at `at`; `known` are the ones it names there.
    UnknownField { at: String, known: Vec<String> },
}

/// The first place `value` leaves `schema` (resolved in `document`); `None` when it fits.
pub fn misfit(document: &Value, schema: &Value, value: &Value, at: &str) -> Option<Misfit> {
    Walk { document }.value(schema, value, at)
}

/// The schema `schema` names: itself, or the component its `$ref` points to in `document`.
pub fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap_or_default();
            &document["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// A value as JSON, for a message: `"weekly"`, `12`, `null`.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// `values` as a message lists them: `` `month`, `year` ``.
fn listed(values: &[Value]) -> String {
    values
        .iter()
        .map(|v| {
            format!(
                "`{}`",
                v.as_str().map_or_else(|| v.to_string(), str::to_owned)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

struct Walk<'a> {
    document: &'a Value,
}

impl<'a> Walk<'a> {
    fn resolve(&self, schema: &'a Value) -> &'a Value {
        resolve(self.document, schema)
    }

    /// The schema and its `allOf` parts, resolved.
    fn parts(&self, schema: &'a Value) -> Vec<&'a Value> {
        let schema = self.resolve(schema);
        let mut all = vec![schema];
        for part in schema["allOf"].as_array().into_iter().flatten() {
            all.extend(self.parts(part));
        }
        all
    }

    /// The first of the parts' values for `key`.
    fn keyword(&self, parts: &[&'a Value], key: &str) -> Option<&'a Value> {
        parts.iter().map(|part| &part[key]).find(|v| !v.is_null())
    }

    fn value(&self, schema: &'a Value, value: &Value, at: &str) -> Option<Misfit> {
        let parts = self.parts(schema);
        if let Some(union) = parts
            .iter()
            .find(|p| p["oneOf"].is_array() || p["anyOf"].is_array())
        {
            return self.union(union, value, at);
        }
        let invalid = |expected: &str| {
            Some(Misfit::Invalid(format!(
                "{at} must be {expected}, not {}",
                shown(value)
            )))
        };
        if value.is_null() {
            // Whether a field may be null or left out is the object's to say (`required`).
            return None;
        }
        if let Some(Value::Array(allowed)) = self.keyword(&parts, "enum")
            && !allowed.contains(value)
        {
            return invalid(&format!("one of {}", listed(allowed)));
        }
        match self.keyword(&parts, "type").and_then(Value::as_str) {
            Some("string") => match value.as_str() {
                Some(text) => self.string(&parts, text, at),
                None if value.is_number() || value.is_boolean() => {
                    Some(Misfit::Invalid(format!("{at} must be a string")))
                }
                None => invalid("a string"),
            },
            Some("integer") => match value.as_i64().or(value.as_u64().map(|_| i64::MAX)) {
                Some(number) => self.bounds(&parts, number, at),
                None => invalid("a whole number"),
            },
            Some("number") if !value.is_number() => invalid("a number"),
            Some("boolean") if !value.is_boolean() => invalid("`true` or `false`"),
            Some("array") => match value.as_array() {
                Some(items) => {
                    let schema = self.keyword(&parts, "items")?;
                    items
                        .iter()
                        .enumerate()
                        .find_map(|(i, item)| self.value(schema, item, &format!("{at}[{i}]")))
                }
                None => invalid("a list"),
            },
            Some("object") | None if !parts.iter().all(|p| p["properties"].is_null()) => {
                match value.as_object() {
                    Some(fields) => self.object(&parts, fields, at),
                    None => invalid("an object"),
                }
            }
            _ => None,
        }
    }

    /// A tagged union: the variant the tag names; an untagged one: any variant it fits.
    fn union(&self, union: &'a Value, value: &Value, at: &str) -> Option<Misfit> {
        let variants = union["oneOf"].as_array().or(union["anyOf"].as_array())?;
        let Some(property) = union["discriminator"]["propertyName"].as_str() else {
            let found: Vec<_> = variants.iter().map(|v| self.value(v, value, at)).collect();
            return if found.iter().any(Option::is_none) {
                None
            } else {
                found.into_iter().flatten().next()
            };
        };
        let mapping = union["discriminator"]["mapping"].as_object()?;
        let tags: Vec<Value> = mapping.keys().map(|k| Value::String(k.clone())).collect();
        if !value.is_object() {
            return Some(Misfit::Invalid(format!(
                "{at} must be an object, not {}",
                shown(value)
            )));
        }
        match &value[property] {
            Value::Null => Some(Misfit::Invalid(format!(
                "{at}.{property} is required: one of {}",
                listed(&tags)
            ))),
            tag => match tag.as_str().and_then(|t| mapping.get(t)) {
                Some(reference) => self.value(&serde_json::json!({ "$ref": reference }), value, at),
                None => Some(Misfit::Invalid(format!(
                    "{at}.{property} must be one of {}, not {}",
                    listed(&tags),
                    shown(tag)
                ))),
            },
        }
    }

    fn object(
        &self,
        parts: &[&'a Value],
        fields: &serde_json::Map<String, Value>,
        at: &str,
    ) -> Option<Misfit> {
        let properties: BTreeMap<&str, &Value> = parts
            .iter()
            .filter_map(|part| part["properties"].as_object())
            .flatten()
            .map(|(name, property)| (name.as_str(), property))
            .collect();
        let required = parts
            .iter()
            .filter_map(|part| part["required"].as_array())
            .flatten()
            .filter_map(Value::as_str);
        for name in required {
            let nullable = properties
                .get(name)
                .is_some_and(|p| self.parts(p).iter().any(|p| p["nullable"] == true));
            match fields.get(name) {
                None => return Some(Misfit::Invalid(format!("{at}.{name} is required"))),
                Some(Value::Null) if !nullable => {
                    return Some(Misfit::Invalid(format!("{at}.{name} may not be null")));
                }
                Some(_) => {}
            }
        }
        fields
            .iter()
            .find_map(|(name, field)| match properties.get(name.as_str()) {
                Some(property) => self.value(property, field, &format!("{at}.{name}")),
                None => Some(Misfit::UnknownField {
                    at: format!("{at}.{name}"),
                    known: properties.keys().map(|k| (*k).to_owned()).collect(),
                }),
            })
    }

    fn string(&self, parts: &[&'a Value], text: &str, at: &str) -> Option<Misfit> {
        let length = text.chars().count() as u64;
        let invalid = |expected: String| Some(Misfit::Invalid(format!("{at} must be {expected}")));
        if let Some(max) = self.keyword(parts, "maxLength").and_then(Value::as_u64)
            && length > max
        {
            return invalid(format!("at most {max} characters long"));
        }
        if let Some(min) = self.keyword(parts, "minLength").and_then(Value::as_u64)
            && length < min
        {
            return invalid(format!("at least {min} characters long"));
        }
        let shown = shown(&Value::String(text.to_owned()));
        match self.keyword(parts, "format").and_then(Value::as_str) {
            Some("uuid") if uuid::Uuid::try_parse(text).is_err() => {
                invalid(format!("a UUID, not {shown}"))
            }
            Some("date-time") if chrono::DateTime::parse_from_rfc3339(text).is_err() => invalid(
                format!("an RFC 3339 date-time such as `2026-12-31T00:00:00Z`, not {shown}"),
            ),
            _ => None,
        }
    }

    fn bounds(&self, parts: &[&'a Value], number: i64, at: &str) -> Option<Misfit> {
        let format = self.keyword(parts, "format").and_then(Value::as_str);
        let unsigned = format.is_some_and(|f| f.starts_with("uint"));
        let max = self
            .keyword(parts, "maximum")
            .and_then(Value::as_i64)
            .or((format == Some("uint32")).then_some(i64::from(u32::MAX)));
        let min = self
            .keyword(parts, "minimum")
            .and_then(Value::as_i64)
            .or(unsigned.then_some(0));
        match (min, max) {
            (Some(min), _) if number < min => {
                Some(Misfit::Invalid(format!("{at} must be at least {min}")))
            }
            (_, Some(max)) if number > max => {
                Some(Misfit::Invalid(format!("{at} must be at most {max}")))
            }
            _ => None,
        }
    }
}
