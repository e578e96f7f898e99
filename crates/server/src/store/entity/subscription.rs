use entitle_domain::Cycle;
use entitle_domain::PaymentMethod;
use entitle_domain::subscription::SubscriptionStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub account_id: Uuid,
    pub product_code: String,
    pub cycle: Cycle,
    pub quantity: i32,
    pub status: SubscriptionStatus,
    pub trial: bool,
    pub auto_renew: bool,
    /// Where the first period started: the k-th period ends k cycles after it.
    pub anchor_at: DateTimeUtc,
    pub current_period_start: DateTimeUtc,
    pub current_period_end: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The saved method renewals are charged to.
    pub payment_method: Option<PaymentMethod>,
    /// The order that created it.
    pub order_id: Option<Uuid>,
    /// Renewal charges failed in a row for the current period.
    pub renewal_failures: i32,
    /// When a failed renewal is charged again.
    pub next_retry_at: Option<DateTimeUtc>,
    /// The provider's reference to the method the first payment saved (Stripe
    /// `cus_…/pm_…`, a PayPal vault id), never card data; `None`: nothing saved, so where
    /// the provider needs one the customer pays to renew.
    #[sea_orm(column_type = "String(StringLen::N(200))", nullable)]
    pub payment_token: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
