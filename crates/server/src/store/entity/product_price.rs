use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_prices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_code: String,
    /// `month`, `year`, or `once` for one-time products.
    #[sea_orm(primary_key, auto_increment = false)]
    pub cycle: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub currency: String,
    /// Minor units (fen, cents): exact on SQLite and PostgreSQL alike.
    pub amount_minor: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
