//! Instants on the wire as the server's OpenAPI layer writes them: RFC 3339 with a `+00:00`
//! offset (chrono's serde form would write `Z`). Types the server writes straight through
//! serde (the hot lists, see the server's `edge::json`) use this, so a client sees one spelling
//! whichever way an answer was written. Reading takes any RFC 3339 form.

use chrono::{DateTime, Utc};
use serde::Serializer;

/// Writes `at` as `to_rfc3339()` does.
pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&at.to_rfc3339())
}

/// [`serialize`] for an optional instant (`null` when absent).
pub mod option {
    use chrono::{DateTime, Utc};
    use serde::Serializer;

    pub fn serialize<S: Serializer>(
        at: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => super::serialize(at, serializer),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde::Serialize;

    use super::*;

    #[derive(Serialize)]
    struct At {
        #[serde(serialize_with = "super::serialize")]
        at: DateTime<Utc>,
        #[serde(serialize_with = "super::option::serialize")]
        maybe: Option<DateTime<Utc>>,
    }

    #[test]
    fn instants_are_written_with_an_explicit_utc_offset() {
        let at = Utc
            .with_ymd_and_hms(2026, 1, 31, 23, 59, 58)
            .single()
            .expect("a valid instant");
        let json = serde_json::to_string(&At { at, maybe: None }).expect("serializes");
        assert_eq!(json, r#"{"at":"2026-01-31T23:59:58+00:00","maybe":null}"#);
    }
}
