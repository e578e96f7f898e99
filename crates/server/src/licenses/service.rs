//! Reading licenses, and the three things a customer does with one: consume it, activate it
//! on a host, deactivate it.

use chrono::{DateTime, Utc};
use entitle_domain::Clock;
use entitle_domain::ProductKind;
use entitle_domain::api::ProblemCode;
use entitle_domain::api::{License, LicensePage};
use entitle_domain::licenses::{LicenseRefusal, LicenseSource, LicenseStatus, valid_host};
use entitle_domain::text::{self, check_free_text};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use uuid::Uuid;

use super::store;
use crate::accounts::service as accounts;
use crate::audit::{Actor, Change};
use crate::auth::Principal;
use crate::catalog::service as catalog;
use crate::error::{ServiceError, ServiceResult};
use crate::events;
use crate::pagination::PageRequest;
use crate::store::entity::license;

/// Narrows a license list.
#[derive(Debug, Clone, Default)]
pub struct LicenseFilter {
    pub product: Option<String>,
    pub status: Option<LicenseStatus>,
    pub source: Option<LicenseSource>,
    /// Only licenses whose validity ends before this instant.
    pub expiring_before: Option<DateTime<Utc>>,
}

/// One page of an account's licenses, oldest first.
pub async fn list(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    principal: Principal,
    account_id: Uuid,
    filter: LicenseFilter,
    page: PageRequest,
) -> ServiceResult<LicensePage> {
    accounts::ensure_visible(db, principal, account_id).await?;
    let now = clock.now();
    let mut query = license::Entity::find()
        .filter(license::Column::AccountId.eq(account_id))
        .order_by_asc(license::Column::Id);
    if let Some(product) = filter.product {
        // Checked before it reaches the store: PostgreSQL refuses a NUL with an error.
        check_free_text("product", &product, text::CODE_MAX)?;
        query = query.filter(license::Column::ProductCode.eq(product));
    }
    if let Some(source) = filter.source {
        query = query.filter(license::Column::Source.eq(source));
    }
    if let Some(before) = filter.expiring_before {
        query = query.filter(license::Column::ValidUntil.lt(before));
    }
    // The status a reader sees counts a license past its end as expired, stored or not.
    let active = LicenseStatus::Active;
    query = match filter.status {
        Some(LicenseStatus::Active) => query
            .filter(license::Column::Status.eq(active))
            .filter(license::Column::ValidUntil.gt(now)),
        Some(LicenseStatus::Expired) => query.filter(
            Condition::any()
                .add(license::Column::Status.eq(LicenseStatus::Expired))
                .add(
                    Condition::all()
                        .add(license::Column::Status.eq(active))
                        .add(license::Column::ValidUntil.lte(now)),
                ),
        ),
        Some(LicenseStatus::Consumed) => {
            query.filter(license::Column::Status.eq(LicenseStatus::Consumed))
        }
        None => query,
    };
    let (rows, next_cursor) = page
        .load(db, query, license::Column::Id, |row| row.id)
        .await?;
    Ok(LicensePage {
        items: rows.into_iter().map(|r| store::view(r, now)).collect(),
        next_cursor: next_cursor.into(),
    })
}

