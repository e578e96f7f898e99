//! Licenses between the table and the API's [`License`].

use chrono::{DateTime, Utc};
use entitle_domain::api::License;
use entitle_domain::fulfillment::LicenseGrant;
use entitle_domain::licenses::{LicenseState, LicenseStatus};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::error::ServiceResult;
use crate::store::entity::license;

/// Crockford's base32: no I, L, O or U, so a key read aloud or typed is unambiguous.
const KEY_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new license key: the product's code, then four groups of five random characters (100
/// bits), e.g. `DR-7KQ2M-0ZP4X-HV9TA-31NEW`.
pub fn new_key(product: &str) -> String {
    let mut rng = rand::rng();
    let groups: Vec<String> = (0..4)
        .map(|_| {
            (0..5)
                .map(|_| char::from(KEY_ALPHABET[rng.random_range(0..KEY_ALPHABET.len())]))
                .collect()
        })
        .collect();
    format!("{}-{}", product.to_ascii_uppercase(), groups.join("-"))
}

/// Where granted licenses belong.
#[derive(Debug, Clone, Copy)]
pub struct Owner {
    pub account_id: Uuid,
    pub subscription_id: Option<Uuid>,
    pub order_id: Option<Uuid>,
}

/// Inserts the licenses of `grant` and returns them.
pub async fn insert_grant(
    db: &impl ConnectionTrait,
    owner: Owner,
    grant: &LicenseGrant,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<license::Model>> {
    let rows = granted(owner, grant, now);
    insert(db, &rows).await?;
    Ok(rows)
}

/// The licenses `grant` makes for `owner`, not yet stored: a batch job gathers several
/// grants' rows and stores them with one [`insert`].
pub fn granted(owner: Owner, grant: &LicenseGrant, now: DateTime<Utc>) -> Vec<license::Model> {
    (0..grant.count)
        .map(|_| license::Model {
            id: Uuid::now_v7(),
            key: new_key(grant.product.as_str()),
            account_id: owner.account_id,
            product_code: grant.product.to_string(),
            subscription_id: owner.subscription_id,
            order_id: owner.order_id,
            source: grant.source,
            status: LicenseStatus::Active,
            valid_from: grant.valid_from,
            valid_until: grant.valid_until,
            host: None,
            consumed_at: None,
            consumed_reference: None,
            consumed_run_id: None,
            created_at: now,
            updated_at: now,
        })
        .collect()
}

/// Stores `rows`, 500 to a statement (well inside both databases' limits on parameters).
pub async fn insert(db: &impl ConnectionTrait, rows: &[license::Model]) -> ServiceResult<()> {
    for chunk in rows.chunks(500) {
        let models = chunk.iter().cloned().map(active).collect::<Vec<_>>();
        license::Entity::insert_many(models).exec(db).await?;
    }
    Ok(())
}

fn active(row: license::Model) -> license::ActiveModel {
    license::ActiveModel {
        id: Set(row.id),
        key: Set(row.key),
        account_id: Set(row.account_id),
        product_code: Set(row.product_code),
        subscription_id: Set(row.subscription_id),
        order_id: Set(row.order_id),
        source: Set(row.source),
        status: Set(row.status),
        valid_from: Set(row.valid_from),
        valid_until: Set(row.valid_until),
        host: Set(row.host),
        consumed_at: Set(row.consumed_at),
        consumed_reference: Set(row.consumed_reference),
        consumed_run_id: Set(row.consumed_run_id),
        created_at: Set(row.created_at),
        updated_at: Set(row.updated_at),
    }
}

/// Expires the active licenses `which` selects, at `now` (DESIGN.md §3: a consumed one stays
/// consumed); conditional on their being active, so a license is expired once. Returns how
/// many were.
pub async fn expire_active(
    db: &impl ConnectionTrait,
    which: Condition,
    now: DateTime<Utc>,
) -> ServiceResult<u64> {
    Ok(license::Entity::update_many()
        .col_expr(license::Column::Status, Expr::value(LicenseStatus::Expired))
        .col_expr(license::Column::UpdatedAt, Expr::value(now))
        .filter(which)
        .filter(license::Column::Status.eq(LicenseStatus::Active))
        .exec(db)
        .await?
        .rows_affected)
}

/// The facts the license rules decide on.
pub fn state(row: &license::Model) -> LicenseState {
    LicenseState {
        stored: row.status,
        valid_from: row.valid_from,
        valid_until: row.valid_until,
    }
}

/// The wire form at `now` (a license past its end reads `expired`).
pub fn view(row: license::Model, now: DateTime<Utc>) -> License {
    let status = state(&row).status_at(now);
    License {
        id: row.id,
        key: row.key,
        product: row.product_code,
        status,
        valid_from: row.valid_from,
        valid_until: row.valid_until,
        source: row.source,
        order_id: row.order_id.into(),
        subscription_id: row.subscription_id.into(),
        host: row.host.into(),
        consumed_at: row.consumed_at.into(),
        consumed_reference: row.consumed_reference.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_the_product_and_carry_a_hundred_random_bits() {
        let key = new_key("dr");
        assert!(key.starts_with("DR-"));
        let groups: Vec<&str> = key.split('-').skip(1).collect();
        assert_eq!(groups.len(), 4);
        assert!(
            groups
                .iter()
                .all(|g| g.len() == 5 && g.bytes().all(|b| KEY_ALPHABET.contains(&b)))
        );
        assert_ne!(new_key("dr"), key);
    }
}
