use entitle_domain::Currency;
use entitle_domain::Cycle;
use entitle_domain::PaymentMethod;
use entitle_domain::orders::OrderStatus;
use entitle_domain::orders::OrderType;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub account_id: Uuid,
    #[sea_orm(column_name = "type")]
    pub kind: OrderType,
    pub status: OrderStatus,
    pub product_code: String,
    pub cycle: Option<Cycle>,
    pub quantity: i32,
    pub periods: i32,
    pub subscription_id: Option<Uuid>,
    pub auto_renew: Option<bool>,
    /// The quoted lines, JSON.
    #[sea_orm(column_type = "Text")]
    pub lines: String,
    pub currency: Currency,
    pub total_minor: i64,
    pub payment_method: Option<PaymentMethod>,
    #[sea_orm(column_type = "Text", nullable)]
    pub return_url: Option<String>,
    pub idempotency_key: Option<String>,
    pub request_hash: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub paid_at: Option<DateTimeUtc>,
    pub canceled_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    /// For a renewal: where the renewed term starts (the period's end it continues).
    pub term_start: Option<DateTimeUtc>,
    /// What the order holds exclusively while it waits for payment
    /// (`entitle_domain::orders::OrderClaim`); unique per account among waiting orders.
    pub claim: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
