use sea_orm::entity::prelude::*;

/// A license file issued to a machine (issue 22): its id is the file's `jti`; `valid_until`
/// is the validity it carried, so a later renewal shows the file is stale.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "license_files")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub license_id: Uuid,
    pub machine_id: Uuid,
    pub kid: String,
    pub issued_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub valid_until: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
