//! Accounts: who buys.

use serde::{Deserialize, Serialize};

/// What an account is, chosen when it registers and never changed (DESIGN.md §2): an
/// individual account cannot become an enterprise one, it registers anew.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum AccountKind {
    Individual,
    Enterprise,
}

impl AccountKind {
    /// The wire and storage spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Individual => "individual",
            AccountKind::Enterprise => "enterprise",
        }
    }

    /// Parses the wire and storage spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "individual" => Some(AccountKind::Individual),
            "enterprise" => Some(AccountKind::Enterprise),
            _ => None,
        }
    }
}
