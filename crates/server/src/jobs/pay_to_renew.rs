//! Pay to renew (DESIGN.md §8): where the provider of a subscription's method cannot charge a
//! saved method (Alipay and WeChat Pay without their recurring products), the customer pays the
//! renewal themselves. `--renewal-notice-days` (7) before the period ends, the renewal job
//! opens the renewal order in `pending_payment` with a checkout and emits
//! `subscription.renewal_due`; paid before or after the end, within the grace of the retry
//! days, the new period starts where the old one ended, as an automatic renewal's would
//! (`orders::fulfillment`). Unpaid at the period's end the subscription is `past_due`, and
//! unpaid on the last retry day it expires with its order.
//!
//! The order's idempotency key names the subscription and the term (`renewal:…:pay`), unique
//! per account: of several servers opening it at once, one does.

use chrono::{DateTime, Utc};
use entitle_domain::Clock;
use entitle_domain::PaymentMethod;
use entitle_domain::orders::{OrderStatus, saves_payment_method};
use entitle_domain::renewal::{self, grace_end, noticed_until};
use entitle_domain::subscription::SubscriptionStatus;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::config::Config;
use crate::error::{ServiceError, ServiceResult};
use crate::events;
use crate::jobs::renewals::failure::record_failure;
use crate::jobs::renewals::opening::{self, PriceList, renewal_order};
use crate::orders::checkout::{Payable, abandon, start_checkout};
use crate::orders::store as order_store;
use crate::orders::transitions;
use crate::payments::Providers;
use crate::state::AppState;
use crate::store::entity::{order, subscription};
use crate::subscriptions::saved_method;
use crate::subscriptions::store as subscriptions;

/// Subscriptions read at a time.
const BATCH: u64 = 500;
/// Batches per run; the next run continues.
const MAX_BATCHES: usize = 20;

/// The idempotency key of the pay-to-renew order for the subscription's current term.
fn key(sub: &subscription::Model) -> String {
    format!(
        "renewal:{}:{}:pay",
        sub.id,
        sub.current_period_end.timestamp_micros()
    )
}

/// Whether `sub` renews by a payment its customer makes: its method's provider cannot charge
/// a saved method, or can only with a reference the subscription does not hold (no payment
/// saved one, or the provider asked for the customer and it was forgotten).
pub(super) fn pays_to_renew(payments: &Providers, sub: &subscription::Model) -> bool {
    sub.payment_method.is_some_and(|method| {
        renewal::pays_to_renew(
            payments.charges_saved(method),
            payments.needs_payment_token(method),
            sub.payment_token.is_some(),
        )
    })
}

/// Which subscriptions renew by the customer's payment on this server, as a query's
/// condition: [`renewal::pays_to_renew`] in SQL — those paid with a method no provider here
/// charges, and those paid with one charged only with a saved reference they do not hold.
fn paid_by_the_customer(payments: &Providers) -> Option<Condition> {
    let (never, without_token): (Vec<PaymentMethod>, Vec<PaymentMethod>) = (
        PaymentMethod::ALL
            .into_iter()
            .filter(|method| !payments.charges_saved(*method))
            .collect(),
        PaymentMethod::ALL
            .into_iter()
            .filter(|method| {
                payments.charges_saved(*method) && payments.needs_payment_token(*method)
            })
            .collect(),
    );
    if never.is_empty() && without_token.is_empty() {
        return None;
    }
    Some(
        Condition::any()
            .add(subscription::Column::PaymentMethod.is_in(never))
            .add(
                Condition::all()
                    .add(subscription::Column::PaymentMethod.is_in(without_token))
                    .add(subscription::Column::PaymentToken.is_null()),
            ),
    )
}

/// Opens the renewal order of every pay-to-renew subscription whose notice day came; returns
/// how many it opened. Subscriptions are read a batch at a time along their id, only those
/// paid with a method the customer pays to renew, so the ones already given notice never hide
/// the ones behind them.
pub(super) async fn open_due(
    db: &DatabaseConnection,
    config: &Config,
    payments: &Providers,
    now: DateTime<Utc>,
) -> ServiceResult<u64> {
    let Some(paid_by_the_customer) = paid_by_the_customer(payments) else {
        return Ok(0);
    };
    let horizon = noticed_until(now, config.renewal_notice_days);
    let mut after = None;
    let mut count = 0;
    for _ in 0..MAX_BATCHES {
        let mut query = subscription::Entity::find()
            .filter(subscription::Column::AutoRenew.eq(true))
            .filter(subscription::Column::Trial.eq(false))
            .filter(subscription::Column::Status.eq(SubscriptionStatus::Active))
            .filter(paid_by_the_customer.clone())
            .filter(subscription::Column::CurrentPeriodEnd.gt(now))
            .filter(subscription::Column::CurrentPeriodEnd.lte(horizon));
        if let Some(id) = after {
            query = query.filter(subscription::Column::Id.gt(id));
        }
        let near = query
            .order_by_asc(subscription::Column::Id)
            .limit(BATCH)
            .all(db)
            .await?;
        count += give_notice(db, config, payments, &near, now).await?;
        match near.last() {
            Some(last) if near.len() as u64 == BATCH => after = Some(last.id),
            _ => break,
        }
    }
    Ok(count)
}

