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
    pub outcome: String,
    pub amount_minor: i64,
    pub currency: String,
    pub payment_method: String,
    pub occurred_at: DateTimeUtc,
    /// When the merchant answered the callback with 2xx.
    pub delivered_at: Option<DateTimeUtc>,
    pub attempts: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
