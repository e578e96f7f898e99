//! What the server's jobs report about a run (DESIGN.md §4: jobs catch up after downtime and
//! say how each run ended).

use crate::stored::stored_enum;

stored_enum! {
    "snake_case";
    /// A job the server runs in the background (DESIGN.md §4: what is due is found, claimed once and
    /// caught up after downtime), named in the API and in `job_runs` by its snake_case name.
    pub enum Job {
        Reconcile,
        OrderExpiry,
        Renewals,
        Expiry,
        Reminders,
        Invoices,
        Webhooks,
        /// Sends the outbox's messages over SMTP (issue 21).
        Mail,
        /// Releases floating seats whose heartbeats stopped (issue 22).
        Machines,
    }
}

impl Job {
    /// In the order the scheduler runs them: reconciliation first, so a payment whose callback
    /// was lost is found before its order could expire; renewals before expiry, so a
    /// subscription that renews is never expired first; floating seats released
    /// before anything is mailed; webhooks last, to send what the others
    /// emitted, then the mail the others put in the outbox.
    pub const ALL: [Job; 9] = [
        Job::Reconcile,
        Job::OrderExpiry,
        Job::Renewals,
        Job::Expiry,
        Job::Machines,
        Job::Reminders,
        Job::Invoices,
        Job::Webhooks,
        Job::Mail,
    ];

    /// The job's name in the API.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// `job_runs` keys on the job's name; SeaORM asks every primary key to convert from a row id,
/// which a name never is.
#[cfg(feature = "sea-orm")]
impl sea_orm::TryFromU64 for Job {
    fn try_from_u64(_: u64) -> Result<Self, sea_orm::DbErr> {
        Err(sea_orm::DbErr::ConvertFromU64(
            "a job is a name, never a number",
        ))
    }
}

stored_enum! {
    "snake_case";
    /// How a job's last run ended.
    pub enum JobOutcome {
        /// It did its work (possibly none).
        Ok,
        /// It stopped on an error; the next run tries again.
        Failed,
    }
}
