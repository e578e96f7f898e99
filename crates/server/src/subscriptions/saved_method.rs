//! The saved payment method a subscription renews with (DESIGN.md §8, issue 20): the
//! provider's reference to what the first payment saved (Stripe's customer and payment method,
//! a PayPal vault id), never card data. It is kept when a payment that saves one lands, and
//! forgotten when the provider will not charge it without the customer, so that the next
//! renewal asks the customer to pay (pay to renew) until a payment saves a fresh one.
//!
//! Both are conditional updates, so the database decides between a payment that saves a
//! reference and a renewal that gives one up at once: a forget only clears the reference it
//! found, and a reference kept again changes nothing (and records nothing).

use chrono::{DateTime, Utc};
use entitle_domain::PaymentMethod;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::audit::{Actor, Change};
use crate::error::ServiceResult;
use crate::store::entity::{order, subscription};

/// Keeps `token`, saved by paying the order `paid` with `method`, on the order's subscription
/// (the one it created, or the one it renews). Returns whether anything changed.
pub async fn keep(
    db: &impl ConnectionTrait,
    actor: Actor,
    paid: &order::Model,
    method: PaymentMethod,
    token: &str,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let mut of_order = Condition::any().add(subscription::Column::OrderId.eq(paid.id));
    if let Some(id) = paid.subscription_id {
        of_order = of_order.add(subscription::Column::Id.eq(id));
    }
    let Some(sub) = subscription::Entity::find()
        .filter(of_order)
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let changed = subscription::Entity::update_many()
        .col_expr(subscription::Column::PaymentToken, Expr::value(token))
        .col_expr(subscription::Column::PaymentMethod, Expr::value(method))
        .col_expr(subscription::Column::UpdatedAt, Expr::value(now))
        .filter(subscription::Column::Id.eq(sub.id))
        .filter(
            Condition::any()
                .add(subscription::Column::PaymentToken.is_null())
                .add(subscription::Column::PaymentToken.ne(token)),
        )
        .exec(db)
        .await?
        .rows_affected
        > 0;
    if changed {
        record(db, actor, &sub, "subscription.method_saved", method, now).await?;
    }
    Ok(changed)
}

/// Forgets the reference `sub` was read with, if it still holds it. Returns whether it did.
pub async fn forget(
    db: &impl ConnectionTrait,
    sub: &subscription::Model,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let (Some(token), Some(method)) = (&sub.payment_token, sub.payment_method) else {
        return Ok(false);
    };
    let changed = subscription::Entity::update_many()
        .col_expr(
            subscription::Column::PaymentToken,
            Expr::value(Option::<String>::None),
        )
        .col_expr(subscription::Column::UpdatedAt, Expr::value(now))
        .filter(subscription::Column::Id.eq(sub.id))
        .filter(subscription::Column::PaymentToken.eq(token.as_str()))
        .exec(db)
        .await?
        .rows_affected
        > 0;
    if changed {
        record(
            db,
            Actor::System,
            sub,
            "subscription.method_forgotten",
            method,
            now,
        )
        .await?;
    }
    Ok(changed)
}

/// The audit record of a change to `sub`'s saved method: which method, never the reference.
async fn record(
    db: &impl ConnectionTrait,
    actor: Actor,
    sub: &subscription::Model,
    action: &str,
    method: PaymentMethod,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let saved = action == "subscription.method_saved";
    Change::new(actor, action, "subscription", sub.id)
        .account(sub.account_id)
        .after(&json!({ "payment_method": method, "saved_method": saved }))
        .record(db, now)
        .await
}
