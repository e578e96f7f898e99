//! What the operator views ask the server and what it answers: the requests the runtime
//! carries out (`runtime::operator`), started here with the state that waits for them noted.

use entitle_domain::api::{
    Account, AccountInput, AccountOverviewPage, AuditPage, CreatedApiKey, InvoiceQueue, JobRun,
    JobStatus, WebhookEndpoint,
};
use uuid::Uuid;

use super::{AuditFilter, Deliveries, Dialog};
use crate::model::{Command, Model, Overlay, Request};

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

/// Starts `ask`, noting which state waits for its answer.
pub(super) fn ask(model: &mut Model, ask: Ask) -> Command {
    let id = model.request_id();
    let op = &mut model.operator;
    match &ask {
        Ask::Accounts { .. } => op.accounts.list.page.start(id),
        Ask::InvoiceQueue => op.queue.data.start(id),
        Ask::WebhookEndpoints => op.webhooks.endpoints.start(id),
        Ask::WebhookDeliveries => op.webhooks.deliveries.start(id),
        Ask::Jobs => op.jobs.list.start(id),
        Ask::Audit { .. } => op.audit.list.page.start(id),
        Ask::RunJob(job) => op.running = Some((id, job.clone())),
        Ask::CreateApiKey(_) => op.creating_key = Some(id),
        Ask::CreateAccount(_) => {
            if let Some(Overlay::Operator(dialog)) = model.overlays.last_mut()
                && let Dialog::NewAccount(form) = &mut **dialog
            {
                form.pending = Some(id);
                form.error = None;
            }
        }
    }
    Command::Fetch(id, Request::Operator(ask))
}
