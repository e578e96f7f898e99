//! What a payment the provider vouches for does, however its news arrived (callback, the
//! browser's return, reconciliation, a saved-method charge): it must match the order it names
//! (session, amount, currency); it is recorded once under the provider's payment id
//! (`provider_payments`, a unique index); and then a success fulfils the order — exactly once,
//! by the order's conditional claim — and a decline fails it. A payment that saved a method
//! for renewals leaves its reference on the subscription.

use chrono::{DateTime, Utc};
use entitle_domain::Clock;
use entitle_domain::clock::OffsetClock;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{CallbackRejection, PaymentNotice, PaymentOutcome, PaymentProvider};
use crate::audit::Actor;
use crate::edge::metrics::Metrics;
use crate::error::{ServiceError, ServiceResult};
use crate::orders::{fulfillment, store, transitions};
use crate::store::entity::{checkout_session, order, provider_payment};
use crate::subscriptions::saved_method;

pub use entitle_domain::checkout::FoundBy;

/// Applies `notice` from `provider`. Returns whether it changed anything (`false` for news
/// already applied).
pub async fn apply(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    metrics: &Metrics,
    movable_clock: Option<&OffsetClock>,
    payer: &dyn PaymentProvider,
    notice: &PaymentNotice,
    found_by: FoundBy,
) -> ServiceResult<bool> {
    let provider = payer.name();
    let mismatch = |why: &str| ServiceError::Callback(CallbackRejection::Mismatch(why.to_owned()));
    let session = match notice.session_id {
        Some(session_id) => Some(
            checkout_session::Entity::find_by_id(session_id)
                .one(db)
                .await?
                .ok_or_else(|| mismatch("no such checkout session"))?,
        ),
        None => None,
    };
    let order_id = match (&session, notice.order_id) {
        (Some(session), Some(named)) if session.order_id != named => {
            return Err(mismatch("the checkout session belongs to another order"));
        }
        (Some(session), _) => session.order_id,
        (None, Some(named)) => named,
        (None, None) => return Err(mismatch("the payment names no order")),
    };
    if session.as_ref().is_some_and(|s| s.provider != provider) {
        return Err(mismatch("the checkout session belongs to another provider"));
    }
    let row = order::Entity::find_by_id(order_id)
        .one(db)
        .await?
        .ok_or_else(|| mismatch("no such order"))?;
    if store::total(&row)? != notice.amount {
        return Err(mismatch(
            "the amount or currency differs from the order's total",
        ));
    }
    let first_news = record(db, provider, notice, order_id, found_by, clock.now()).await?;
    let actor = Actor::Provider(provider);
    let changed = match notice.outcome {
        PaymentOutcome::Succeeded => {
            fulfillment::fulfil(
                db,
                clock,
                metrics,
                row.id,
                paid_at(movable_clock, payer, notice),
                actor,
            )
            .await?
        }
        PaymentOutcome::Declined => transitions::mark_failed(db, clock, row.id, actor).await?,
    };
    if first_news
        && notice.outcome == PaymentOutcome::Succeeded
        && let (Some(token), Some(method)) = (&notice.saved_method, row.payment_method)
    {
        // On the payment's first news only: a late repeat of an older payment must not bring
        // back a method forgotten since (or replace a newer one).
        saved_method::keep(db, actor, &row, method, token, clock.now()).await?;
    }
    if changed && found_by == FoundBy::Reconcile {
        metrics.payment_reconciled();
    }
    if first_news
        && !changed
        && notice.outcome == PaymentOutcome::Succeeded
        && paid_twice(db, provider, order_id, &notice.payment_id).await?
    {
        // A second payment for an order already paid (the customer paid an old checkout and a
        // fresh one): the money is recorded in the ledger under its own id for an operator;
        // nothing is granted twice.
        tracing::error!(
            provider,
            payment_id = %notice.payment_id,
            order = %order_id,
            "a second payment arrived for an order that was already paid"
        );
    }
    Ok(changed)
}

/// Whether `order_id` was paid by another payment than `payment_id` too.
async fn paid_twice(
    db: &impl ConnectionTrait,
    provider: &str,
    order_id: Uuid,
    payment_id: &str,
) -> ServiceResult<bool> {
    Ok(provider_payment::Entity::find()
        .filter(provider_payment::Column::OrderId.eq(order_id))
        .filter(provider_payment::Column::Provider.eq(provider))
        .filter(provider_payment::Column::Outcome.eq(PaymentOutcome::Succeeded))
        .filter(provider_payment::Column::ProviderPaymentId.ne(payment_id))
        .one(db)
        .await?
        .is_some())
}

/// When the licenses start: the moment the provider took the money, on the server's clock. A
/// real provider reports real time; in test mode, with the clock moved forward, that moment is
/// moved by as much, so a purchase paid after a jump does not start (and end) in the past.
fn paid_at(
    movable_clock: Option<&OffsetClock>,
    payer: &dyn PaymentProvider,
    notice: &PaymentNotice,
) -> DateTime<Utc> {
    match movable_clock {
        Some(clock) if !payer.reports_server_time() => notice.occurred_at + clock.offset(),
        _ => notice.occurred_at,
    }
}

/// Records the payment under the provider's id; `true` when this is the first news of it.
async fn record(
    db: &impl ConnectionTrait,
    provider: &'static str,
    notice: &PaymentNotice,
    order_id: Uuid,
    found_by: FoundBy,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let amount_minor = notice
        .amount
        .to_minor()
        .map_err(|_| ServiceError::Invalid("the amount is out of range".to_owned()))?;
    let inserted = provider_payment::Entity::insert(provider_payment::ActiveModel {
        id: Set(Uuid::now_v7()),
        provider: Set(provider.to_owned()),
        provider_payment_id: Set(notice.payment_id.clone()),
        order_id: Set(order_id),
        session_id: Set(notice.session_id),
        outcome: Set(notice.outcome),
        amount_minor: Set(amount_minor),
        currency: Set(notice.amount.currency()),
        occurred_at: Set(notice.occurred_at),
        recorded_at: Set(now),
        found_by: Set(found_by),
    })
    .on_conflict(
        OnConflict::columns([
            provider_payment::Column::Provider,
            provider_payment::Column::ProviderPaymentId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(inserted == 1)
}
