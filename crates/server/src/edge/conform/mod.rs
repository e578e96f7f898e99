//! A request fits its operation in the spec before a handler sees it: its parameters
//! ([`params`]) and its JSON body ([`value`]) are checked against the schemas the spec
//! publishes, and a misfit is refused naming the field or parameter in the client's words:
//! 400 `validation_failed` for a wrong or missing value, 422 `unknown_field` for a field the
//! schema does not name (issue 19: a typo such as `"auto_renw": true` was ignored, and the
//! order renewed). poem-openapi's own parsing runs afterwards as before; it no longer has
//! anything to refuse that the spec declares.
//!
//! Decision: one check at the edge, driven by the spec, rather than strict types in every
//! request type of the domain: the spec is the contract, one walk over it keeps the request
//! types plain, and it sees through the flattened parts and tagged unions of the order
//! bodies, which poem-openapi's `deny_unknown_fields` cannot be combined with. It also keeps
//! issue 17's rule (a JSON `false` or `12` given for a `string` is refused, where poem-openapi
//! would read it as the text `"false"`).

pub mod params;
pub mod value;

use entitle_domain::api::ProblemCode;
use poem::http::StatusCode;
use serde_json::Value;

use super::spec::Spec;
use crate::problem::refusal;
use params::{Given, misfit_parameter};
use value::{Misfit, misfit};

