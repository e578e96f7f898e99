//! The invoice queue across accounts (issue 23), for the vendor's operators: what the next
//! weekly batch issues and when, and what the last ones issued.

use chrono::{DateTime, Utc};
use entitle_domain::api::InvoiceQueue;
use entitle_domain::invoices::{BatchSchedule, InvoiceStatus};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::view;
use crate::auth::Principal;
use crate::error::ServiceResult;
use crate::store::entity::invoice;

/// The most requested invoices the queue lists (the batch issues them all).
const REQUESTED_SHOWN: u64 = 200;
/// How many issued invoices it lists.
const ISSUED_SHOWN: u64 = 20;

/// The queue at `now` under `schedule` (admin keys only).
pub async fn queue(
    db: &DatabaseConnection,
    principal: Principal,
    schedule: &BatchSchedule,
    now: DateTime<Utc>,
) -> ServiceResult<InvoiceQueue> {
    principal.require_admin()?;
    let requested = invoice::Entity::find()
        .filter(invoice::Column::Status.eq(InvoiceStatus::Requested))
        .order_by_asc(invoice::Column::Id)
        .limit(REQUESTED_SHOWN)
        .all(db)
        .await?;
    let issued = invoice::Entity::find()
        .filter(invoice::Column::Status.eq(InvoiceStatus::Issued))
        .order_by_desc(invoice::Column::IssuedAt)
        .order_by_desc(invoice::Column::Id)
        .limit(ISSUED_SHOWN)
        .all(db)
        .await?;
    Ok(InvoiceQueue {
        requested: requested.iter().map(view).collect::<ServiceResult<_>>()?,
        issued: issued.iter().map(view).collect::<ServiceResult<_>>()?,
        next_batch_at: schedule.next_after(now).into(),
    })
}
