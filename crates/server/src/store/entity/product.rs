use entitle_domain::AccountKind;
use entitle_domain::ProductKind;
use entitle_domain::machines::Binding;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    pub kind: ProductKind,
    pub family: String,
    pub tier: Option<i32>,
    pub seat_based: bool,
    pub auto_renewable: bool,
    pub trial_days: Option<i32>,
    pub validity_months: Option<i32>,
    pub bonus_product: Option<String>,
    pub bonus_per_unit: Option<i32>,
    pub account_kind: Option<AccountKind>,
    pub one_per_account: bool,
    pub binding: Binding,
    pub grace_days: i32,
    pub heartbeat_seconds: i32,
    pub transfer_limit: i32,
    pub transfer_window_days: i32,
    pub max_quantity: i32,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