/// Opens the orders of those of `near` that have none for their term yet.
async fn give_notice(
    db: &DatabaseConnection,
    config: &Config,
    payments: &Providers,
    near: &[subscription::Model],
    now: DateTime<Utc>,
) -> ServiceResult<u64> {
    if near.is_empty() {
        return Ok(0);
    }
    let opened: Vec<String> = order::Entity::find()
        .filter(order::Column::SubscriptionId.is_in(near.iter().map(|sub| sub.id)))
        .filter(order::Column::IdempotencyKey.is_in(near.iter().map(key)))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|row| row.idempotency_key)
        .collect();
    let waiting: Vec<_> = near
        .iter()
        .filter(|sub| !opened.contains(&key(sub)))
        .cloned()
        .collect();
    if waiting.is_empty() {
        return Ok(0);
    }
    let prices = PriceList::read(db, &waiting).await?;
    let mut count = 0;
    for sub in &waiting {
        if open(db, config, payments, &prices, sub, now)
            .await?
            .is_some()
        {
            count += 1;
        }
    }
    Ok(count)
}

/// Opens the pay-to-renew order of `sub`'s next term with a checkout, and tells the customer
/// (`subscription.renewal_due`), in one transaction; `None` when another server opened it.
/// A provider that cannot be reached leaves the order without a checkout: the customer's
/// `POST /v1/orders/{id}/checkout` starts one.
async fn open(
    db: &DatabaseConnection,
    config: &Config,
    payments: &Providers,
    prices: &PriceList,
    sub: &subscription::Model,
    now: DateTime<Utc>,
) -> ServiceResult<Option<order::Model>> {
    let mut row = renewal_order(prices, sub, &key(sub), now)?;
    let order_ends = grace_end(sub.current_period_end);
    row.expires_at = Some(order_ends);
    let method = sub
        .payment_method
        .ok_or_else(|| ServiceError::Corrupt("a saved method vanished".to_owned()))?;
    let session = start_checkout(
        payments,
        &Payable {
            order_id: row.id,
            amount: order_store::total(&row)?,
            method,
            product: &row.product_code,
            saves_method: saves_payment_method(row.kind, row.auto_renew),
        },
        Uuid::now_v7(),
        order_ends.min(now + config.order_ttl),
        now,
    )
    .await;
    let session = match session {
        Ok(session) => Some(session),
        Err(err) => {
            tracing::warn!(subscription = %sub.id, error = %err,
                "pay to renew: no checkout yet; the customer opens one");
            None
        }
    };
    let txn = db.begin().await?;
    match opening::insert(&txn, std::slice::from_ref(&row)).await {
        Ok(()) => {}
        Err(err) if crate::store::is_unique_violation(&err) => {
            txn.rollback().await?;
            if let Some(session) = session {
                abandon(payments, session).await;
            }
            return Ok(None);
        }
        Err(err) => return Err(err.into()),
    }
    if let Some(session) = session {
        session.insert(&txn).await?;
    }
    let view = order_store::load_view(&txn, row.id).await?;
    events::emit(
        &txn,
        events::SUBSCRIPTION_RENEWAL_DUE,
        Some(sub.account_id),
        json!({
            "subscription": subscriptions::view(sub)?,
            "order": view,
            "checkout_url": view.checkout.as_ref().map(|c| c.url.clone()),
            "pay_before": order_ends,
        }),
        now,
    )
    .await?;
    audit::record(&txn, now, vec![opening::created(&view)]).await?;
    txn.commit().await?;
    Ok(Some(row))
}

/// A pay-to-renew subscription whose period ended (or whose retry day came) unpaid: its order
/// is opened if the notice was missed (the server was down, the clock jumped), and it goes
/// `past_due` — or, on the last retry day, expires with its unpaid order. Returns whether a
/// failure was recorded: `false` when the order was paid meanwhile, or another run recorded
/// it.
pub(super) async fn lapse(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    config: &Config,
    payments: &Providers,
    prices: &PriceList,
    sub: &subscription::Model,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let existing = order::Entity::find()
        .filter(order::Column::SubscriptionId.eq(sub.id))
        .filter(order::Column::IdempotencyKey.eq(key(sub)))
        .one(db)
        .await?;
    let row = match existing {
        Some(row) => Some(row),
        None => open(db, config, payments, prices, sub, now).await?,
    };
    if let Some(row) = &row
        && row.status == OrderStatus::Paid
    {
        // Paid while this run read it: the fulfilment moved the period on.
        return Ok(false);
    }
    let recorded = record_failure(db, sub, now).await?;
    let expired = subscription::Entity::find_by_id(sub.id)
        .one(db)
        .await?
        .is_some_and(|after| after.status == SubscriptionStatus::Expired);
    if expired && let Some(row) = row {
        transitions::expire(db, clock, row.id).await?;
    }
    Ok(recorded)
}

/// A renewal whose saved method the provider will not charge without the customer (Stripe's
/// `authentication_required`, issue 20) becomes pay to renew at once: the charged order fails,
/// the saved reference is forgotten (a card that needs its holder for one charge needs them
/// for the next; the customer's payment saves a fresh one), and the term lapses as an unpaid
/// pay-to-renew term does — its order opened with a checkout and `subscription.renewal_due`
/// sent, the subscription `past_due` on the retry schedule. Returns whether a failure was
/// recorded (`false` when another run had).
pub(super) async fn take_over(
    state: &AppState,
    prices: &PriceList,
    sub: &subscription::Model,
    charged: &order::Model,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    transitions::mark_failed(&state.db, state.clock.as_ref(), charged.id, Actor::System).await?;
    saved_method::forget(&state.db, sub, now).await?;
    let without_token = subscription::Model {
        payment_token: None,
        ..sub.clone()
    };
    lapse(
        &state.db,
        state.clock.as_ref(),
        &state.config,
        &state.payments,
        prices,
        &without_token,
        now,
    )
    .await
}
