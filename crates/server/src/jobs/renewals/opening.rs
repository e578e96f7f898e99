//! Opening renewal orders (DESIGN.md §4): the order for a subscription's next term, priced as
//! the catalog prices it now (`entitle_domain::pricing::quote_renewal`), stored with its
//! `order.created` audit entry. Both ways of renewing open theirs here: the round's charged
//! renewals, many in one transaction, and pay to renew (`jobs::pay_to_renew`, DESIGN.md §8),
//! one at a time with its checkout.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entitle_domain::api::Order;
use entitle_domain::catalog::Product;
use entitle_domain::orders::{OrderStatus, OrderType};
use entitle_domain::pricing::quote_renewal;
use entitle_domain::renewal::next_period;
use entitle_domain::{Currency, Refusal};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use crate::accounts::service::AccountRecord;
use crate::audit::{self, Actor, Change};
use crate::catalog::store as catalog;
use crate::error::{ServiceError, ServiceResult};
use crate::orders::store as order_store;
use crate::store::entity::{account, order, subscription};

/// Orders per multi-row `INSERT`.
const PER_INSERT: usize = 500;

/// What renewal orders are priced from, read once for many of them rather than once per
/// order: the owners' currencies (by region, DESIGN.md §2) and the products.
pub(in crate::jobs) struct PriceList {
    currencies: HashMap<Uuid, Currency>,
    products: HashMap<String, Product>,
}

impl PriceList {
    /// The prices of the next terms of `subs`.
    pub(in crate::jobs) async fn read(
        db: &DatabaseConnection,
        subs: &[subscription::Model],
    ) -> ServiceResult<PriceList> {
        let accounts: HashSet<Uuid> = subs.iter().map(|sub| sub.account_id).collect();
        let mut currencies = HashMap::new();
        for owner in account::Entity::find()
            .filter(account::Column::Id.is_in(accounts))
            .all(db)
            .await?
        {
            let record = AccountRecord::from(owner);
            currencies.insert(record.id, record.region.currency());
        }
        let mut products = HashMap::new();
        for code in subs.iter().map(|sub| &sub.product_code) {
            if !products.contains_key(code) {
                let product = catalog::find(db, code)
                    .await?
                    .ok_or(ServiceError::NotFound("product"))?;
                products.insert(code.clone(), product);
            }
        }
        Ok(PriceList {
            currencies,
            products,
        })
    }

    /// The products read, by code.
    pub(in crate::jobs) fn products(&self) -> &HashMap<String, Product> {
        &self.products
    }
}

/// The renewal order for the subscription's next term, priced as the catalog prices it now,
/// under the idempotency key `key` (unique per account: one order per term and attempt).
pub(in crate::jobs) fn renewal_order(
    prices: &PriceList,
    sub: &subscription::Model,
    key: &str,
    now: DateTime<Utc>,
) -> ServiceResult<order::Model> {
    let currency = *prices
        .currencies
        .get(&sub.account_id)
        .ok_or(ServiceError::NotFound("account"))?;
    let product = prices
        .products
        .get(&sub.product_code)
        .ok_or(ServiceError::NotFound("product"))?;
    let cycle = sub.cycle;
    let quantity = u32::try_from(sub.quantity)
        .map_err(|_| ServiceError::Corrupt(format!("quantity {}", sub.quantity)))?;
    let (start, end) = next_period(sub.anchor_at, cycle, sub.current_period_end)
        .ok_or(Refusal::AmountOutOfRange)?;
    let quote = quote_renewal(product, cycle, quantity, currency, start, end)?;
    let lines = entitle_domain::api::QuoteView::new(&quote, &[]).lines;
    Ok(order::Model {
        id: Uuid::now_v7(),
        account_id: sub.account_id,
        kind: OrderType::Renewal,
        status: OrderStatus::PendingPayment,
        product_code: sub.product_code.clone(),
        cycle: Some(sub.cycle),
        quantity: sub.quantity,
        periods: 1,
        subscription_id: Some(sub.id),
        auto_renew: Some(true),
        lines: serde_json::to_string(&lines).map_err(|e| ServiceError::Corrupt(e.to_string()))?,
        currency,
        total_minor: quote
            .total
            .to_minor()
            .map_err(|_| Refusal::AmountOutOfRange)?,
        payment_method: sub.payment_method,
        return_url: None,
        idempotency_key: Some(key.to_owned()),
        request_hash: None,
        created_at: now,
        expires_at: None,
        paid_at: None,
        canceled_at: None,
        updated_at: now,
        term_start: Some(start),
        claim: None,
    })
}

/// Inserts the renewal orders `rows` on `txn`. A unique violation means another server opened
/// one of them first (DESIGN.md §4: claimed once, by the key's unique index); the caller rolls
/// back and leaves that term to it.
pub(in crate::jobs) async fn insert(
    txn: &DatabaseTransaction,
    rows: &[order::Model],
) -> Result<(), DbErr> {
    for chunk in rows.chunks(PER_INSERT) {
        order::Entity::insert_many(
            chunk
                .iter()
                .map(|row| order::ActiveModel::from(row.clone()).reset_all()),
        )
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}

/// The `order.created` audit entry of the renewal order `view`: the server opened it
/// (DESIGN.md §7).
pub(in crate::jobs) fn created(view: &Order) -> Change<'static> {
    Change::new(Actor::System, "order.created", "order", view.id)
        .account(view.account_id)
        .after(view)
}

/// Stores the renewal orders `rows` and their `order.created` audit entries, in one
/// transaction (a unique violation means another server opened one of them first).
pub(super) async fn open_renewals(
    db: &DatabaseConnection,
    rows: &[order::Model],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let txn = db.begin().await?;
    insert(&txn, rows).await?;
    let changes = rows
        .iter()
        // A renewal has no checkout session: the order as inserted is its whole view.
        .map(|row| Ok(created(&order_store::view(row.clone(), None)?)))
        .collect::<ServiceResult<Vec<_>>>()?;
    audit::record(&txn, now, changes).await?;
    txn.commit().await?;
    Ok(())
}

/// Opens the renewal order of one subscription under `key`.
pub(super) async fn open_renewal(
    db: &DatabaseConnection,
    prices: &PriceList,
    sub: &subscription::Model,
    key: &str,
    now: DateTime<Utc>,
) -> ServiceResult<order::Model> {
    let row = renewal_order(prices, sub, key, now)?;
    open_renewals(db, std::slice::from_ref(&row), now).await?;
    Ok(row)
}
