//! Renewal (DESIGN.md §4): an auto-renewing subscription whose period has ended is renewed
//! for the same cycle and quantity by a renewal order charged to its saved method.
//!
//! The renewal order's idempotency key names the subscription, the term and the attempt, and
//! is unique per account: of several servers renewing at once, exactly one creates the order
//! and charges it. A server that crashed after creating the order resumes it on its next run
//! (the sandbox's charges are idempotent per order), and a failure is recorded only once.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use entitle_domain::catalog::Product;
use entitle_domain::licenses::LicenseStatus;
use entitle_domain::orders::{OrderStatus, OrderType};
use entitle_domain::pricing::quote_renewal;
use entitle_domain::renewal::{AfterFailedCharge, after_failed_charge, next_period};
use entitle_domain::subscription::SubscriptionStatus;
use entitle_domain::{Currency, Refusal};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::pay_to_renew::pays_to_renew;
use crate::accounts::service::AccountRecord;
use crate::audit::{self, Actor, Change};
use crate::catalog::store as catalog;
use crate::error::{ServiceError, ServiceResult};
use crate::events;
use crate::orders::batch_fulfillment::{self, PaidRenewal};
use crate::orders::{fulfillment, service as orders, store as order_store};
use crate::payments::{PaymentOutcome, SavedCharge};
use crate::state::AppState;
use crate::store::entity::{account, license, order, subscription};
use crate::subscriptions::store as subscriptions;

