//! Activating a license on a machine and releasing it (issue 22), for both doors: the
//! software with its license key (`MachineActor::Client`, its moves limited) and an operator
//! with an account key (an air-gapped host, a destroyed one; never limited).
//!
//! One machine per license is the database's decision (`machines_one_active`): of two
//! activations at once, the second insert fails and is answered from the winner.

use chrono::{DateTime, Utc};
use entitle_domain::api::{Activation, Machine, MachineInput, ProblemCode};
use entitle_domain::licenses::{LicenseRefusal, valid_host};
use entitle_domain::machines::{
    MachineActor, MachineStatus, PastMachine, Placement, placement, refused_move_until,
    valid_fingerprint,
};
use entitle_domain::text::{self, check_optional};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use uuid::Uuid;

use super::files::{self, Issuer};
use super::{Licensed, heartbeat, store};
use crate::audit::{Actor, Change};
use crate::error::{ServiceError, ServiceResult};
use crate::licenses::store as licenses;
use crate::store::entity::{license, machine};
use crate::store::is_unique_violation;

/// Who asks: the software or an operator, and the audit's name for them.
#[derive(Debug, Clone, Copy)]
pub struct Requester {
    pub by: MachineActor,
    pub actor: Actor,
}

/// An activation answered: `created` is false when the machine held the license already.
pub struct Activated {
    pub activation: Activation,
    pub created: bool,
}

/// Checks what a machine says about itself: its fingerprint, host name and platform.
pub fn check_input(input: &MachineInput) -> ServiceResult<()> {
    if !valid_fingerprint(&input.fingerprint) {
        return Err(super::fingerprint_invalid());
    }
    if !valid_host(&input.hostname) {
        return Err(ServiceError::Invalid(format!(
            "{:?} is not a host name: use letters, digits, '.', '-', '_' or ':'",
            input.hostname
        )));
    }
    check_optional("platform", input.platform.as_deref(), text::CODE_MAX * 2)?;
    Ok(())
}

/// Activates `licensed` on the machine `input` describes, and issues its license file.
pub async fn activate(
    issuer: Issuer<'_>,
    requester: Requester,
    licensed: &Licensed,
    input: &MachineInput,
    now: DateTime<Utc>,
) -> ServiceResult<Activated> {
    let (machine, created) = place(issuer.db, requester, licensed, input, now).await?;
    let file = files::issue(issuer, licensed, &machine, None, now).await?;
    let latest = store::latest_files(issuer.db, &[machine.id]).await?;
    let rules = licensed.product.licensing;
    Ok(Activated {
        activation: Activation {
            machine: store::view(
                &machine,
                &rules,
                latest.get(&machine.id),
                licensed.license.valid_until,
            ),
            license_file: file.license_file,
        },
        created,
    })
}

/// Puts `licensed` on the machine `input` describes: the machine that holds it already
/// (whatever the license's state: a host in grace starts again), or a new one while the
/// license is valid and free. Returns the machine and whether it is new.
pub async fn place(
    db: &DatabaseConnection,
    requester: Requester,
    licensed: &Licensed,
    input: &MachineInput,
    now: DateTime<Utc>,
) -> ServiceResult<(machine::Model, bool)> {
    check_input(input)?;
    let license = &licensed.license;
    let rules = licensed.product.licensing;
    let mut active = store::active(db, license.id).await?;
    // A seat whose heartbeats stopped is free, whether or not the job has run yet.
    if let Some(silent) = active
        .as_ref()
        .filter(|m| rules.heartbeat_dead(m.last_heartbeat_at.unwrap_or(m.activated_at), now))
    {
        heartbeat::cull_one(db, silent, now).await?;
        active = None;
    }
    if let Some(machine) = held(active, &input.fingerprint)? {
        return Ok((machine, false));
    }
    licenses::state(license)
        .check_activate(rules.binds(), now)
        .map_err(ServiceError::License)?;
    if requester.by == MachineActor::Client {
        check_moves(db, licensed, &input.fingerprint, now).await?;
    }
    match insert(db, requester, license, input, now).await {
        Ok(machine) => Ok((machine, true)),
        Err(ServiceError::Store(err)) if is_unique_violation(&err) => {
            match held(store::active(db, license.id).await?, &input.fingerprint)? {
                Some(machine) => Ok((machine, false)),
                None => Err(ServiceError::Conflict {
                    code: ProblemCode::LicenseChanged,
                    detail: "the license changed while this request ran: try again".to_owned(),
                }),
            }
        }
        Err(err) => Err(err),
    }
}

/// The machine if it is the one with `fingerprint`; a refusal naming the other one if not.
fn held(
    active: Option<machine::Model>,
    fingerprint: &str,
) -> ServiceResult<Option<machine::Model>> {
    let place = placement(
        active
            .as_ref()
            .map(|m| (m.fingerprint.as_str(), m.hostname.as_str())),
        fingerprint,
    );
    match place {
        Placement::Free => Ok(None),
        Placement::Here => Ok(active),
        Placement::Elsewhere(host) => Err(ServiceError::License(LicenseRefusal::ActiveElsewhere(
            host.to_owned(),
        ))),
    }
}