/// `req` unchanged when it fits its operation; else the refusal to answer instead.
pub async fn admit(spec: &Spec, mut req: poem::Request) -> Result<poem::Request, poem::Response> {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let Some((operation, path_values)) = spec.operation(&method, &path) else {
        return Ok(req);
    };
    let given = Given {
        path: path_values,
        query: serde_urlencoded::from_str(req.uri().query().unwrap_or_default())
            .unwrap_or_default(),
        headers: req.headers(),
    };
    if let Some(message) = misfit_parameter(spec.document(), operation, &given) {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            ProblemCode::ValidationFailed,
            &message,
        ));
    }
    let json = req
        .header(poem::http::header::CONTENT_TYPE)
        .is_some_and(|t| t.starts_with("application/json"));
    let Some(schema) = json.then(|| spec.body_schema(&method, &path)).flatten() else {
        return Ok(req);
    };
    let Ok(bytes) = req.take_body().into_bytes().await else {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            ProblemCode::ValidationFailed,
            "the request body could not be read",
        ));
    };
    let body: Value = match serde_json::from_slice(&bytes) {
        Ok(body) => body,
        Err(err) => {
            return Err(refusal(
                StatusCode::BAD_REQUEST,
                ProblemCode::ValidationFailed,
                &format!("the request body is not valid JSON: {err}"),
            ));
        }
    };
    match misfit(spec.document(), schema, &body, "body") {
        Some(Misfit::Invalid(message)) => Err(refusal(
            StatusCode::BAD_REQUEST,
            ProblemCode::ValidationFailed,
            &message,
        )),
        Some(Misfit::UnknownField { at, known }) => Err(refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            ProblemCode::UnknownField,
            &format!(
                "{at} is not a field of this request; the fields here are {}",
                known.join(", ")
            ),
        )),
        None => {
            req.set_body(bytes);
            Ok(req)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(method: &str, path: &str, body: Value) -> Option<Misfit> {
        let spec = Spec::parse(&crate::routes::openapi_json());
        let schema = spec
            .body_schema(method, path)
            .expect("the spec declares a body");
        misfit(spec.document(), schema, &body, "body")
    }

    fn not_a_string(at: &str) -> Option<Misfit> {
        Some(Misfit::Invalid(format!("{at} must be a string")))
    }

    #[test]
    fn a_boolean_or_number_where_the_spec_says_string_is_named() {
        assert_eq!(
            check(
                "POST",
                "/v1/accounts",
                json!({"name": false, "kind": "individual", "region": "cn"})
            ),
            not_a_string("body.name")
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
            not_a_string("body.name")
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
        assert_eq!(check("POST", &path, bad), not_a_string("body.return_url"));
        assert_eq!(
            check("POST", &path, json!({"type": "trial", "product": 7})),
            not_a_string("body.product")
        );
    }

    #[test]
    fn nested_objects_and_arrays_are_walked() {
        let events = json!({"url": "https://example.com/hook", "events": ["order.paid", 3],
            "secret": "a-long-enough-secret"});
        assert_eq!(
            check("POST", "/v1/admin/webhook-endpoints", events),
            not_a_string("body.events[1]")
        );
    }

    #[test]
    fn a_field_the_schema_does_not_name_is_named() {
        let id = uuid::Uuid::nil();
        let path = format!("/v1/accounts/{id}/orders");
        let typo = json!({"type": "purchase", "product": "dr", "cycle": "month", "quantity": 1,
            "payment_method": "alipay", "auto_renw": true});
        let Some(Misfit::UnknownField { at, known }) = check("POST", &path, typo) else {
            panic!("the typo was not found");
        };
        assert_eq!(at, "body.auto_renw");
        // The fields of the purchase variant, across its flattened parts and its tag.
        for field in ["auto_renew", "payment_method", "product", "type"] {
            assert!(known.iter().any(|k| k == field), "{field} not in {known:?}");
        }
        assert!(
            !known.iter().any(|k| k == "to"),
            "an upgrade's field offered: {known:?}"
        );
        let flattened = json!({"type": "vat_ordinary", "title": "Acme", "titel": "x"});
        assert!(matches!(
            check("POST", &format!("/v1/orders/{id}/invoice"), flattened),
            Some(Misfit::UnknownField { at, .. }) if at == "body.titel"
        ));
        let nested = json!({"code": "x", "name": "X", "kind": "one_time", "prices": [],
            "bonus": {"product": "failback", "per_unit": 1, "extra": 2}});
        assert!(matches!(
            check("POST", "/v1/catalog/products", nested),
            Some(Misfit::UnknownField { at, .. }) if at == "body.bonus.extra"
        ));
    }

    fn invalid(method: &str, path: &str, body: Value) -> String {
        match check(method, path, body) {
            Some(Misfit::Invalid(message)) => message,
            other => panic!("not refused as invalid: {other:?}"),
        }
    }

    #[test]
    fn a_wrong_value_is_named_in_the_clients_words() {
        let id = uuid::Uuid::nil();
        let quotes = format!("/v1/accounts/{id}/quotes");
        let purchase = |extra: Value| {
            let mut body = json!({"type": "purchase", "product": "dr", "quantity": 1});
            body.as_object_mut()
                .expect("an object")
                .extend(extra.as_object().expect("an object").clone());
            body
        };
        assert_eq!(
            invalid("POST", &quotes, purchase(json!({"cycle": "weekly"}))),
            "body.cycle must be one of `month`, `year`, not \"weekly\""
        );
        assert_eq!(
            invalid("POST", &quotes, purchase(json!({"quantity": "x"}))),
            "body.quantity must be a whole number, not \"x\""
        );
        assert_eq!(
            invalid("POST", &quotes, purchase(json!({"quantity": -1}))),
            "body.quantity must be at least 0"
        );
        assert_eq!(
            invalid(
                "POST",
                &quotes,
                json!({"type": "purchase", "product": "dr"})
            ),
            "body.quantity is required"
        );
        assert!(
            invalid("POST", &quotes, json!({"type": "bogus"}))
                .starts_with("body.type must be one of `")
        );
        assert!(
            invalid("POST", &quotes, json!({"product": "dr"})).starts_with("body.type is required")
        );
        let message = invalid(
            "POST",
            "/v1/accounts",
            json!({"name": "", "kind": "individual", "region": "mars"}),
        );
        assert_eq!(message, "body.name must be at least 1 characters long");
    }

    fn parameter(
        method: &str,
        path: &str,
        query: &str,
        headers: &[(&'static str, &str)],
    ) -> Option<String> {
        let spec = Spec::parse(&crate::routes::openapi_json());
        let (operation, path_values) = spec.operation(method, path).expect("an operation");
        let mut map = poem::http::HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                poem::http::HeaderName::from_static(name),
                poem::http::HeaderValue::from_str(value).expect("a header"),
            );
        }
        let given = Given {
            path: path_values,
            query: serde_urlencoded::from_str(query).expect("a query"),
            headers: &map,
        };
        misfit_parameter(spec.document(), operation, &given)
    }

    #[test]
    fn a_wrong_parameter_is_named_as_the_spec_names_it() {
        assert_eq!(
            parameter("GET", "/v1/accounts/not-a-uuid", "", &[]).as_deref(),
            Some("path parameter `id` must be a UUID, not \"not-a-uuid\"")
        );
        assert_eq!(
            parameter("GET", "/v1/accounts", "limit=abc", &[]).as_deref(),
            Some("query parameter `limit` must be a whole number, not \"abc\"")
        );
        let id = uuid::Uuid::nil();
        let orders = format!("/v1/accounts/{id}/orders");
        let status = parameter("GET", &orders, "status=weird", &[]).expect("refused");
        assert!(
            status.starts_with("query parameter `status` must be one of `pending_payment`"),
            "{status}"
        );
        let missing = parameter("POST", &orders, "", &[]).expect("refused");
        assert!(
            missing.starts_with("header `Idempotency-Key` is required"),
            "{missing}"
        );
        assert_eq!(
            parameter("POST", &orders, "", &[("idempotency-key", "k-1")]),
            None
        );
        assert_eq!(parameter("GET", &orders, "status=paid&limit=10", &[]), None);
    }
}
