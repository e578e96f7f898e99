use sea_orm::entity::prelude::*;

/// A weekly batch, claimed by its scheduled time: it runs once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoice_batches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub scheduled_at: DateTimeUtc,
    pub started_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