/// A renewal order younger than this is another server's work in progress.
const IN_PROGRESS: Duration = Duration::seconds(60);
/// Catch-up is bounded per run; the next run continues.
const MAX_ROUNDS: usize = 36;
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
/// periods were renewed.
pub async fn run(state: &AppState) -> ServiceResult<u64> {
    let noticed = super::pay_to_renew::open_due(state, state.clock.now()).await?;
    if noticed > 0 {
        tracing::info!(noticed, "pay-to-renew renewals opened");
    }
    let mut renewed = 0;
    for _ in 0..MAX_ROUNDS {
        let now = state.clock.now();
        let due = due(state, now).await?;
        let round = Arc::new(Round::read(state, &due).await?);
        // The usual case, a subscription renewing for the first time this term with its
        // saved method, is renewed with the rest of the round at once; a renewal resumed
        // after a crash or found without a method goes on its own.
        let (together, alone): (Vec<_>, Vec<_>) = due
            .into_iter()
            .partition(|sub| round.together(sub) && !pays_to_renew(state, sub));
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

/// Subscriptions renewed per round, of each kind below.
const ROUND: u64 = 500;

/// The next round: active subscriptions whose period has ended, and past-due ones whose retry
/// day came, up to [`ROUND`] of each. The active ones are read along the `subscriptions_due`
/// index on `(status, current_period_end)` in its order, so a round costs its own size:
/// ordered by id, the query walked past every subscription already renewed (all still
/// `active`, their ids first), which made a run over 100 000 take 12.8× the time of one over
/// 10 000. Past-due ones are few (a failed charge each), found by the index's status.
async fn due(state: &AppState, now: DateTime<Utc>) -> ServiceResult<Vec<subscription::Model>> {
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
        .all(&state.db)
        .await?;
    due.extend(
        renewing()
            .filter(subscription::Column::Status.eq(SubscriptionStatus::PastDue))
            .filter(subscription::Column::NextRetryAt.lte(now))
            .order_by_asc(subscription::Column::NextRetryAt)
            .all(&state.db)
            .await?,
    );
    Ok(due)
}

/// What the renewals of one round share, read once for the round rather than once per
/// renewal: the owners' currencies, the products, and the renewal orders already opened (by
/// an earlier run that crashed, or by another server). An order another server opens after
/// this read is still caught, by the idempotency key's unique index.
pub(super) struct Round {
    currencies: HashMap<Uuid, Currency>,
    products: HashMap<String, Product>,
    opened: HashMap<String, order::Model>,
}

impl Round {
    pub(super) async fn read(
        state: &AppState,
        due: &[subscription::Model],
    ) -> ServiceResult<Round> {
        let accounts: HashSet<Uuid> = due.iter().map(|sub| sub.account_id).collect();
        let mut currencies = HashMap::new();
        for owner in account::Entity::find()
            .filter(account::Column::Id.is_in(accounts))
            .all(&state.db)
            .await?
        {
            let record = AccountRecord::from(owner);
            currencies.insert(record.id, record.region.currency());
        }
        let mut products = HashMap::new();
        for code in due.iter().map(|sub| &sub.product_code) {
            if !products.contains_key(code) {
                let product = catalog::find(&state.db, code)
                    .await?
                    .ok_or(ServiceError::NotFound("product"))?;
                products.insert(code.clone(), product);
            }
        }
        let keys: Vec<String> = due.iter().map(renewal_key).collect();
        let opened = order::Entity::find()
            .filter(order::Column::SubscriptionId.is_in(due.iter().map(|sub| sub.id)))
            .filter(order::Column::IdempotencyKey.is_in(keys))
            .all(&state.db)
            .await?
            .into_iter()
            .filter_map(|row| Some((row.idempotency_key.clone()?, row)))
            .collect();
        Ok(Round {
            currencies,
            products,
            opened,
        })
    }
}

impl Round {
    /// Whether `sub` renews with the round's batch: no renewal order is open for its term yet
    /// and it has a saved method to charge.
    fn together(&self, sub: &subscription::Model) -> bool {
        !self.opened.contains_key(&renewal_key(sub)) && sub.payment_method.is_some()
    }
}

/// Runs `work` on every item on a task of its own, at most `limit` at once; the results in
/// the order the tasks finish.
async fn at_most<I, T, F, Fut>(limit: usize, items: I, work: F) -> ServiceResult<Vec<T>>
where
    I: IntoIterator,
    F: Fn(I::Item) -> Fut,
    Fut: std::future::Future<Output = ServiceResult<T>> + Send + 'static,
    T: Send + 'static,
{
    let permits = Arc::new(tokio::sync::Semaphore::new(limit));
    let mut running = tokio::task::JoinSet::new();
    for item in items {
        let permit = permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let task = work(item);
        running.spawn(async move {
            let done = task.await;
            drop(permit);
            done
        });
    }
    let mut results = Vec::new();
    while let Some(done) = running.join_next().await {
        results.push(done.map_err(|e| ServiceError::Internal(format!("renewal task: {e}")))??);
    }
    Ok(results)
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
        .map(|sub| renewal_order(round, sub, &renewal_key(sub), now))
        .collect::<ServiceResult<Vec<_>>>()?;
    match open_renewals(state, &rows, now).await {
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
                let charge = charge(&state, &sub, &row).await;
                Ok((sub, row, charge))
            }
        },
    )
    .await?;
    let mut steps = Vec::with_capacity(charged.len());
    let mut paid = Vec::new();
    let mut declined = Vec::new();
    let mut failure = None;
    for (sub, row, charge) in charged {
        match charge {
            Ok(charge) if charge.outcome == PaymentOutcome::Succeeded => {
                paid.push(PaidRenewal {
                    order: row,
                    paid_at: charge.occurred_at,
                });
                steps.push(Step::Renewed);
            }
            Ok(_) => declined.push((sub, row)),
            Err(err) => failure = failure.or(Some(err)),
        }
    }
    // The provider's callbacks fulfil them too; whichever comes first does, once.
    batch_fulfillment::fulfil_renewals(state, paid, &round.products, Actor::System).await?;
    for (sub, row) in declined {
        orders::mark_failed(state, row.id, Actor::System).await?;
        steps.push(record_failure(state, &sub, now).await?);
    }
    match failure {
        Some(err) => Err(err),
        None => Ok(steps),
    }
}

/// Charges the renewal order `row` to the saved method of `sub`.
async fn charge(
    state: &AppState,
    sub: &subscription::Model,
    row: &order::Model,
) -> ServiceResult<SavedCharge> {
    let method = sub
        .payment_method
        .ok_or_else(|| ServiceError::Corrupt("a saved method vanished".to_owned()))?;
    charge_saved(state, row, method).await
}

