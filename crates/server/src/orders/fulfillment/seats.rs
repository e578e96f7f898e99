//! Paid seats (DESIGN.md §5): the subscription's quantity grows and each new seat gets a
//! license ending with the subscription; all seats end together.

use chrono::{DateTime, Utc};
use entitle_domain::api::ProblemCode;
use entitle_domain::catalog::Product;
use entitle_domain::fulfillment::grant_seats;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use super::grant::{license_granted, subscription_view, target_subscription};
use crate::audit::{Actor, Change};
use crate::error::{ServiceError, ServiceResult};
use crate::licenses::store::{self as licenses, Owner};
use crate::store::entity::{order, subscription};
use crate::subscriptions::store as subscriptions;

/// Adds the `seats` the order `row` bought to its subscription.
///
/// The product's maximum is checked here too, by the update's own condition: one order for
/// seats waits at a time (its claim), so the seats quoted within the maximum are still within
/// it now unless the catalog's maximum was lowered since; then nothing is granted, the order
/// stays unpaid with its payment recorded (`provider_payments`), and the failure is logged on
/// every delivery for an operator to settle.
pub(super) async fn grant(
    txn: &DatabaseTransaction,
    row: &order::Model,
    product: &Product,
    seats: u32,
    paid_at: DateTime<Utc>,
    actor: Actor,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<Change<'static>>> {
    let sub = target_subscription(txn, row).await?;
    let before = subscriptions::view(&sub)?;
    let room = i64::from(product.max_quantity) - i64::from(row.quantity);
    let granted = subscription::Entity::update_many()
        .col_expr(
            subscription::Column::Quantity,
            Expr::col(subscription::Column::Quantity).add(row.quantity),
        )
        .col_expr(subscription::Column::UpdatedAt, Expr::value(now))
        .filter(subscription::Column::Id.eq(sub.id))
        .filter(subscription::Column::Quantity.lte(room))
        .exec(txn)
        .await?;
    if granted.rows_affected == 0 {
        tracing::error!(order = %row.id, subscription = %sub.id, max = product.max_quantity,
            "paid seats would pass the product's maximum: not granted");
        return Err(ServiceError::Conflict {
            code: ProblemCode::SeatsOverMaximum,
            detail: format!(
                "{} more seats would pass {}'s maximum of {}",
                row.quantity, product.code, product.max_quantity
            ),
        });
    }
    let grant = grant_seats(&subscriptions::held(sub.clone())?, seats, paid_at);
    let owner = Owner {
        account_id: row.account_id,
        subscription_id: Some(sub.id),
        order_id: Some(row.id),
    };
    let mut changes = Vec::new();
    let after = subscription_view(txn, sub.id).await?;
    changes.push(
        Change::new(actor, "subscription.seats_added", "subscription", sub.id)
            .account(row.account_id)
            .states(&before, &after),
    );
    for license in licenses::insert_grant(txn, owner, &grant, now).await? {
        changes.push(license_granted(actor, license, now)?);
    }
    Ok(changes)
}
