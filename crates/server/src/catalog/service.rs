//! Reading and editing the catalog.

use entitle_domain::Clock;
use entitle_domain::Product;
use entitle_domain::api::ProblemCode;
use entitle_domain::api::{ProductInput, ProductView};
use sea_orm::DatabaseConnection;
use sea_orm::TransactionTrait;

use super::store;
use crate::audit::{self, Actor, Change};
use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult};

/// Every product with its prices in every currency (any key).
pub async fn list(db: &DatabaseConnection) -> ServiceResult<Vec<Product>> {
    store::all(db).await
}

/// One product (any key).
pub async fn get(db: &DatabaseConnection, code: &str) -> ServiceResult<Product> {
    store::find(db, code)
        .await?
        .ok_or(ServiceError::NotFound("product"))
}

/// A product named in a request: an unknown one is the request's fault, not a missing page.
pub async fn named(db: &DatabaseConnection, code: &str) -> ServiceResult<Product> {
    store::find(db, code)
        .await?
        .ok_or_else(|| ServiceError::UnknownProduct(format!("no product {code:?} in the catalog")))
}

/// The codes of every product in `product`'s family (its editions), itself included.
pub async fn family_codes(
    db: &DatabaseConnection,
    product: &Product,
) -> ServiceResult<Vec<String>> {
    Ok(list(db)
        .await?
        .into_iter()
        .filter(|p| p.same_family(product))
        .map(|p| p.code.to_string())
        .collect())
}

/// Creates a product (admin). Its code must be new.
pub async fn create(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    principal: Principal,
    input: ProductInput,
) -> ServiceResult<Product> {
    principal.require_admin()?;
    save(db, clock, principal, input, None).await
}

/// Replaces an existing product's definition and prices (admin). Its code never changes.
pub async fn update(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    principal: Principal,
    code: &str,
    input: ProductInput,
) -> ServiceResult<Product> {
    principal.require_admin()?;
    if input.code != code {
        return Err(ServiceError::Invalid(format!(
            "the body's code {:?} differs from the path's {code:?}: a product's code never changes",
            input.code
        )));
    }
    save(db, clock, principal, input, Some(code)).await
}

async fn save(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    principal: Principal,
    input: ProductInput,
    existing: Option<&str>,
) -> ServiceResult<Product> {
    let product = input
        .to_product()
        .map_err(|e| ServiceError::Invalid(e.to_string()))?;
    let now = clock.now();
    let txn = db.begin().await?;
    let created_at = store::created_at(&txn, product.code.as_str()).await?;
    match (existing, created_at) {
        (None, Some(_)) => {
            return Err(ServiceError::Conflict {
                code: ProblemCode::ProductExists,
                detail: format!("product {} exists: update it with PUT", product.code),
            });
        }
        (Some(_), None) => return Err(ServiceError::NotFound("product")),
        _ => {}
    }
    if let Some(bonus) = &product.bonus {
        let granted = store::find(&txn, bonus.product.as_str()).await?;
        if !granted.is_some_and(|p| p.kind == entitle_domain::ProductKind::OneTime) {
            return Err(ServiceError::Invalid(format!(
                "bonus product {} must be an existing one-time product",
                bonus.product
            )));
        }
    }
    let before = match existing {
        Some(code) => store::find(&txn, code).await?,
        None => None,
    };
    store::save(&txn, &product, created_at, now).await?;
    // In the save's transaction (DESIGN.md §7), with the prices before and after.
    Change::new(
        Actor::from(principal),
        if before.is_some() {
            "product.updated"
        } else {
            "product.created"
        },
        "product",
        audit::name_id("product", product.code.as_str()),
    )
    .before(
        &before
            .as_ref()
            .and_then(|p| audit::snapshot(&ProductView::from(p))),
    )
    .after(&ProductView::from(&product))
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(product)
}
