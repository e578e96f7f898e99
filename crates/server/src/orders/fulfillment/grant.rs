//! Writing what the domain grants (`entitle_domain::fulfillment`, DESIGN.md §3): a new
//! subscription and its licenses, each with its audit entry; and reading the subscription an
//! order changes, for the grants that change one (an upgrade, seats, a renewal).

use chrono::{DateTime, Utc};
use entitle_domain::PaymentMethod;
use entitle_domain::fulfillment::Grant;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::audit::{Actor, Change};
use crate::error::{ServiceError, ServiceResult};
use crate::licenses::store::{self as licenses, Owner};
use crate::store::entity::{license, order, subscription};
use crate::subscriptions::store as subscriptions;

/// Who receives a grant, and on whose behalf.
pub struct Delivery {
    pub account_id: Uuid,
    pub order_id: Uuid,
    /// The method the order was paid with, saved on a new subscription for its renewals.
    pub method: Option<PaymentMethod>,
    pub actor: Actor,
    pub now: DateTime<Utc>,
}

/// Writes `grant` (a subscription and its licenses) and returns the audit entries for it.
pub async fn apply_grant(
    txn: &DatabaseTransaction,
    delivery: Delivery,
    grant: &Grant,
) -> ServiceResult<Vec<Change<'static>>> {
    let mut changes = Vec::new();
    let subscription_id = match &grant.subscription {
        Some(sub) => {
            let row = subscriptions::insert_grant(
                txn,
                delivery.account_id,
                sub,
                delivery.order_id,
                delivery.method,
                delivery.now,
            )
            .await?;
            order::Entity::update_many()
                .col_expr(order::Column::SubscriptionId, Expr::value(row.id))
                .filter(order::Column::Id.eq(delivery.order_id))
                .exec(txn)
                .await?;
            changes.push(
                Change::new(
                    delivery.actor,
                    "subscription.created",
                    "subscription",
                    row.id,
                )
                .account(delivery.account_id)
                .after(&subscriptions::view(&row)?),
            );
            Some(row.id)
        }
        None => None,
    };
    let owner = Owner {
        account_id: delivery.account_id,
        subscription_id,
        order_id: Some(delivery.order_id),
    };
    for batch in &grant.licenses {
        let rows = licenses::insert_grant(txn, owner, batch, delivery.now).await?;
        for row in rows {
            changes.push(license_granted(delivery.actor, row, delivery.now)?);
        }
    }
    Ok(changes)
}

/// The `license.granted` audit entry of `row`.
pub(super) fn license_granted(
    actor: Actor,
    row: license::Model,
    now: DateTime<Utc>,
) -> ServiceResult<Change<'static>> {
    Ok(Change::new(actor, "license.granted", "license", row.id)
        .account(row.account_id)
        .after(&licenses::view(row, now)))
}

/// The subscription the order `row` changes (an upgrade, seats, a renewal name theirs).
pub(super) async fn target_subscription(
    txn: &DatabaseTransaction,
    row: &order::Model,
) -> ServiceResult<subscription::Model> {
    let id = row
        .subscription_id
        .ok_or_else(|| ServiceError::Corrupt("order without its subscription".to_owned()))?;
    subscription::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(ServiceError::NotFound("subscription"))
}

/// The wire form of the subscription `id` as it is now, for the audit entry after a change.
pub(super) async fn subscription_view(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> ServiceResult<entitle_domain::api::Subscription> {
    let row = subscription::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("subscription"))?;
    subscriptions::view(&row)
}
