//! Renewal (DESIGN.md §4): an auto-renewing subscription whose period has ended is renewed
//! for the same cycle and quantity by a renewal order charged to its saved method.
//!
//! The renewal order's idempotency key names the subscription, the term and the attempt, and
//! is unique per account: of several servers renewing at once, exactly one creates the order
//! and charges it. A server that crashed after creating the order resumes it on its next run
//! (the sandbox's charges are idempotent per order), and a failure is recorded only once.
//!
//! Here the round: what is due, which renewals go together and which alone, and in what order.
//! Opening the orders (`opening`), charging them (`charge`) and recording a failed charge
//! (`failure`) are files of their own; pay to renew (`jobs::pay_to_renew`), which the round
//! hands its subscriptions to, opens and fails its orders through the same `opening` and
//! `failure`, and never calls back into the round.

mod charge;
pub(super) mod failure;
pub(super) mod opening;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use entitle_domain::orders::OrderStatus;
use entitle_domain::subscription::SubscriptionStatus;
use futures_util::stream::{self, StreamExt};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use self::charge::{Charged, charge};
use self::failure::record_failure;
use self::opening::{PriceList, open_renewal, open_renewals, renewal_order};
use super::pay_to_renew;
use crate::audit::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::orders::batch_fulfillment::{self, PaidRenewal};
use crate::orders::{fulfillment, transitions};
use crate::payments::PaymentOutcome;
use crate::state::AppState;
use crate::store::entity::{order, subscription};

/// A renewal order younger than this is another server's work in progress.
const IN_PROGRESS: Duration = Duration::seconds(60);
/// Catch-up is bounded per run; the next run continues.
const MAX_ROUNDS: usize = 36;
/// Subscriptions renewed per round, of each kind [`due`] reads.
const ROUND: u64 = 500;

/// Renewals charged at once on PostgreSQL: each waits on the provider, so they overlap;
/// every one is claimed in the database first, so overlapping is safe. On SQLite one at a
/// time: its writers take turns anyway, and a writer that finds another one busy sleeps in
/// SQLite's busy handler (1, 2, 5 … 100 ms) instead of being woken when the lock frees, which
/// the benchmark measured as half the CPU idle.
fn concurrency(db: &impl ConnectionTrait) -> usize {
    match db.get_database_backend() {
        DbBackend::Sqlite => 1,
        _ => 8,
    }
}

/// Renews every subscription that is due, period by period, until none is; returns how many
/// periods were renewed. It takes the whole state, unlike the other jobs: each renewal runs on
/// a task of its own, which owns a clone of it, and uses the store, the clock, the settings,
/// the providers and the metrics.
pub async fn run(state: &AppState) -> ServiceResult<u64> {
    let noticed =
        pay_to_renew::open_due(&state.db, &state.config, &state.payments, state.clock.now())
            .await?;
    if noticed > 0 {
        tracing::info!(noticed, "pay-to-renew renewals opened");
    }
    let mut renewed = 0;
    for _ in 0..MAX_ROUNDS {
        let now = state.clock.now();
        let due = due(&state.db, now).await?;
        let round = Arc::new(Round::read(&state.db, &due).await?);
        // The usual case, a subscription renewing for the first time this term with its
        // saved method, is renewed with the rest of the round at once; a renewal resumed
        // after a crash or found without a method goes on its own.
        let (together, alone): (Vec<_>, Vec<_>) = due.into_iter().partition(|sub| {
            round.together(sub) && !pay_to_renew::pays_to_renew(&state.payments, sub)
        });
        let mut steps = renew_each(state, &round, alone, now).await?;
        steps.extend(renew_together(state, &round, together, now).await?);
        let mut progressed = false;
        for step in steps {
            match step {
                Step::Renewed => {
                    renewed += 1;
                    progressed = true;
                }
                Step::Failed => progressed = true,
                Step::Skipped => {}
            }
        }
        if !progressed {
            break;
        }
    }
    Ok(renewed)
}

/// What one attempt came to.
enum Step {
    Renewed,
    Failed,
    Skipped,
}

impl Step {
    /// A failed charge recorded, or `Skipped` when another run had recorded it.
    fn failure(recorded: bool) -> Step {
        if recorded {
            Step::Failed
        } else {
            Step::Skipped
        }
    }
}

