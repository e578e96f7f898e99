//! Nothing paid is lost (DESIGN.md §8): the `reconcile` job asks each provider about every
//! checkout still open after `--reconcile-after-seconds`, and fulfils what was paid through
//! the same exactly-once path as a callback ([`super::service::apply`]). A payment whose
//! callback never arrived is found by the next run, however long the outage. An order that
//! expires unpaid leaves its checkouts open for this job: they are closed only once the
//! provider, asked after the checkout's own expiry, still says unpaid.

use chrono::Duration;
use entitle_domain::Clock;
use entitle_domain::checkout::CheckoutStatus;
use entitle_domain::clock::OffsetClock;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::service::{self, FoundBy};
use super::{PaymentProvider, ProviderError, SessionRef};
use crate::config::Config;
use crate::edge::metrics::Metrics;
use crate::error::{ServiceError, ServiceResult};
use crate::payments::Providers;
use crate::store::entity::checkout_session;

/// Checkouts read at a time.
const BATCH: u64 = 500;
/// Batches per run (10 000 checkouts); the next run continues.
const MAX_BATCHES: usize = 20;
/// A checkout still unpaid this long after its provider stopped taking payment is closed: the
/// provider was told when to stop (`time_expire`), and the margin covers clocks that differ.
const CLOSE_AFTER: Duration = Duration::minutes(10);

/// Asks `provider` about `session` and applies what it says; `true` when that changed the
/// order. An unreachable provider is `ProviderUnavailable`, asked again later.
pub(crate) async fn settle(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    metrics: &Metrics,
    movable_clock: Option<&OffsetClock>,
    provider: &dyn PaymentProvider,
    session: &checkout_session::Model,
    found_by: FoundBy,
) -> ServiceResult<bool> {
    if session.provider != provider.name() {
        return Err(ServiceError::Callback(super::CallbackRejection::Mismatch(
            format!(
                "the checkout is {}'s, not {}'s",
                session.provider,
                provider.name()
            ),
        )));
    }
    let reference = SessionRef::of(session);
    match provider.query(&reference).await {
        Ok(Some(notice)) => {
            service::apply(
                db,
                clock,
                metrics,
                movable_clock,
                provider,
                &notice,
                found_by,
            )
            .await
        }
        Ok(None) => {
            if session.expires_at + CLOSE_AFTER <= clock.now() {
                close(db, session.id).await?;
            }
            Ok(false)
        }
        // A payment the provider is finishing: asked again on the next run, never closed.
        Err(ProviderError::Pending { detail, .. }) => {
            tracing::info!(provider = provider.name(), session = %session.id, detail,
                "a payment is pending at the provider");
            Ok(false)
        }
        Err(err) => Err(ServiceError::ProviderUnavailable(err.to_string())),
    }
}

async fn close(db: &DatabaseConnection, session_id: Uuid) -> ServiceResult<()> {
    checkout_session::Entity::update_many()
        .col_expr(
            checkout_session::Column::Status,
            Expr::value(CheckoutStatus::Expired),
        )
        .filter(checkout_session::Column::Id.eq(session_id))
        .filter(checkout_session::Column::Status.is_in(CheckoutStatus::ASKED))
        .exec(db)
        .await?;
    Ok(())
}

/// The `reconcile` job: returns how many payments it found. It walks every open checkout old
/// enough, a batch at a time along the id (UUIDv7: creation order), so checkouts that cannot
/// be settled (a provider that keeps failing) never hide the ones behind them.
pub async fn run(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    config: &Config,
    payments: &Providers,
    metrics: &Metrics,
    movable_clock: Option<&OffsetClock>,
) -> ServiceResult<u64> {
    let now = clock.now();
    let cutoff = now - config.reconcile_after;
    let mut after = None;
    let mut found = 0;
    for _ in 0..MAX_BATCHES {
        let mut query = checkout_session::Entity::find()
            .filter(checkout_session::Column::Status.is_in(CheckoutStatus::ASKED))
            .filter(checkout_session::Column::CreatedAt.lte(cutoff));
        if let Some(id) = after {
            query = query.filter(checkout_session::Column::Id.gt(id));
        }
        let batch = query
            .order_by_asc(checkout_session::Column::Id)
            .limit(BATCH)
            .all(db)
            .await?;
        for session in &batch {
            found +=
                u64::from(ask(db, clock, payments, metrics, movable_clock, session, now).await?);
        }
        match batch.last() {
            Some(last) if batch.len() as u64 == BATCH => after = Some(last.id),
            _ => break,
        }
    }
    Ok(found)
}

/// Asks about one checkout; `true` when that found a payment.
async fn ask(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    payments: &Providers,
    metrics: &Metrics,
    movable_clock: Option<&OffsetClock>,
    session: &checkout_session::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<bool> {
    let Some(provider) = payments.named(&session.provider) else {
        // A provider this server no longer has (the sandbox of a server now in live mode):
        // nobody can be asked. Once the checkout expired it is closed, so it does not stay in
        // every run; until then it is only logged.
        tracing::warn!(provider = %session.provider, session = %session.id,
            "a checkout of a provider this server does not have");
        if session.expires_at + CLOSE_AFTER <= now {
            close(db, session.id).await?;
        }
        return Ok(false);
    };
    match settle(
        db,
        clock,
        metrics,
        movable_clock,
        provider.as_ref(),
        session,
        FoundBy::Reconcile,
    )
    .await
    {
        Ok(found) => Ok(found),
        Err(ServiceError::ProviderUnavailable(why)) => {
            tracing::warn!(provider = provider.name(), session = %session.id, %why,
                "reconcile: the provider did not answer; asked again next run");
            Ok(false)
        }
        Err(ServiceError::Callback(rejection)) => {
            tracing::error!(provider = provider.name(), session = %session.id, %rejection,
                "reconcile: the provider's answer does not match the order");
            Ok(false)
        }
        Err(err) => Err(err),
    }
}
