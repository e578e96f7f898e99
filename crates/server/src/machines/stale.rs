//! Machines whose latest license file predates their license's validity (issue 22): after a
//! renewal extends a license, an isolated site keeps running on its old file only until that
//! file's end, so an operator carries it a new one. Online clients get theirs on their next
//! validation or heartbeat.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entitle_domain::api::{StaleFile, StaleFileList};
use entitle_domain::machines::MachineStatus;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::store;
use crate::accounts::service as accounts;
use crate::auth::Principal;
use crate::catalog::store as catalog;
use crate::error::ServiceResult;
use crate::licenses::store as licenses;
use crate::store::entity::{license, machine};

/// The account's active machines and their latest files: only the stale ones when `stale`.
pub async fn list(
    db: &DatabaseConnection,
    principal: Principal,
    account_id: Uuid,
    only_stale: bool,
    now: DateTime<Utc>,
) -> ServiceResult<StaleFileList> {
    accounts::ensure_visible(db, principal, account_id).await?;
    let machines = machine::Entity::find()
        .filter(machine::Column::AccountId.eq(account_id))
        .filter(machine::Column::Status.eq(MachineStatus::Active))
        .order_by_asc(machine::Column::ActivatedAt)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = machines.iter().map(|m| m.id).collect();
    let latest = store::latest_files(db, &ids).await?;
    let license_ids: Vec<Uuid> = machines.iter().map(|m| m.license_id).collect();
    let mut owned: HashMap<Uuid, license::Model> = HashMap::new();
    for chunk in license_ids.chunks(500) {
        for row in license::Entity::find()
            .filter(license::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            owned.insert(row.id, row);
        }
    }
    let rules: HashMap<String, _> = catalog::all(db)
        .await?
        .into_iter()
        .map(|p| (p.code.to_string(), p.licensing))
        .collect();
    let mut items = Vec::new();
    for row in &machines {
        let (Some(file), Some(license)) = (latest.get(&row.id), owned.get(&row.license_id)) else {
            continue;
        };
        if only_stale && !store::stale(Some(file), license.valid_until) {
            continue;
        }
        let Some(licensing) = rules.get(&license.product_code) else {
            continue;
        };
        items.push(StaleFile {
            machine: store::view(row, licensing, Some(file), license.valid_until),
            license: licenses::view(license.clone(), now),
            file_valid_until: file.valid_until,
        });
    }
    Ok(StaleFileList { items })
}
