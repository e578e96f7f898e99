//! [`Nullable`]: a field the server always sends, `null` when there is nothing.
//!
//! A bare `Option` field reads in the spec as "may be absent", so generators type it optional
//! (`paid_at?: string`) and a Rust client gets `Option<Option<T>>`. The server never leaves such
//! a field out, so the spec says what it does: the field is `required` and `nullable`
//! (issue 19). Request bodies keep plain `Option`: there a field may be left out.

use std::ops::Deref;

use serde::{Deserialize, Serialize};

/// An always-present field that may be `null`. Reads as the `Option` it wraps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Nullable<T>(pub Option<T>);

impl<T> Deref for Nullable<T> {
    type Target = Option<T>;

    fn deref(&self) -> &Option<T> {
        &self.0
    }
}

impl<T> From<Option<T>> for Nullable<T> {
    fn from(value: Option<T>) -> Self {
        Nullable(value)
    }
}

impl<T> From<Nullable<T>> for Option<T> {
    fn from(value: Nullable<T>) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::Nullable;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Page {
        next_cursor: Nullable<String>,
    }

    #[test]
    fn an_empty_value_is_sent_as_null_and_read_back() {
        let empty = Page {
            next_cursor: None.into(),
        };
        let text = serde_json::to_string(&empty).expect("json");
        assert_eq!(text, r#"{"next_cursor":null}"#);
        assert_eq!(serde_json::from_str::<Page>(&text).expect("page"), empty);
        let full: Page = serde_json::from_str(r#"{"next_cursor":"abc"}"#).expect("page");
        assert_eq!(full.next_cursor.as_deref(), Some("abc"));
    }

    /// The Rust client stays lenient where the spec is strict: a field left out reads as null,
    /// as serde reads a missing `Option` (the transparent form delegates to it).
    #[test]
    fn a_field_left_out_reads_as_null() {
        let page: Page = serde_json::from_str("{}").expect("page");
        assert_eq!(*page.next_cursor, None);
    }
}

#[cfg(feature = "openapi")]
mod openapi {
    use std::borrow::Cow;

    use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
    use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
    use serde_json::Value;

    use super::Nullable;

    impl<T: Type> Type for Nullable<T> {
        const IS_REQUIRED: bool = true;
        type RawValueType = T::RawValueType;
        type RawElementValueType = T::RawElementValueType;

        fn name() -> Cow<'static, str> {
            format!("nullable_{}", T::name()).into()
        }

        /// The inner schema with `nullable: true`; a named schema is wrapped in `allOf`, the
        /// OpenAPI 3.0 way to make a `$ref` nullable.
        fn schema_ref() -> MetaSchemaRef {
            match T::schema_ref() {
                MetaSchemaRef::Inline(schema) => MetaSchemaRef::Inline(Box::new(MetaSchema {
                    nullable: true,
                    ..*schema
                })),
                named @ MetaSchemaRef::Reference(_) => {
                    MetaSchemaRef::Inline(Box::new(MetaSchema {
                        all_of: vec![named],
                        nullable: true,
                        ..MetaSchema::ANY
                    }))
                }
            }
        }

        fn register(registry: &mut Registry) {
            T::register(registry);
        }

        fn as_raw_value(&self) -> Option<&Self::RawValueType> {
            self.0.as_ref().and_then(Type::as_raw_value)
        }

        fn raw_element_iter<'a>(
            &'a self,
        ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
            match &self.0 {
                Some(value) => value.raw_element_iter(),
                None => Box::new(std::iter::empty()),
            }
        }
    }

    impl<T: ParseFromJSON> ParseFromJSON for Nullable<T> {
        fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
            Option::<T>::parse_from_json(value)
                .map(Nullable)
                .map_err(ParseError::propagate)
        }
    }

    impl<T: ToJSON> ToJSON for Nullable<T> {
        fn to_json(&self) -> Option<Value> {
            Some(
                self.0
                    .as_ref()
                    .and_then(ToJSON::to_json)
                    .unwrap_or(Value::Null),
            )
        }
    }
}
