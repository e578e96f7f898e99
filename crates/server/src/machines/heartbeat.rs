//! Floating seats' heartbeats (issue 22): a machine holding a seat pings before its
//! interval (plus 30 s of drift) runs out; one that stops is released by the `machines` job,
//! claimed with a conditional update so several servers cull each machine once.

use chrono::{DateTime, Duration, Utc};
use entitle_domain::api::{Heartbeat, ProblemCode};
use entitle_domain::machines::{Binding, HEARTBEAT_DRIFT_SECONDS, MachineActor, MachineStatus};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};

use super::files::{self, Issuer};
use super::{Licensed, store};
use crate::audit::{Actor, Change};
use crate::catalog::store as catalog;
use crate::error::{ServiceError, ServiceResult};
use crate::store::entity::{license, machine};

fn dead() -> ServiceError {
    ServiceError::Gone {
        code: ProblemCode::MachineDead,
        detail: "this machine's seat was released after its heartbeats stopped: activate again"
            .to_owned(),
    }
}

/// Records a heartbeat from the machine with `fingerprint`; a machine whose file predates
/// the license's validity gets a fresh one.
pub async fn beat(
    issuer: Issuer<'_>,
    licensed: &Licensed,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Heartbeat> {
    let db = issuer.db;
    let license = &licensed.license;
    let rules = licensed.product.licensing;
    let active = store::active(db, license.id)
        .await?
        .filter(|m| m.fingerprint.eq_ignore_ascii_case(fingerprint));
    let Some(row) = active else {
        return Err(if died_here(db, license.id, fingerprint).await? {
            dead()
        } else {
            super::not_active_here()
        });
    };
    if rules.heartbeat_dead(row.last_heartbeat_at.unwrap_or(row.activated_at), now) {
        cull_one(db, &row, now).await?;
        return Err(dead());
    }
    let updated = machine::Entity::update_many()
        .col_expr(machine::Column::LastHeartbeatAt, Expr::value(now))
        .col_expr(machine::Column::UpdatedAt, Expr::value(now))
        .filter(machine::Column::Id.eq(row.id))
        .filter(machine::Column::Status.eq(MachineStatus::Active))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Err(dead());
    }
    let latest = store::latest_files(db, &[row.id]).await?;
    let fresh = if store::stale(latest.get(&row.id), license.valid_until) {
        Some(files::issue(issuer, licensed, &row, None, now).await?)
    } else {
        None
    };
    let row = machine::Model {
        last_heartbeat_at: Some(now),
        ..row
    };
    let latest = store::latest_files(db, &[row.id]).await?;
    Ok(Heartbeat {
        machine: store::view(&row, &rules, latest.get(&row.id), license.valid_until),
        next_by: rules.heartbeat_due(now),
        license_file: fresh.map(|file| file.license_file).into(),
    })
}

/// Whether the machine with `fingerprint` held this license until the job released it.
pub async fn died_here(
    db: &DatabaseConnection,
    license_id: uuid::Uuid,
    fingerprint: &str,
) -> ServiceResult<bool> {
    Ok(store::of_license(db, license_id)
        .await?
        .into_iter()
        .find(|m| m.fingerprint.eq_ignore_ascii_case(fingerprint))
        .is_some_and(|m| m.status == MachineStatus::Dead))
}

/// Releases `row` as dead, once: conditional on its still being active, in one transaction
/// with its license's host and the audit entry (the server acted).
pub async fn cull_one(
    db: &DatabaseConnection,
    row: &machine::Model,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let txn = db.begin().await?;
    let culled = machine::Entity::update_many()
        .col_expr(machine::Column::Status, Expr::value(MachineStatus::Dead))
        .col_expr(machine::Column::ReleasedAt, Expr::value(now))
        .col_expr(machine::Column::ReleasedBy, Expr::value(MachineActor::Job))
        .col_expr(machine::Column::UpdatedAt, Expr::value(now))
        .filter(machine::Column::Id.eq(row.id))
        .filter(machine::Column::Status.eq(MachineStatus::Active))
        .exec(&txn)
        .await?;
    if culled.rows_affected == 0 {
        return Ok(false);
    }
    license::Entity::update_many()
        .col_expr(license::Column::Host, Expr::value(Option::<String>::None))
        .col_expr(license::Column::UpdatedAt, Expr::value(now))
        .filter(license::Column::Id.eq(row.license_id))
        .filter(license::Column::Host.eq(row.hostname.clone()))
        .exec(&txn)
        .await?;
    Change::new(Actor::System, "machine.released", "machine", row.id)
        .account(row.account_id)
        .after(&serde_json::json!({
            "id": row.id,
            "license_id": row.license_id,
            "hostname": row.hostname,
            "status": MachineStatus::Dead,
            "released_by": MachineActor::Job,
        }))
        .record(&txn, now)
        .await?;
    txn.commit().await?;
    Ok(true)
}

/// The `machines` job: releases every floating seat whose heartbeats stopped. Returns how
/// many it released.
pub async fn cull(db: &DatabaseConnection, now: DateTime<Utc>) -> ServiceResult<u64> {
    let mut released = 0;
    for product in catalog::all(db).await? {
        let rules = product.licensing;
        if rules.binding != Binding::Floating {
            continue;
        }
        let cutoff =
            now - Duration::seconds(i64::from(rules.heartbeat_seconds) + HEARTBEAT_DRIFT_SECONDS);
        let silent = Condition::any()
            .add(machine::Column::LastHeartbeatAt.lt(cutoff))
            .add(
                Condition::all()
                    .add(machine::Column::LastHeartbeatAt.is_null())
                    .add(machine::Column::ActivatedAt.lt(cutoff)),
            );
        let of_product = Query::select()
            .column(license::Column::Id)
            .from(license::Entity)
            .and_where(license::Column::ProductCode.eq(product.code.to_string()))
            .to_owned();
        let candidates = machine::Entity::find()
            .filter(machine::Column::Status.eq(MachineStatus::Active))
            .filter(silent)
            .filter(machine::Column::LicenseId.in_subquery(of_product))
            .all(db)
            .await?;
        for row in candidates {
            if cull_one(db, &row, now).await? {
                released += 1;
            }
        }
    }
    Ok(released)
}
