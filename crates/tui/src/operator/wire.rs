//! What the operator views ask the server and what it answers: the requests the runtime
//! carries out (`runtime::operator`); [`super::ask`] starts one.

use entitle_domain::api::{
    Account, AccountInput, AccountOverviewPage, AuditPage, CreatedApiKey, InvoiceQueue, JobRun,
    JobStatus, WebhookEndpoint,
};
use uuid::Uuid;

use super::audit::state::AuditFilter;
use super::webhooks::state::Deliveries;

/// Accounts per page asked for.
pub const ACCOUNTS_PAGE: u32 = 100;
/// Audit events per page asked for.
pub const AUDIT_PAGE: u32 = 100;
/// The name of the first API key created for a new account.
pub const KEY_NAME: &str = "console";

/// What an operator view asks the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    /// A page of accounts, found by `q` (part of the name, or a whole id).
    Accounts {
        q: Option<String>,
        cursor: Option<String>,
    },
    CreateAccount(AccountInput),
    /// The account's first API key, named [`KEY_NAME`].
    CreateApiKey(Uuid),
    InvoiceQueue,
    WebhookEndpoints,
    /// The latest deliveries, newest first.
    WebhookDeliveries,
    Jobs,
    /// Run a job now (by its API name).
    RunJob(String),
    /// A page of the audit log, newest first.
    Audit {
        filter: AuditFilter,
        cursor: Option<String>,
    },
}

/// What the server answered an operator view.
#[derive(Debug, Clone)]
pub enum Answer {
    Accounts(AccountOverviewPage),
    AccountCreated(Account),
    ApiKey(CreatedApiKey),
    InvoiceQueue(InvoiceQueue),
    WebhookEndpoints(Vec<WebhookEndpoint>),
    WebhookDeliveries(Deliveries),
    Jobs(Vec<JobStatus>),
    JobRun(JobRun),
    Audit(AuditPage),
}

/// An operator's action, once confirmed with `y`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    RunJob(String),
    CreateApiKey(Uuid),
}
