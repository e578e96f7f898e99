use entitle_domain::Currency;
use entitle_domain::PaymentMethod;
use entitle_domain::checkout::CheckoutStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "checkout_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub provider: String,
    #[sea_orm(column_type = "Text")]
    pub url: String,
    pub amount_minor: i64,
    pub currency: Currency,
    pub payment_method: PaymentMethod,
    /// `open`, `superseded` (a fresh checkout replaced it; the provider may still take it until
    /// it expires there), `paid`, `declined`, `canceled`, `expired`.
    pub status: CheckoutStatus,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// The provider's own reference (WeChat Pay's prepay, Alipay's nothing until paid).
    #[sea_orm(column_type = "Text", nullable)]
    pub provider_ref: Option<String>,
    /// The text of the QR code to scan, for providers whose flow is a scan.
    #[sea_orm(column_type = "Text", nullable)]
    pub qr_code: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
