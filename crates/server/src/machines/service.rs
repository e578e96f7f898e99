//! The operator's door to machines (account keys): the license is found as the key may see
//! it, then the same activation and release the software's own door uses.

use chrono::{DateTime, Utc};
use entitle_domain::api::{Machine, MachineInput, MachineList};
use entitle_domain::machines::MachineActor;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::activation::{self, Activated, Requester, Which};
use super::files::Issuer;
use super::{Licensed, store};
use crate::audit::Actor;
use crate::auth::Principal;
use crate::error::ServiceResult;
use crate::store::entity::license;

async fn owned(db: &DatabaseConnection, principal: Principal, id: Uuid) -> ServiceResult<Licensed> {
    let row = crate::auth::owned::find::<license::Entity>(db, principal, id).await?;
    Licensed::load(db, row).await
}

fn operator(principal: Principal) -> Requester {
    Requester {
        by: MachineActor::Operator,
        actor: Actor::from(principal),
    }
}

/// A license's machines, newest first.
pub async fn list(
    db: &DatabaseConnection,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<MachineList> {
    let licensed = owned(db, principal, id).await?;
    let rows = store::of_license(db, id).await?;
    let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
    let latest = store::latest_files(db, &ids).await?;
    let rules = licensed.product.licensing;
    Ok(MachineList {
        items: rows
            .iter()
            .map(|m| store::view(m, &rules, latest.get(&m.id), licensed.license.valid_until))
            .collect(),
    })
}

/// Activates a license on a host on its behalf (an air-gapped one): not a move the license
/// makes by itself, so never limited.
pub async fn activate(
    issuer: Issuer<'_>,
    principal: Principal,
    id: Uuid,
    input: &MachineInput,
    now: DateTime<Utc>,
) -> ServiceResult<Activated> {
    let licensed = owned(issuer.db, principal, id).await?;
    activation::activate(issuer, operator(principal), &licensed, input, now).await
}

/// Releases a destroyed or retired host.
pub async fn release(
    db: &DatabaseConnection,
    principal: Principal,
    id: Uuid,
    machine_id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<Machine> {
    let licensed = owned(db, principal, id).await?;
    activation::release(
        db,
        operator(principal),
        &licensed,
        Which::Id(machine_id),
        now,
    )
    .await
}
