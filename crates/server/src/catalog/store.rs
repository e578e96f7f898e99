//! Products and their prices between the tables and the domain's [`Product`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entitle_domain::catalog::{BonusGrant, Price, Product, ProductCode};
use entitle_domain::machines::Licensing;
use entitle_domain::{Cycle, Money};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::error::{ServiceError, ServiceResult};
use crate::store::entity::{product, product_price};

/// How a price without a cycle (a one-time product's) is keyed in the table.
const ONCE: &str = "once";

fn corrupt(what: &str, value: impl std::fmt::Debug) -> ServiceError {
    ServiceError::Corrupt(format!("{what} {value:?}"))
}

fn to_u32(value: i32, what: &str) -> ServiceResult<u32> {
    u32::try_from(value).map_err(|_| corrupt(what, value))
}

fn from_u32(value: u32) -> ServiceResult<i32> {
    i32::try_from(value).map_err(|_| ServiceError::Invalid(format!("{value} is too large")))
}

fn to_domain(row: product::Model, prices: Vec<product_price::Model>) -> ServiceResult<Product> {
    let prices = prices
        .into_iter()
        .map(|p| {
            let cycle = match p.cycle.as_str() {
                ONCE => None,
                other => Some(
                    other
                        .parse::<Cycle>()
                        .map_err(|_| corrupt("price cycle", other))?,
                ),
            };
            Ok(Price {
                cycle,
                amount: Money::from_minor(p.amount_minor, p.currency),
            })
        })
        .collect::<ServiceResult<Vec<_>>>()?;
    let bonus = match (row.bonus_product, row.bonus_per_unit) {
        (Some(code), Some(per_unit)) => Some(BonusGrant {
            product: ProductCode::parse(&code).map_err(|_| corrupt("bonus product", &code))?,
            per_unit: to_u32(per_unit, "bonus per unit")?,
        }),
        _ => None,
    };
    Ok(Product {
        code: ProductCode::parse(&row.code).map_err(|_| corrupt("product code", &row.code))?,
        name: row.name,
        kind: row.kind,
        family: row.family,
        tier: row.tier.map(|t| to_u32(t, "tier")).transpose()?,
        seat_based: row.seat_based,
        auto_renewable: row.auto_renewable,
        trial_days: row
            .trial_days
            .map(|d| to_u32(d, "trial days"))
            .transpose()?,
        validity_months: row
            .validity_months
            .map(|m| to_u32(m, "validity months"))
            .transpose()?,
        bonus,
        account_kind: row.account_kind,
        one_per_account: row.one_per_account,
        licensing: Licensing {
            binding: row.binding,
            grace_days: to_u32(row.grace_days, "grace days")?,
            heartbeat_seconds: to_u32(row.heartbeat_seconds, "heartbeat seconds")?,
            transfer_limit: to_u32(row.transfer_limit, "transfer limit")?,
            transfer_window_days: to_u32(row.transfer_window_days, "transfer window")?,
        },
        max_quantity: to_u32(row.max_quantity, "max quantity")?,
        active: row.active,
        prices,
    })
}

/// Every product, by code.
pub async fn all(db: &impl ConnectionTrait) -> ServiceResult<Vec<Product>> {
    let rows = product::Entity::find()
        .order_by_asc(product::Column::Code)
        .all(db)
        .await?;
    let mut prices: HashMap<String, Vec<product_price::Model>> = HashMap::new();
    for price in product_price::Entity::find()
        .order_by_asc(product_price::Column::Cycle)
        .order_by_asc(product_price::Column::Currency)
        .all(db)
        .await?
    {
        prices
            .entry(price.product_code.clone())
            .or_default()
            .push(price);
    }
    rows.into_iter()
        .map(|row| {
            let own = prices.remove(&row.code).unwrap_or_default();
            to_domain(row, own)
        })
        .collect()
}

/// One product by code, if it exists.
pub async fn find(db: &impl ConnectionTrait, code: &str) -> ServiceResult<Option<Product>> {
    // What is not a product code names no product, and is never sent to the store: a NUL in
    // it (from a path or a body) would be an error from PostgreSQL, not an absent row.
    if ProductCode::parse(code).is_err() {
        return Ok(None);
    }
    let Some(row) = product::Entity::find_by_id(code.to_owned()).one(db).await? else {
        return Ok(None);
    };
    let prices = product_price::Entity::find()
        .filter(product_price::Column::ProductCode.eq(code))
        .order_by_asc(product_price::Column::Cycle)
        .order_by_asc(product_price::Column::Currency)
        .all(db)
        .await?;
    to_domain(row, prices).map(Some)
}

/// Writes `product` and replaces its prices; `created_at` is kept for an existing product.
pub async fn save(
    db: &impl ConnectionTrait,
    product: &Product,
    existing_created_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let code = product.code.to_string();
    let model = product::ActiveModel {
        code: Set(code.clone()),
        name: Set(product.name.clone()),
        kind: Set(product.kind),
        family: Set(product.family.clone()),
        tier: Set(product.tier.map(from_u32).transpose()?),
        seat_based: Set(product.seat_based),
        auto_renewable: Set(product.auto_renewable),
        trial_days: Set(product.trial_days.map(from_u32).transpose()?),
        validity_months: Set(product.validity_months.map(from_u32).transpose()?),
        bonus_product: Set(product.bonus.as_ref().map(|b| b.product.to_string())),
        bonus_per_unit: Set(product
            .bonus
            .as_ref()
            .map(|b| from_u32(b.per_unit))
            .transpose()?),
        account_kind: Set(product.account_kind),
        one_per_account: Set(product.one_per_account),
        binding: Set(product.licensing.binding),
        grace_days: Set(from_u32(product.licensing.grace_days)?),
        heartbeat_seconds: Set(from_u32(product.licensing.heartbeat_seconds)?),
        transfer_limit: Set(from_u32(product.licensing.transfer_limit)?),
        transfer_window_days: Set(from_u32(product.licensing.transfer_window_days)?),
        max_quantity: Set(from_u32(product.max_quantity)?),
        active: Set(product.active),
        created_at: Set(existing_created_at.unwrap_or(now)),
        updated_at: Set(now),
    };
    if existing_created_at.is_some() {
        model.update(db).await?;
        product_price::Entity::delete_many()
            .filter(product_price::Column::ProductCode.eq(code.clone()))
            .exec(db)
            .await?;
    } else {
        model.insert(db).await?;
    }
    let prices = product
        .prices
        .iter()
        .map(|price| {
            let minor = price
                .amount
                .to_minor()
                .map_err(|e| ServiceError::Invalid(format!("price {}: {e}", price.amount)))?;
            Ok(product_price::ActiveModel {
                product_code: Set(code.clone()),
                cycle: Set(price
                    .cycle
                    .map_or_else(|| ONCE.to_owned(), |c| c.to_string())),
                currency: Set(price.amount.currency()),
                amount_minor: Set(minor),
            })
        })
        .collect::<ServiceResult<Vec<_>>>()?;
    product_price::Entity::insert_many(prices).exec(db).await?;
    Ok(())
}

/// When the product was created, if it exists.
pub async fn created_at(
    db: &impl ConnectionTrait,
    code: &str,
) -> ServiceResult<Option<DateTime<Utc>>> {
    Ok(product::Entity::find_by_id(code.to_owned())
        .one(db)
        .await?
        .map(|row| row.created_at))
}
