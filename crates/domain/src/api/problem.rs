//! Errors on the wire: RFC 9457 `application/problem+json` with a stable `code`.

use serde::{Deserialize, Serialize};

/// A problem report. `code` is stable and meant for programs; `detail` is for people and says
/// what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Problem {
    /// A URI naming the kind of problem (`urn:entitle:problem:<code>`).
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", oai(rename = "type"))]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this request, and what to do instead.
    pub detail: String,
    /// The stable, machine-readable code (`not_found`, `validation_failed`,
    /// `upgrade_not_allowed`, …).
    pub code: String,
    /// A finer reason for codes that several refusals share (`trial`, `downgrade`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub reason: Option<String>,
}
