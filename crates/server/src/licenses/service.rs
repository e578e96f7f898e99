//! Reading licenses, and the three things a customer does with one: consume it, activate it
//! on a host, deactivate it (the last two on the machine model, `crate::machines`).

use chrono::{DateTime, Utc};
use entitle_domain::Clock;
use entitle_domain::ProductKind;
use entitle_domain::api::MachineInput;
use entitle_domain::api::{License, LicensePage};
use entitle_domain::licenses::{LicenseRefusal, LicenseSource, LicenseStatus, consumed_again};
use entitle_domain::machines::{Binding, MachineActor, Placement, placement};
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
use crate::error::{ServiceError, ServiceResult};
use crate::events;
use crate::machines::activation::{self, Requester, Which};
use crate::machines::{self, Licensed};
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
    get_at(db, principal, id, clock.now()).await
}

/// Consumes a one-time license for one run, once (the operator's door).
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
    let licensed = Licensed::load(db, load(db, principal, id).await?).await?;
    use_once(
        db,
        Actor::from(principal),
        &licensed,
        reference,
        None,
        clock.now(),
    )
    .await
}

/// The longest run id, as the spec and the column say.
const RUN_ID_MAX: usize = 128;

/// Consumes a one-time license for `run` (the software's door): the same run asking again is
/// answered as the first time was (a retry after a lost answer is safe); another run is
/// refused, naming the run that consumed it.
pub async fn consume_for_run(
    db: &DatabaseConnection,
    licensed: &Licensed,
    run: &str,
    fingerprint: Option<&str>,
    now: DateTime<Utc>,
) -> ServiceResult<License> {
    check_free_text("run_id", run, RUN_ID_MAX)?;
    let run = run.trim();
    if run.is_empty() {
        return Err(ServiceError::Invalid("run_id must not be blank".to_owned()));
    }
    // A run on another machine than the one holding a bound license is not this license's.
    if let Some(fingerprint) = fingerprint
        && let Some(active) = machines::store::active(db, licensed.license.id).await?
        && let Placement::Elsewhere(host) =
            placement(Some((&active.fingerprint, &active.hostname)), fingerprint)
    {
        return Err(ServiceError::License(LicenseRefusal::ActiveElsewhere(
            host.to_owned(),
        )));
    }
    let actor = Actor::License(licensed.license.id);
    use_once(db, actor, licensed, &format!("run {run}"), Some(run), now).await
}

/// The one consume behind both doors. The update is conditional on the license still being
/// available, so of two concurrent consumes exactly one succeeds; the other learns whether
/// its own run was the one.
async fn use_once(
    db: &DatabaseConnection,
    actor: Actor,
    licensed: &Licensed,
    reference: &str,
    run: Option<&str>,
    now: DateTime<Utc>,
) -> ServiceResult<License> {
    let row = &licensed.license;
    let id = row.id;
    let one_time = licensed.product.kind == ProductKind::OneTime;
    let state = store::state(row);
    if state.stored == LicenseStatus::Consumed && one_time {
        consumed_again(row.consumed_run_id.as_deref(), run).map_err(ServiceError::License)?;
        return Ok(store::view(row.clone(), now));
    }
    state
        .check_consume(one_time, now)
        .map_err(ServiceError::License)?;
    let txn = db.begin().await?;
    let updated = license::Entity::update_many()
        .col_expr(
            license::Column::Status,
            Expr::value(LicenseStatus::Consumed),
        )
        .col_expr(license::Column::ConsumedAt, Expr::value(now))
        .col_expr(license::Column::ConsumedReference, Expr::value(reference))
        .col_expr(
            license::Column::ConsumedRunId,
            Expr::value(run.map(str::to_owned)),
        )
        .col_expr(license::Column::UpdatedAt, Expr::value(now))
        .filter(license::Column::Id.eq(id))
        .filter(license::Column::Status.eq(LicenseStatus::Active))
        .filter(license::Column::ValidUntil.gt(now))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        drop(txn);
        let winner = license::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(ServiceError::NotFound("license"))?;
        consumed_again(winner.consumed_run_id.as_deref(), run).map_err(ServiceError::License)?;
        return Ok(store::view(winner, now));
    }
    let (before_view, after_view) = views_around(&txn, row, now).await?;
    events::emit(
        &txn,
        events::LICENSE_CONSUMED,
        Some(row.account_id),
        serde_json::json!({ "license": after_view }),
        now,
    )
    .await?;
    Change::new(actor, "license.consumed", "license", id)
        .account(row.account_id)
        .states(&before_view, &after_view)
        .record(&txn, now)
        .await?;
    txn.commit().await?;
    Ok(after_view)
}

/// Activates a host-bound license on `host` (or deactivates it with `None`): the older door
/// onto the machine model, for node-locked products as before. A machine is named by its
/// fingerprint when given, else by its host name: the active machine of that name, or a
/// fingerprint made from the name. No license file is issued here (the caller never sees
/// one), so none is recorded.
pub async fn set_host(
    db: &DatabaseConnection,
    principal: Principal,
    id: Uuid,
    host: Option<&str>,
    fingerprint: Option<&str>,
    now: DateTime<Utc>,
) -> ServiceResult<License> {
    let licensed = Licensed::load(db, load(db, principal, id).await?).await?;
    if licensed.product.licensing.binding != Binding::NodeLocked {
        return Err(ServiceError::License(LicenseRefusal::NotHostBound));
    }
    let requester = Requester {
        by: MachineActor::Operator,
        actor: Actor::from(principal),
    };
    let active = machines::store::active(db, id).await?;
    match host.map(str::trim) {
        Some(host) => {
            let fingerprint = match (fingerprint, &active) {
                (Some(given), _) => given.to_owned(),
                (None, Some(machine)) if machine.hostname == host => machine.fingerprint.clone(),
                (None, _) => machines::store::fingerprint_of_host(host),
            };
            let input = MachineInput {
                fingerprint,
                hostname: host.to_owned(),
                platform: None,
            };
            activation::place(db, requester, &licensed, &input, now).await?;
        }
        None => {
            if let Some(active) = active {
                activation::release(db, requester, &licensed, Which::Id(active.id), now).await?;
            }
        }
    }
    get_at(db, principal, id, now).await
}

async fn get_at(
    db: &DatabaseConnection,
    principal: Principal,
    id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<License> {
    Ok(store::view(load(db, principal, id).await?, now))
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
