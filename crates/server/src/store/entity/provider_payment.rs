use entitle_domain::Currency;
use entitle_domain::checkout::FoundBy;
use entitle_domain::checkout::PaymentOutcome;
use sea_orm::entity::prelude::*;

/// Every payment a provider reported, once per provider payment id (a unique index): the
/// record that the same payment told twice, or by callback and reconciliation both, is one
/// payment.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "provider_payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub provider: String,
    /// Alipay's `trade_no`, WeChat Pay's `transaction_id`, the sandbox's charge id.
    pub provider_payment_id: String,
    pub order_id: Uuid,
    pub session_id: Option<Uuid>,
    /// `succeeded` or `declined`.
    pub outcome: PaymentOutcome,
    pub amount_minor: i64,
    pub currency: Currency,
    pub occurred_at: DateTimeUtc,
    pub recorded_at: DateTimeUtc,
    /// `callback`, `return`, `reconcile` or `charge`: how the news arrived first.
    pub found_by: FoundBy,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