/// Refuses a move the software makes by itself past the product's limit (the domain's
/// [`refused_move_until`]).
async fn check_moves(
    db: &DatabaseConnection,
    licensed: &Licensed,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let mut machines = store::of_license(db, licensed.license.id).await?;
    machines.reverse();
    let history: Vec<PastMachine<'_>> = machines
        .iter()
        .map(|m| PastMachine {
            fingerprint: &m.fingerprint,
            activated_by: m.activated_by,
            activated_at: m.activated_at,
            released_by: m.released_by,
        })
        .collect();
    let rules = licensed.product.licensing;
    match refused_move_until(&rules, &history, fingerprint, now) {
        None => Ok(()),
        Some(at) => Err(ServiceError::Throttled {
            code: ProblemCode::MachineTransferLimit,
            detail: format!(
                "this license moved to a new machine {} times in {} days, as often as it may \
                 by itself: it may again at {}, or an operator may release a host sooner",
                rules.transfer_limit,
                rules.transfer_window_days,
                at.to_rfc3339()
            ),
            retry_after_seconds: u64::try_from((at - now).num_seconds().max(1)).unwrap_or(1),
        }),
    }
}

async fn insert(
    db: &DatabaseConnection,
    requester: Requester,
    license: &license::Model,
    input: &MachineInput,
    now: DateTime<Utc>,
) -> ServiceResult<machine::Model> {
    let txn = db.begin().await?;
    let machine = machine::ActiveModel {
        id: Set(Uuid::now_v7()),
        license_id: Set(license.id),
        account_id: Set(license.account_id),
        fingerprint: Set(input.fingerprint.clone()),
        hostname: Set(input.hostname.clone()),
        platform: Set(input.platform.clone()),
        status: Set(MachineStatus::Active),
        activated_by: Set(requester.by),
        activated_at: Set(now),
        last_heartbeat_at: Set(None),
        released_at: Set(None),
        released_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    set_host(&txn, license.id, Some(&machine.hostname), now).await?;
    Change::new(requester.actor, "machine.activated", "machine", machine.id)
        .account(license.account_id)
        .after(&machine_snapshot(&machine))
        .record(&txn, now)
        .await?;
    txn.commit().await?;
    Ok(machine)
}

/// The license's `host`: the hostname of its active machine, kept for the integrations that
/// read it.
async fn set_host(
    db: &impl sea_orm::ConnectionTrait,
    license_id: Uuid,
    host: Option<&str>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    license::Entity::update_many()
        .col_expr(license::Column::Host, Expr::value(host.map(str::to_owned)))
        .col_expr(license::Column::UpdatedAt, Expr::value(now))
        .filter(license::Column::Id.eq(license_id))
        .exec(db)
        .await?;
    Ok(())
}

/// What the audit log keeps of a machine.
fn machine_snapshot(machine: &machine::Model) -> serde_json::Value {
    serde_json::json!({
        "id": machine.id,
        "license_id": machine.license_id,
        "fingerprint": machine.fingerprint,
        "hostname": machine.hostname,
        "status": machine.status,
        "activated_by": machine.activated_by,
    })
}

/// Which machine to release.
pub enum Which<'a> {
    Id(Uuid),
    Fingerprint(&'a str),
}

/// Releases the license's active machine `which` (`by`: the software deactivating itself, an
/// operator releasing a host, or the `machines` job).
pub async fn release(
    db: &DatabaseConnection,
    requester: Requester,
    licensed: &Licensed,
    which: Which<'_>,
    now: DateTime<Utc>,
) -> ServiceResult<Machine> {
    let license = &licensed.license;
    let active = store::active(db, license.id)
        .await?
        .filter(|m| match which {
            Which::Id(id) => m.id == id,
            Which::Fingerprint(fingerprint) => m.fingerprint.eq_ignore_ascii_case(fingerprint),
        });
    let Some(before) = active else {
        return Err(super::not_active_here());
    };
    let txn = db.begin().await?;
    let released = machine::Entity::update_many()
        .col_expr(
            machine::Column::Status,
            Expr::value(MachineStatus::Released),
        )
        .col_expr(machine::Column::ReleasedAt, Expr::value(now))
        .col_expr(machine::Column::ReleasedBy, Expr::value(requester.by))
        .col_expr(machine::Column::UpdatedAt, Expr::value(now))
        .filter(machine::Column::Id.eq(before.id))
        .filter(machine::Column::Status.eq(MachineStatus::Active))
        .exec(&txn)
        .await?;
    if released.rows_affected == 0 {
        return Err(ServiceError::Absent {
            code: ProblemCode::MachineNotFound,
            detail: "the machine was released while this request ran".to_owned(),
        });
    }
    set_host(&txn, license.id, None, now).await?;
    let after = machine::Entity::find_by_id(before.id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("machine"))?;
    Change::new(requester.actor, "machine.released", "machine", before.id)
        .account(license.account_id)
        .states(&machine_snapshot(&before), &machine_snapshot(&after))
        .record(&txn, now)
        .await?;
    txn.commit().await?;
    let latest = store::latest_files(db, &[after.id]).await?;
    Ok(store::view(
        &after,
        &licensed.product.licensing,
        latest.get(&after.id),
        license.valid_until,
    ))
}
