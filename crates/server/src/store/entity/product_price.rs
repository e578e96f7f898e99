use entitle_domain::Currency;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_prices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_code: String,
    /// `month`, `year` (a [`entitle_domain::Cycle`]), or `once` for one-time products: text,
    /// because a primary key has no "none".
    #[sea_orm(primary_key, auto_increment = false)]
    pub cycle: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub currency: Currency,
    /// Minor units (fen, cents): exact on SQLite and PostgreSQL alike.
    pub amount_minor: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
