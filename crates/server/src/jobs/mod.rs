//! Background jobs (DESIGN.md §4, §6, §8): reconciliation of open checkouts, order expiry, renewals, license and subscription
//! expiry, expiry reminders, the weekly invoice batch and outbound webhook delivery. The scheduler in the server runs each in
//! turn; an admin runs one now with `POST /v1/admin/jobs/{job}/run`.
//!
//! Every job finds its work by what is due in the database, not by when it last ran, and
//! claims each piece with a conditional update (or a unique key) before doing it. So several
//! servers on one database never do a piece twice, and a server that was down does what fell
//! due while it was away once when it returns — never zero times, never twice.

pub mod api;
pub mod clock;
mod expiry;
mod pay_to_renew;
mod reminders;
mod renewals;

use chrono::{DateTime, Utc};
use entitle_domain::Clock;
use entitle_domain::api::{JobRun, JobStatus};
use entitle_domain::jobs::JobOutcome;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};

use crate::audit::{self, Actor, Change};
use crate::config::Config;
use crate::error::{ServiceError, ServiceResult};
use crate::state::AppState;
use crate::store::entity::job_run;
use crate::{invoices, orders, webhooks};

pub use entitle_domain::jobs::Job;

/// Who asked for a run: the scheduler runs the invoice batch only at its weekly time; an
/// admin's run issues the requested invoices now, and is audited with the key that asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Scheduler,
    Admin(Actor),
}

/// Runs `job`'s work, handing each job what it uses.
async fn work(state: &AppState, job: Job, trigger: Trigger) -> ServiceResult<(u64, &'static str)> {
    Ok(match job {
        Job::Invoices => (
            match trigger {
                Trigger::Scheduler => {
                    invoices::scheduled_batch(&state.db, state.clock.as_ref(), &state.config)
                        .await?
                }
                Trigger::Admin(_) => {
                    invoices::issue_requested(&state.db, state.clock.as_ref(), &state.config)
                        .await?
                }
            },
            "invoices issued",
        ),
        Job::Reconcile => (
            crate::payments::reconcile::run(
                &state.db,
                state.clock.as_ref(),
                &state.config,
                &state.payments,
                &state.metrics,
                state.movable_clock.as_ref(),
            )
            .await?,
            "payments found by reconciliation",
        ),
        Job::OrderExpiry => (
            orders::service::expire_due(&state.db, state.clock.as_ref()).await? as u64,
            "unpaid orders expired",
        ),
        Job::Renewals => (renewals::run(state).await?, "subscriptions renewed"),
        Job::Expiry => (
            expiry::run(&state.db, state.clock.as_ref()).await?,
            "licenses and subscriptions expired",
        ),
        Job::Reminders => (
            reminders::run(&state.db, state.clock.as_ref()).await?,
            "reminders sent",
        ),
        Job::Webhooks => (
            webhooks::deliver_due(&state.db, state.clock.as_ref()).await?,
            "webhooks delivered",
        ),
        Job::Machines => (
            crate::machines::heartbeat::cull(&state.db, state.clock.now()).await?,
            "floating seats released",
        ),
        Job::Mail => (
            crate::mail::send::run(
                &state.db,
                state.clock.as_ref(),
                &state.config,
                state.mailer.as_deref(),
            )
            .await?,
            "messages sent",
        ),
    })
}

/// Records that `job` starts at `now`: one upsert, so that it can share a transaction (an
/// insert that lost a race to another server's first run would abort a PostgreSQL one).
async fn record_start(
    db: &impl ConnectionTrait,
    job: Job,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    job_run::Entity::insert(job_run::ActiveModel {
        job: Set(job),
        last_started_at: Set(Some(now)),
        last_finished_at: Set(None),
        last_outcome: Set(None),
        last_detail: Set(None),
        runs: Set(0),
    })
    .on_conflict(
        OnConflict::column(job_run::Column::Job)
            .update_column(job_run::Column::LastStartedAt)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Records the start of a run; an admin's request is audited in the same transaction
/// (DESIGN.md §7: admin job runs included).
async fn start(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    job: Job,
    trigger: Trigger,
) -> ServiceResult<()> {
    let now = clock.now();
    let Trigger::Admin(actor) = trigger else {
        return record_start(db, job, now).await;
    };
    let txn = db.begin().await?;
    record_start(&txn, job, now).await?;
    Change::new(
        actor,
        "job.run_requested",
        "job",
        audit::name_id("job", job.name()),
    )
    .after(&serde_json::json!({ "job": job.name(), "started_at": now }))
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Runs `job` once now and records the run.
pub async fn run(state: &AppState, job: Job, trigger: Trigger) -> ServiceResult<JobRun> {
    start(&state.db, state.clock.as_ref(), job, trigger).await?;
    let result = work(state, job, trigger).await;
    state.metrics.job_ran(job.name(), result.is_err());
    let (outcome, detail, processed) = match &result {
        Ok((n, what)) => (JobOutcome::Ok, format!("{n} {what}"), *n),
        Err(err) => (JobOutcome::Failed, err.to_string(), 0),
    };
    job_run::Entity::update_many()
        .col_expr(
            job_run::Column::LastFinishedAt,
            Expr::value(state.clock.now()),
        )
        .col_expr(job_run::Column::LastOutcome, Expr::value(outcome))
        .col_expr(job_run::Column::LastDetail, Expr::value(detail.clone()))
        .col_expr(
            job_run::Column::Runs,
            Expr::col(job_run::Column::Runs).add(1),
        )
        .filter(job_run::Column::Job.eq(job))
        .exec(&state.db)
        .await?;
    result?;
    Ok(JobRun {
        job,
        processed,
        detail,
    })
}

/// Every job's last and next run.
pub async fn statuses(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    config: &Config,
) -> ServiceResult<Vec<JobStatus>> {
    let rows = job_run::Entity::find().all(db).await?;
    Ok(Job::ALL
        .into_iter()
        .map(|job| {
            let row = rows.iter().find(|r| r.job == job);
            let last_finished_at = row.and_then(|r| r.last_finished_at);
            let next_run_at = config.jobs_every.map(|every| {
                last_finished_at.unwrap_or_else(|| clock.now())
                    + chrono::Duration::from_std(every).unwrap_or_default()
            });
            JobStatus {
                job,
                last_started_at: (row.and_then(|r| r.last_started_at)).into(),
                last_finished_at: last_finished_at.into(),
                last_outcome: (row.and_then(|r| r.last_outcome).map(|o| o.to_string())).into(),
                last_detail: (row.and_then(|r| r.last_detail.clone())).into(),
                runs: row.map_or(0, |r| u64::try_from(r.runs).unwrap_or(0)),
                next_run_at: next_run_at.into(),
            }
        })
        .collect())
}

/// Runs every job in turn, every `every`, until `stop` says so (a job that has started
/// finishes first).
pub async fn scheduler(
    state: AppState,
    every: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut ticks = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.changed() => return,
        }
        for job in Job::ALL {
            if let Err(err) = run(&state, job, Trigger::Scheduler).await {
                tracing::warn!(%job, error = %err, "job failed");
            }
        }
    }
}

/// A job name from the path, or `not_found`.
pub fn named(name: &str) -> ServiceResult<Job> {
    name.parse().map_err(|_| ServiceError::NotFound("job"))
}
