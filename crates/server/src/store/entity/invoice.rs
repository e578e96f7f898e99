use entitle_domain::Currency;
use entitle_domain::invoices::InvoiceStatus;
use entitle_domain::invoices::InvoiceType;
use sea_orm::Set;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub account_id: Uuid,
    #[sea_orm(column_name = "type")]
    pub kind: InvoiceType,
    /// `requested` (changeable) or `issued` (final).
    pub status: InvoiceStatus,
    /// The buyer's details, JSON.
    #[sea_orm(column_type = "Text")]
    pub buyer: String,
    pub number: Option<String>,
    pub currency: Currency,
    pub total_minor: i64,
    pub net_minor: Option<i64>,
    pub tax_minor: Option<i64>,
    /// The VAT rate applied at issue, as a decimal string (`0.06`).
    pub vat_rate: Option<String>,
    pub requested_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub issued_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl ActiveModel {
    /// A new invoice request for an order: requested, not yet numbered or taxed (DESIGN.md §6,
    /// the weekly batch issues it). The one place a request's initial state is written.
    pub fn requested(
        order_id: Uuid,
        account_id: Uuid,
        kind: InvoiceType,
        buyer: String,
        currency: Currency,
        total_minor: i64,
        now: DateTimeUtc,
    ) -> Self {
        ActiveModel {
            id: Set(Uuid::now_v7()),
            order_id: Set(order_id),
            account_id: Set(account_id),
            kind: Set(kind),
            status: Set(InvoiceStatus::Requested),
            buyer: Set(buyer),
            number: Set(None),
            currency: Set(currency),
            total_minor: Set(total_minor),
            net_minor: Set(None),
            tax_minor: Set(None),
            vat_rate: Set(None),
            requested_at: Set(now),
            updated_at: Set(now),
            issued_at: Set(None),
        }
    }
}
