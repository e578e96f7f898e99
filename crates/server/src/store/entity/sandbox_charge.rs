use entitle_domain::Currency;
use entitle_domain::PaymentMethod;
use entitle_domain::checkout::PaymentOutcome;
use sea_orm::entity::prelude::*;

/// The sandbox provider's own ledger: every payment it took or declined, and whether the
/// merchant acknowledged its callback (what a real provider keeps on its side).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sandbox_charges")]
pub struct Model {
    /// Also the callback's `event_id`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The checkout session; `None` for saved-method charges.
    pub session_id: Option<Uuid>,
    pub order_id: Uuid,
    /// `succeeded` or `declined`.
    pub outcome: PaymentOutcome,
    pub amount_minor: i64,
    pub currency: Currency,
    pub payment_method: PaymentMethod,
    pub occurred_at: DateTimeUtc,
    /// When the merchant answered the callback with 2xx.
    pub delivered_at: Option<DateTimeUtc>,
    pub attempts: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
