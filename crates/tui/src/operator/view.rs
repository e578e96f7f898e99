//! The operator views as tabs: their titles, commands and keys.

/// The operator views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Accounts,
    Queue,
    Webhooks,
    Jobs,
    Audit,
}

impl View {
    pub const ALL: [View; 5] = [
        View::Accounts,
        View::Queue,
        View::Webhooks,
        View::Jobs,
        View::Audit,
    ];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            View::Accounts => "Accounts",
            View::Queue => "Queue",
            View::Webhooks => "Webhooks",
            View::Jobs => "Jobs",
            View::Audit => "Audit",
        }
    }

    /// The `:` command that shows it.
    pub fn command(self) -> &'static str {
        match self {
            View::Accounts => "accounts",
            View::Queue => "queue",
            View::Webhooks => "webhooks",
            View::Jobs => "jobs",
            View::Audit => "audit",
        }
    }

    /// The digit that selects it, after the account views' `1`…`6`; the audit log has none
    /// left (Tab and `:audit` reach it).
    pub fn key(self) -> Option<char> {
        match self {
            View::Accounts => Some('7'),
            View::Queue => Some('8'),
            View::Webhooks => Some('9'),
            View::Jobs => Some('0'),
            View::Audit => None,
        }
    }
}
