//! The audit view's state, as the model holds it, and the filter line it reads.

use entitle_domain::api::AuditEvent;
use uuid::Uuid;

use crate::filter::Filter;
use crate::paged::Paged;

/// How to write a filter.
pub const SYNTAX: &str = "account:<id> actor:<text> action:<text>";

/// What the audit log is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub account_id: Option<Uuid>,
    /// As the events name it: `admin`, `account:<id>`, `provider:<name>`, `system`.
    pub actor: Option<String>,
    /// `order.paid`, `license.granted`, …
    pub action: Option<String>,
}

impl AuditFilter {
    /// Reads a filter line: `account:<id>`, `actor:<text>`, `action:<text>`, each at most
    /// once (the last wins), a bare word as an action; a token with no value yet is left out.
    pub fn parse(text: &str) -> Result<AuditFilter, String> {
        let mut filter = AuditFilter::default();
        for token in text.split_whitespace() {
            let (name, value) = token.split_once(':').unwrap_or(("action", token));
            if value.is_empty() {
                continue;
            }
            match name {
                "account" => {
                    let id = value
                        .parse::<Uuid>()
                        .map_err(|_| format!("account:{value} is not a whole account id"))?;
                    filter.account_id = Some(id);
                }
                "actor" => filter.actor = Some(value.to_owned()),
                "action" => filter.action = Some(value.to_owned()),
                other => return Err(format!("{other}: is not a filter — {SYNTAX}")),
            }
        }
        Ok(filter)
    }
}

/// The audit view's state.
#[derive(Debug, Clone, Default)]
pub struct Audit {
    pub list: Paged<AuditEvent>,
    pub filter: Filter,
    /// The filter the rows answer (the last line that read well).
    pub sent: AuditFilter,
    /// Why the line typed does not read, while it does not.
    pub problem: Option<String>,
}
