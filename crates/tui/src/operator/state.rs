//! What the operator views hold, as the model keeps it: each view's state from its own
//! module's `state`, importing nothing of the console but its leaves.

use entitle_domain::api::Account;

use super::accounts::state::Accounts;
use super::audit::state::Audit;
use super::jobs::state::Jobs;
use super::queue::state::Queue;
use super::webhooks::state::Webhooks;
use crate::remote::RequestId;

/// What the operator views hold.
#[derive(Debug, Clone, Default)]
pub struct Operator {
    pub accounts: Accounts,
    pub queue: Queue,
    pub webhooks: Webhooks,
    pub jobs: Jobs,
    pub audit: Audit,
    /// The job run on its way (from the jobs view, or the queue's batch), and the job.
    pub running: Option<(RequestId, String)>,
    /// The API key being created.
    pub creating_key: Option<RequestId>,
    /// The account created last, named before the list has it.
    pub created: Option<Account>,
}

impl Operator {
    pub fn is_loading(&self) -> bool {
        self.accounts.list.page.is_loading()
            || self.queue.data.is_loading()
            || self.webhooks.endpoints.is_loading()
            || self.webhooks.deliveries.is_loading()
            || self.jobs.list.is_loading()
            || self.audit.list.page.is_loading()
            || self.running.is_some()
            || self.creating_key.is_some()
    }
}