/// Charges `method` for the renewal order `row` at the provider that takes it.
async fn charge_saved(
    state: &AppState,
    row: &order::Model,
    method: entitle_domain::PaymentMethod,
) -> ServiceResult<SavedCharge> {
    let provider = state
        .payments
        .for_method(method)
        .ok_or_else(|| ServiceError::ProviderUnavailable(format!("no provider takes {method}")))?;
    provider
        .charge_saved(row.id, order_store::total(row)?, method)
        .await
        .map_err(|e| ServiceError::ProviderUnavailable(e.to_string()))
}

/// Opens the renewal order of one subscription.
async fn open_renewal(
    state: &AppState,
    round: &Round,
    sub: &subscription::Model,
    key: &str,
    now: DateTime<Utc>,
) -> ServiceResult<order::Model> {
    let row = renewal_order(round, sub, key, now)?;
    open_renewals(state, std::slice::from_ref(&row), now).await?;
    Ok(row)
}

/// What one attempt came to.
pub(super) enum Step {
    Renewed,
    Failed,
    Skipped,
}

fn renewal_key(sub: &subscription::Model) -> String {
    format!(
        "renewal:{}:{}:{}",
        sub.id,
        sub.current_period_end.timestamp_micros(),
        sub.renewal_failures
    )
}

async fn renew(
    state: &AppState,
    round: &Round,
    sub: subscription::Model,
    now: DateTime<Utc>,
) -> ServiceResult<Step> {
    if pays_to_renew(state, &sub) {
        return super::pay_to_renew::lapse(state, round, &sub, now).await;
    }
    let key = renewal_key(&sub);
    let renewal = match round.opened.get(&key).cloned() {
        Some(row) => match row.status {
            OrderStatus::PendingPayment if row.created_at > now - IN_PROGRESS => {
                return Ok(Step::Skipped);
            }
            OrderStatus::PendingPayment => row,
            OrderStatus::Failed => {
                return record_failure(state, &sub, now).await;
            }
            _ => return Ok(Step::Skipped),
        },
        None => match open_renewal(state, round, &sub, &key, now).await {
            Ok(row) => row,
            Err(ServiceError::Store(err)) if crate::store::is_unique_violation(&err) => {
                return Ok(Step::Skipped);
            }
            Err(err) => return Err(err),
        },
    };
    let Some(method) = sub.payment_method else {
        orders::mark_failed(state, renewal.id, Actor::System).await?;
        return record_failure(state, &sub, now).await;
    };
    let charge = charge_saved(state, &renewal, method).await?;
    match charge.outcome {
        PaymentOutcome::Succeeded => {
            // The provider's callback fulfils it too; whichever comes first does, once.
            fulfillment::fulfil(state, renewal.id, charge.occurred_at, Actor::System).await?;
            Ok(Step::Renewed)
        }
        PaymentOutcome::Declined => {
            orders::mark_failed(state, renewal.id, Actor::System).await?;
            record_failure(state, &sub, now).await
        }
    }
}

/// The renewal order for the subscription's next term, priced as the catalog prices it now.
pub(super) fn renewal_order(
    round: &Round,
    sub: &subscription::Model,
    key: &str,
    now: DateTime<Utc>,
) -> ServiceResult<order::Model> {
    let currency = *round
        .currencies
        .get(&sub.account_id)
        .ok_or(ServiceError::NotFound("account"))?;
    let product = round
        .products
        .get(&sub.product_code)
        .ok_or(ServiceError::NotFound("product"))?;
    let cycle = sub.cycle;
    let quantity = u32::try_from(sub.quantity)
        .map_err(|_| ServiceError::Corrupt(format!("quantity {}", sub.quantity)))?;
    let (start, end) = next_period(sub.anchor_at, cycle, sub.current_period_end)
        .ok_or(Refusal::AmountOutOfRange)?;
    let quote = quote_renewal(product, cycle, quantity, currency, start, end)?;
    let lines = entitle_domain::api::QuoteView::new(&quote, &[]).lines;
    Ok(order::Model {
        id: Uuid::now_v7(),
        account_id: sub.account_id,
        kind: OrderType::Renewal,
        status: OrderStatus::PendingPayment,
        product_code: sub.product_code.clone(),
        cycle: Some(sub.cycle),
        quantity: sub.quantity,
        periods: 1,
        subscription_id: Some(sub.id),
        auto_renew: Some(true),
        lines: serde_json::to_string(&lines).map_err(|e| ServiceError::Corrupt(e.to_string()))?,
        currency,
        total_minor: quote
            .total
            .to_minor()
            .map_err(|_| Refusal::AmountOutOfRange)?,
        payment_method: sub.payment_method,
        return_url: None,
        idempotency_key: Some(key.to_owned()),
        request_hash: None,
        created_at: now,
        expires_at: None,
        paid_at: None,
        canceled_at: None,
        updated_at: now,
        term_start: Some(start),
        claim: None,
    })
}

