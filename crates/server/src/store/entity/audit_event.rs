use sea_orm::entity::prelude::*;

/// Append-only: rows are inserted, never updated or deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    pub actor: String,
    /// The stored API key that acted; `None` for the bootstrap key, a provider or the server.
    pub actor_key_id: Option<Uuid>,
    /// The acting key's prefix, `bootstrap` for the bootstrap admin key.
    pub actor_key_prefix: Option<String>,
    pub account_id: Option<Uuid>,
    pub action: String,
    pub entity: String,
    pub entity_id: Uuid,
    /// JSON.
    #[sea_orm(column_type = "Text", nullable)]
    pub before: Option<String>,
    /// JSON.
    #[sea_orm(column_type = "Text", nullable)]
    pub after: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