async fn load(
    db: &DatabaseConnection,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<license::Model> {
    crate::auth::owned::find::<license::Entity>(db, principal, id).await
}

/// One license.
pub async fn get(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<License> {
    Ok(store::view(load(db, principal, id).await?, clock.now()))
}

/// Consumes a one-time license for one run, once. The update is conditional on the license
/// still being available, so two concurrent consumes cannot both succeed.
pub async fn consume(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    principal: Principal,
    id: Uuid,
    reference: &str,
) -> ServiceResult<License> {
    check_free_text("reference", reference, text::REFERENCE_MAX)?;
    let reference = reference.trim();
    if reference.is_empty() {
        return Err(ServiceError::Invalid(
            "reference must not be blank".to_owned(),
        ));
    }
    let row = load(db, principal, id).await?;
    let product = catalog::named(db, &row.product_code).await?;
    let now = clock.now();
    store::state(&row)
        .check_consume(product.kind == ProductKind::OneTime, now)
        .map_err(ServiceError::License)?;
    let txn = db.begin().await?;
    let updated = license::Entity::update_many()
        .col_expr(
            license::Column::Status,
            Expr::value(LicenseStatus::Consumed),
        )
        .col_expr(license::Column::ConsumedAt, Expr::value(now))
        .col_expr(license::Column::ConsumedReference, Expr::value(reference))
        .col_expr(license::Column::UpdatedAt, Expr::value(now))
        .filter(license::Column::Id.eq(id))
        .filter(license::Column::Status.eq(LicenseStatus::Active))
        .filter(license::Column::ValidUntil.gt(now))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(ServiceError::License(LicenseRefusal::AlreadyConsumed));
    }
    let (before_view, after_view) = views_around(&txn, &row, now).await?;
    events::emit(
        &txn,
        events::LICENSE_CONSUMED,
        Some(row.account_id),
        serde_json::json!({ "license": after_view }),
        now,
    )
    .await?;
    Change::new(Actor::from(principal), "license.consumed", "license", id)
        .account(row.account_id)
        .states(&before_view, &after_view)
        .record(&txn, now)
        .await?;
    txn.commit().await?;
    Ok(after_view)
}

/// Activates a host-bound license on `host` (or deactivates it with `None`).
pub async fn set_host(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    principal: Principal,
    id: Uuid,
    host: Option<&str>,
) -> ServiceResult<License> {
    let row = load(db, principal, id).await?;
    let product = catalog::named(db, &row.product_code).await?;
    let now = clock.now();
    let host = host.map(str::trim);
    if let Some(host) = host {
        if !valid_host(host) {
            return Err(ServiceError::Invalid(format!(
                "{host:?} is not a host name: use letters, digits, '.', '-', '_' or ':'"
            )));
        }
        store::state(&row)
            .check_activate(product.host_bound, host, now)
            .map_err(ServiceError::License)?;
    } else if !product.host_bound {
        return Err(ServiceError::License(LicenseRefusal::NotHostBound));
    }
    if row.host.as_deref() == host {
        return Ok(store::view(row, now));
    }
    let txn = db.begin().await?;
    let mut condition = license::Entity::update_many()
        .col_expr(license::Column::Host, Expr::value(host.map(str::to_owned)))
        .col_expr(license::Column::UpdatedAt, Expr::value(now))
        .filter(license::Column::Id.eq(id));
    // Only from the host it was read with: a concurrent activation elsewhere wins or loses whole.
    condition = match &row.host {
        Some(current) => condition.filter(license::Column::Host.eq(current.clone())),
        None => condition.filter(license::Column::Host.is_null()),
    };
    if condition.exec(&txn).await?.rows_affected == 0 {
        return Err(ServiceError::Conflict {
            code: ProblemCode::LicenseChanged,
            detail: "the license changed while this request ran: read it again".to_owned(),
        });
    }
    let (before_view, after_view) = views_around(&txn, &row, now).await?;
    Change::new(
        Actor::from(principal),
        if host.is_some() {
            "license.activated"
        } else {
            "license.deactivated"
        },
        "license",
        id,
    )
    .account(row.account_id)
    .states(&before_view, &after_view)
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(after_view)
}

/// The license as the API showed it before a conditional update (`row`) and as it is now,
/// re-read inside the update's transaction: the audit's two states and the answer.
async fn views_around(
    txn: &DatabaseTransaction,
    row: &license::Model,
    now: DateTime<Utc>,
) -> ServiceResult<(License, License)> {
    let after = license::Entity::find_by_id(row.id)
        .one(txn)
        .await?
        .ok_or(ServiceError::NotFound("license"))?;
    Ok((store::view(row.clone(), now), store::view(after, now)))
}
