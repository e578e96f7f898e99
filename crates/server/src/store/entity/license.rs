use entitle_domain::licenses::LicenseSource;
use entitle_domain::licenses::LicenseStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "licenses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub key: String,
    pub account_id: Uuid,
    pub product_code: String,
    pub subscription_id: Option<Uuid>,
    pub order_id: Option<Uuid>,
    pub source: LicenseSource,
    pub status: LicenseStatus,
    pub valid_from: DateTimeUtc,
    pub valid_until: DateTimeUtc,
    pub host: Option<String>,
    pub consumed_at: Option<DateTimeUtc>,
    pub consumed_reference: Option<String>,
    pub consumed_run_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
