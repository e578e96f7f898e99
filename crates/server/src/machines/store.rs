//! Machines between the table and the API's [`Machine`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entitle_domain::api::Machine;
use entitle_domain::machines::{Licensing, MachineStatus, file_is_stale};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::ServiceResult;
use crate::store::entity::{license_file, machine};

/// The machine `license_id` is active on, if any (at most one, by `machines_one_active`).
pub async fn active(
    db: &impl ConnectionTrait,
    license_id: Uuid,
) -> ServiceResult<Option<machine::Model>> {
    Ok(machine::Entity::find()
        .filter(machine::Column::LicenseId.eq(license_id))
        .filter(machine::Column::Status.eq(MachineStatus::Active))
        .one(db)
        .await?)
}

/// Every machine `license_id` was ever activated on, newest first.
pub async fn of_license(
    db: &impl ConnectionTrait,
    license_id: Uuid,
) -> ServiceResult<Vec<machine::Model>> {
    Ok(machine::Entity::find()
        .filter(machine::Column::LicenseId.eq(license_id))
        .order_by_desc(machine::Column::ActivatedAt)
        .order_by_desc(machine::Column::Id)
        .all(db)
        .await?)
}

/// The latest file issued to each of `machines`.
pub async fn latest_files(
    db: &impl ConnectionTrait,
    machines: &[Uuid],
) -> ServiceResult<HashMap<Uuid, license_file::Model>> {
    let mut latest: HashMap<Uuid, license_file::Model> = HashMap::new();
    for chunk in machines.chunks(500) {
        let files = license_file::Entity::find()
            .filter(license_file::Column::MachineId.is_in(chunk.iter().copied()))
            .order_by_asc(license_file::Column::IssuedAt)
            .order_by_asc(license_file::Column::Id)
            .all(db)
            .await?;
        for file in files {
            latest.insert(file.machine_id, file);
        }
    }
    Ok(latest)
}

/// Whether a machine's latest file carries less validity than its license has now (a renewal
/// came after it).
pub fn stale(latest: Option<&license_file::Model>, valid_until: DateTime<Utc>) -> bool {
    latest.is_some_and(|file| file_is_stale(file.valid_until, valid_until))
}

/// The fingerprint that stands for a host named by an operator without one: the SHA-256 of
/// its name, so the older `activate {host}` door lands on the same machine model.
pub fn fingerprint_of_host(host: &str) -> String {
    hex::encode(Sha256::digest(format!("host:{host}").as_bytes()))
}

/// The wire form: `licensing` says whether heartbeats are due, `latest` and the license's
/// `valid_until` whether its file is stale.
pub fn view(
    row: &machine::Model,
    licensing: &Licensing,
    latest: Option<&license_file::Model>,
    valid_until: DateTime<Utc>,
) -> Machine {
    let last_seen = row.last_heartbeat_at.unwrap_or(row.activated_at);
    let beating = row.status == MachineStatus::Active
        && licensing.binding == entitle_domain::machines::Binding::Floating;
    Machine {
        id: row.id,
        license_id: row.license_id,
        fingerprint: row.fingerprint.clone(),
        hostname: row.hostname.clone(),
        platform: row.platform.clone().into(),
        status: row.status,
        activated_by: row.activated_by,
        activated_at: row.activated_at,
        last_heartbeat_at: row.last_heartbeat_at.into(),
        heartbeat_due: beating.then(|| licensing.heartbeat_due(last_seen)).into(),
        released_at: row.released_at.into(),
        file_issued_at: latest.map(|file| file.issued_at).into(),
        file_stale: row.status == MachineStatus::Active && stale(latest, valid_until),
    }
}