/// Stores the renewal orders `rows` and their `order.created` audit entries, in one
/// transaction (a unique violation means another server opened one of them first).
async fn open_renewals(
    state: &AppState,
    rows: &[order::Model],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let txn = state.db.begin().await?;
    for chunk in rows.chunks(500) {
        order::Entity::insert_many(
            chunk
                .iter()
                .map(|row| order::ActiveModel::from(row.clone()).reset_all()),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    let changes = rows
        .iter()
        .map(|row| {
            // A renewal has no checkout session: the order as inserted is its whole view.
            let view = order_store::view(row.clone(), None)?;
            Ok(Change::new(Actor::System, "order.created", "order", row.id)
                .account(row.account_id)
                .after(&view))
        })
        .collect::<ServiceResult<Vec<_>>>()?;
    audit::record(&txn, now, changes).await?;
    txn.commit().await?;
    Ok(())
}

/// A failed renewal charge: `past_due` with the next retry, or `expired` when the retries are
/// used up. Conditional on the failure count it saw, so it is recorded once.
pub(super) async fn record_failure(
    state: &AppState,
    sub: &subscription::Model,
    now: DateTime<Utc>,
) -> ServiceResult<Step> {
    let failures = sub.renewal_failures + 1;
    let after_failure = after_failed_charge(
        sub.current_period_end,
        u32::try_from(failures).unwrap_or(u32::MAX),
    );
    let retry = after_failure.retry_at();
    let status = after_failure.status();
    let txn = state.db.begin().await?;
    let before = subscriptions::view(sub)?;
    let mut update = subscription::Entity::update_many()
        .col_expr(subscription::Column::RenewalFailures, Expr::value(failures))
        .col_expr(subscription::Column::UpdatedAt, Expr::value(now))
        .filter(subscription::Column::Id.eq(sub.id))
        .filter(subscription::Column::RenewalFailures.eq(sub.renewal_failures))
        .filter(subscription::Column::CurrentPeriodEnd.eq(sub.current_period_end));
    let (event, action) = match after_failure {
        AfterFailedCharge::PastDue { .. } => {
            (events::SUBSCRIPTION_PAST_DUE, "subscription.past_due")
        }
        AfterFailedCharge::Expired => (events::SUBSCRIPTION_EXPIRED, "subscription.expired"),
    };
    update = update
        .col_expr(subscription::Column::NextRetryAt, Expr::value(retry))
        .col_expr(subscription::Column::Status, Expr::value(status));
    if update.exec(&txn).await?.rows_affected == 0 {
        return Ok(Step::Skipped);
    }
    if after_failure == AfterFailedCharge::Expired {
        license::Entity::update_many()
            .col_expr(license::Column::Status, Expr::value(LicenseStatus::Expired))
            .col_expr(license::Column::UpdatedAt, Expr::value(now))
            .filter(license::Column::SubscriptionId.eq(sub.id))
            .filter(license::Column::Status.eq(LicenseStatus::Active))
            .exec(&txn)
            .await?;
    }
    let after_row = subscription::Entity::find_by_id(sub.id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("subscription"))?;
    let after = subscriptions::view(&after_row)?;
    events::emit(
        &txn,
        event,
        Some(sub.account_id),
        json!({ "subscription": after, "failed_charges": failures, "next_retry_at": retry }),
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        vec![
            Change::new(Actor::System, action, "subscription", sub.id)
                .account(sub.account_id)
                .before(&before)
                .after(&after),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(Step::Failed)
}
