use entitle_domain::account::KeyRole;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `None` for admin keys.
    pub account_id: Option<Uuid>,
    /// `admin` or `account`.
    pub role: KeyRole,
    pub name: String,
    pub prefix: String,
    /// SHA-256 of the key, hex: the key itself is never stored.
    pub key_hash: String,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
