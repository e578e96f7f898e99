use entitle_domain::machines::{MachineActor, MachineStatus};
use sea_orm::entity::prelude::*;

/// A machine a license is, or was, activated on (issue 22). At most one active per license
/// (`machines_one_active`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "machines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub license_id: Uuid,
    pub account_id: Uuid,
    pub fingerprint: String,
    pub hostname: String,
    pub platform: Option<String>,
    pub status: MachineStatus,
    pub activated_by: MachineActor,
    pub activated_at: DateTimeUtc,
    pub last_heartbeat_at: Option<DateTimeUtc>,
    pub released_at: Option<DateTimeUtc>,
    pub released_by: Option<MachineActor>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