/// The next round: active subscriptions whose period has ended, and past-due ones whose retry
/// day came, up to [`ROUND`] of each. The active ones are read along the `subscriptions_due`
/// index on `(status, current_period_end)` in its order, so a round costs its own size:
/// ordered by id, the query walked past every subscription already renewed (all still
/// `active`, their ids first), which made a run over 100 000 take 12.8× the time of one over
/// 10 000. Past-due ones are few (a failed charge each), found by the index's status.
async fn due(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<subscription::Model>> {
    let renewing = || {
        subscription::Entity::find()
            .filter(subscription::Column::AutoRenew.eq(true))
            .filter(subscription::Column::Trial.eq(false))
            .limit(ROUND)
    };
    let mut due = renewing()
        .filter(subscription::Column::Status.eq(SubscriptionStatus::Active))
        .filter(subscription::Column::CurrentPeriodEnd.lte(now))
        .order_by_asc(subscription::Column::CurrentPeriodEnd)
        .all(db)
        .await?;
    due.extend(
        renewing()
            .filter(subscription::Column::Status.eq(SubscriptionStatus::PastDue))
            .filter(subscription::Column::NextRetryAt.lte(now))
            .order_by_asc(subscription::Column::NextRetryAt)
            .all(db)
            .await?,
    );
    Ok(due)
}

/// What the renewals of one round share, read once for the round rather than once per
/// renewal: what their orders are priced from, and the renewal orders already opened (by an
/// earlier run that crashed, or by another server). An order another server opens after this
/// read is still caught, by the idempotency key's unique index.
struct Round {
    prices: PriceList,
    opened: HashMap<String, order::Model>,
}

impl Round {
    async fn read(db: &DatabaseConnection, due: &[subscription::Model]) -> ServiceResult<Round> {
        let prices = PriceList::read(db, due).await?;
        let keys: Vec<String> = due.iter().map(renewal_key).collect();
        let opened = order::Entity::find()
            .filter(order::Column::SubscriptionId.is_in(due.iter().map(|sub| sub.id)))
            .filter(order::Column::IdempotencyKey.is_in(keys))
            .all(db)
            .await?
            .into_iter()
            .filter_map(|row| Some((row.idempotency_key.clone()?, row)))
            .collect();
        Ok(Round { prices, opened })
    }

    /// Whether `sub` renews with the round's batch: no renewal order is open for its term yet
    /// and it has a saved method to charge.
    fn together(&self, sub: &subscription::Model) -> bool {
        !self.opened.contains_key(&renewal_key(sub)) && sub.payment_method.is_some()
    }
}

/// The idempotency key of a charged renewal: the subscription, its term and the attempt.
fn renewal_key(sub: &subscription::Model) -> String {
    format!(
        "renewal:{}:{}:{}",
        sub.id,
        sub.current_period_end.timestamp_micros(),
        sub.renewal_failures
    )
}

/// Renews `subs` together: their orders opened in one transaction, each charged (the
/// provider takes one charge at a time, [`concurrency`] at once), and every charge that
/// succeeded fulfilled in one transaction ([`batch_fulfillment`]). Should another server have
/// opened one of the orders since the round was read, each goes on its own instead.
async fn renew_together(
    state: &AppState,
    round: &Arc<Round>,
    mut subs: Vec<subscription::Model>,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<Step>> {
    if subs.is_empty() {
        return Ok(Vec::new());
    }
    // Orders are inserted in one order on every server (by subscription), so two servers
    // opening the same round meet at its first order and one of them stops there, instead of
    // each holding a key the other waits for (a deadlock on PostgreSQL).
    subs.sort_by_key(|sub| sub.id);
    let rows = subs
        .iter()
        .map(|sub| renewal_order(&round.prices, sub, &renewal_key(sub), now))
        .collect::<ServiceResult<Vec<_>>>()?;
    match open_renewals(&state.db, &rows, now).await {
        Ok(()) => {}
        Err(ServiceError::Store(err)) if crate::store::is_unique_violation(&err) => {
            return renew_each(state, round, subs, now).await;
        }
        Err(err) => return Err(err),
    }
    // A charge that fails (the provider unreachable) fails alone: the charges that went
    // through are fulfilled first, then the failure is reported, and its order is resumed by
    // a later run (or fulfilled by the provider's callback).
    let charged = at_most(
        concurrency(&state.db),
        subs.into_iter().zip(rows),
        |(sub, row)| {
            let state = state.clone();
            async move {
                let charge = charge(&state.payments, &sub, &row).await;
                Ok((sub, row, charge))
            }
        },
    )
    .await?;
    let mut steps = Vec::with_capacity(charged.len());
    let mut paid = Vec::new();
    let mut declined = Vec::new();
    let mut taken_over = Vec::new();
    let mut failure = None;
    for (sub, row, charge) in charged {
        match charge {
            Ok(Charged::Done(charge)) if charge.outcome == PaymentOutcome::Succeeded => {
                paid.push(PaidRenewal {
                    order: row,
                    paid_at: charge.occurred_at,
                });
                steps.push(Step::Renewed);
            }
            Ok(Charged::Done(_)) => declined.push((sub, row)),
            Ok(Charged::NeedsCustomer) => taken_over.push((sub, row)),
            Err(err) => failure = failure.or(Some(err)),
        }
    }
    // The provider's callbacks fulfil them too; whichever comes first does, once.
    batch_fulfillment::fulfil_renewals(
        &state.db,
        state.clock.as_ref(),
        &state.metrics,
        paid,
        round.prices.products(),
        Actor::System,
    )
    .await?;
    for (sub, row) in declined {
        transitions::mark_failed(&state.db, state.clock.as_ref(), row.id, Actor::System).await?;
        steps.push(Step::failure(record_failure(&state.db, &sub, now).await?));
    }
    for (sub, row) in taken_over {
        steps.push(Step::failure(
            pay_to_renew::take_over(state, &round.prices, &sub, &row, now).await?,
        ));
    }
    match failure {
        Some(err) => Err(err),
        None => Ok(steps),
    }
}

/// Renews each of `subs` on its own, [`concurrency`] at a time.
async fn renew_each(
    state: &AppState,
    round: &Arc<Round>,
    subs: Vec<subscription::Model>,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<Step>> {
    at_most(concurrency(&state.db), subs, |sub| {
        let state = state.clone();
        let round = Arc::clone(round);
        async move { renew(&state, &round, sub, now).await }
    })
    .await
}

/// Renews `sub` on its own: a pay-to-renew subscription lapses unpaid; otherwise the order of
/// its term is resumed (or opened), charged, and fulfilled or failed.
async fn renew(
    state: &AppState,
    round: &Round,
    sub: subscription::Model,
    now: DateTime<Utc>,
) -> ServiceResult<Step> {
    if pay_to_renew::pays_to_renew(&state.payments, &sub) {
        let recorded = pay_to_renew::lapse(
            &state.db,
            state.clock.as_ref(),
            &state.config,
            &state.payments,
            &round.prices,
            &sub,
            now,
        )
        .await?;
        return Ok(Step::failure(recorded));
    }
    let key = renewal_key(&sub);
    let renewal = match round.opened.get(&key).cloned() {
        Some(row) => match row.status {
            OrderStatus::PendingPayment if row.created_at > now - IN_PROGRESS => {
                return Ok(Step::Skipped);
            }
            OrderStatus::PendingPayment => row,
            OrderStatus::Failed => {
                return Ok(Step::failure(record_failure(&state.db, &sub, now).await?));
            }
            _ => return Ok(Step::Skipped),
        },
        None => match open_renewal(&state.db, &round.prices, &sub, &key, now).await {
            Ok(row) => row,
            Err(ServiceError::Store(err)) if crate::store::is_unique_violation(&err) => {
                return Ok(Step::Skipped);
            }
            Err(err) => return Err(err),
        },
    };
    if sub.payment_method.is_none() {
        transitions::mark_failed(&state.db, state.clock.as_ref(), renewal.id, Actor::System)
            .await?;
        return Ok(Step::failure(record_failure(&state.db, &sub, now).await?));
    }
    let charge = match charge(&state.payments, &sub, &renewal).await? {
        Charged::Done(charge) => charge,
        Charged::NeedsCustomer => {
            let recorded =
                pay_to_renew::take_over(state, &round.prices, &sub, &renewal, now).await?;
            return Ok(Step::failure(recorded));
        }
    };
    match charge.outcome {
        PaymentOutcome::Succeeded => {
            // The provider's callback fulfils it too; whichever comes first does, once.
            fulfillment::fulfil(
                &state.db,
                state.clock.as_ref(),
                &state.metrics,
                renewal.id,
                charge.occurred_at,
                Actor::System,
            )
            .await?;
            Ok(Step::Renewed)
        }
        PaymentOutcome::Declined => {
            transitions::mark_failed(&state.db, state.clock.as_ref(), renewal.id, Actor::System)
                .await?;
            Ok(Step::failure(record_failure(&state.db, &sub, now).await?))
        }
    }
}

/// Runs `work` on every item, each on a task of its own (so the renewals run in parallel on
/// the runtime's threads, not only interleaved on the job's), at most `limit` at once. Every
/// task runs to its end; then the results, in the order the tasks finished, or the first
/// error among them.
async fn at_most<I, T, F, Fut>(limit: usize, items: I, work: F) -> ServiceResult<Vec<T>>
where
    I: IntoIterator,
    F: Fn(I::Item) -> Fut,
    Fut: Future<Output = ServiceResult<T>> + Send + 'static,
    T: Send + 'static,
{
    let finished: Vec<_> = stream::iter(items)
        // Lazily: `buffer_unordered` takes the next item, and so spawns its task, only when
        // fewer than `limit` are running.
        .map(|item| tokio::spawn(work(item)))
        .buffer_unordered(limit)
        .collect()
        .await;
    finished
        .into_iter()
        .map(|done| match done {
            Ok(result) => result,
            Err(err) => Err(ServiceError::Internal(format!("renewal task: {err}"))),
        })
        .collect()
}
