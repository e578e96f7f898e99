//! A JSON answer written straight from its serde form.
//!
//! poem-openapi's `Json<T>` first builds a `serde_json::Value` tree of the whole answer (a
//! map per object, a string per key) and then writes that tree; for a page of 50 licenses
//! that was a third of the server's CPU on the read path. [`SerdeJson<T>`] declares the same
//! schema and media type in the spec, and writes `T` with serde in one pass. It is for the
//! types whose serde form is their wire form to the letter: a test below holds every such type
//! to the value `Json<T>` would write.

use entitle_domain::api::ProblemCode;
use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::{Json, Payload};
use poem_openapi::registry::{MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::{ToJSON, Type};
use serde::Serialize;

use crate::problem::refusal;

/// A 200 JSON answer of `T`, declared exactly as `Json<T>` is (the spec cannot tell them
/// apart), written by serde.
#[derive(Debug, Clone)]
pub struct SerdeJson<T>(pub T);

impl<T: Type> Payload for SerdeJson<T> {
    const CONTENT_TYPE: &'static str = Json::<T>::CONTENT_TYPE;

    fn check_content_type(content_type: &str) -> bool {
        Json::<T>::check_content_type(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        Json::<T>::schema_ref()
    }

    fn register(registry: &mut Registry) {
        <Json<T> as Payload>::register(registry);
    }
}

impl<T: Type + Serialize + Send> IntoResponse for SerdeJson<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => Response::builder()
                .content_type(<Self as Payload>::CONTENT_TYPE)
                .body(body),
            Err(err) => {
                tracing::error!(error = %err, "an answer could not be written as JSON");
                refusal(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ProblemCode::InternalError,
                    "the answer could not be written",
                )
            }
        }
    }
}

impl<T: ToJSON + Serialize + Send> ApiResponse for SerdeJson<T> {
    fn meta() -> MetaResponses {
        Json::<T>::meta()
    }

    fn register(registry: &mut Registry) {
        <Json<T> as ApiResponse>::register(registry);
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use entitle_domain::api::{License, LicensePage};
    use entitle_domain::licenses::{LicenseSource, LicenseStatus};
    use uuid::Uuid;

    use super::*;

    fn license(consumed: bool) -> License {
        let at = Utc
            .with_ymd_and_hms(2026, 1, 31, 10, 0, 0)
            .single()
            .expect("a valid instant")
            + chrono::Duration::nanoseconds(123_456_789);
        License {
            id: Uuid::now_v7(),
            key: "FAILBACK-7KQ2M-0ZP4X-HV9TA-31NEW \"quoted\" ünïcode".to_owned(),
            product: "failback".to_owned(),
            status: if consumed {
                LicenseStatus::Consumed
            } else {
                LicenseStatus::Active
            },
            valid_from: at,
            valid_until: at + chrono::Months::new(3),
            source: LicenseSource::Bonus,
            order_id: consumed.then(Uuid::now_v7).into(),
            subscription_id: None.into(),
            host: (consumed.then(|| "host-1.example".to_owned())).into(),
            consumed_at: consumed.then_some(at).into(),
            consumed_reference: (consumed.then(|| "run 42".to_owned())).into(),
        }
    }

    /// What `SerdeJson` writes, read back as a value.
    async fn written<T: Type + Serialize + Send>(value: T) -> serde_json::Value {
        let body = SerdeJson(value).into_response().into_body();
        let bytes = body.into_vec().await.expect("a body");
        serde_json::from_slice(&bytes).expect("valid JSON")
    }

    #[tokio::test]
    async fn a_license_page_is_written_exactly_as_the_openapi_layer_would() {
        for next_cursor in [None, Some(Uuid::now_v7().to_string())] {
            let page = LicensePage {
                items: vec![license(false), license(true)],
                next_cursor: next_cursor.into(),
            };
            let expected = page.to_json().expect("a value");
            assert_eq!(written(page).await, expected);
        }
    }

    #[tokio::test]
    async fn a_license_is_written_exactly_as_the_openapi_layer_would() {
        for consumed in [false, true] {
            let one = license(consumed);
            let expected = one.to_json().expect("a value");
            assert_eq!(written(one).await, expected);
        }
    }
}
