//! Issuing, listing, rotating and revoking API keys: an account's (DESIGN.md §7) and the
//! vendor's stored admin keys, which let the bootstrap key be retired. Every change is audited
//! in its own transaction, with the prefix only: a secret never reaches the log.

use chrono::{DateTime, Utc};
use entitle_domain::Clock;
use entitle_domain::account::KeyRole;
use entitle_domain::api::ProblemCode;
use entitle_domain::api::{ApiKeyInput, ApiKeyList, ApiKeyView, CreatedApiKey};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::service::load;
use crate::audit::{Actor, Change};
use crate::auth::cache::KeyCache;
use crate::auth::{Principal, keys};
use crate::error::{ServiceError, ServiceResult};
use crate::store::entity::api_key;

fn key_view(row: &api_key::Model) -> ApiKeyView {
    ApiKeyView {
        id: row.id,
        name: row.name.clone(),
        prefix: row.prefix.clone(),
        created_at: row.created_at,
        revoked_at: row.revoked_at.into(),
    }
}

fn created(row: api_key::Model, secret: String) -> CreatedApiKey {
    CreatedApiKey {
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        key: secret,
        created_at: row.created_at,
        account_id: row.account_id.into(),
    }
}

fn valid_name(input: &ApiKeyInput) -> ServiceResult<&str> {
    input.check_text()?;
    let name = input.name.trim();
    if name.is_empty() {
        return Err(ServiceError::Invalid("name must not be blank".to_owned()));
    }
    Ok(name)
}

/// Stores a key for `account_id` (`None`: an admin key) and its audit entry in one
/// transaction, on `db`.
async fn issue(
    db: &impl ConnectionTrait,
    actor: Actor,
    now: DateTime<Utc>,
    account_id: Option<Uuid>,
    name: &str,
    rotated_from: Option<Uuid>,
) -> ServiceResult<(api_key::Model, String)> {
    let (key, secret) = keys::create(db, now, account_id, name).await?;
    Change::new(actor, "api_key.created", "api_key", key.id)
        .account(account_id)
        .after(&json!({
            "name": key.name,
            "prefix": key.prefix,
            "role": key.role,
            "rotated_from": rotated_from,
        }))
        .record(db, now)
        .await?;
    Ok((key, secret))
}

/// Issues an API key for an account (admin only); the secret is in the answer and nowhere
/// else.
pub async fn create_for_account(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    principal: Principal,
    account_id: Uuid,
    input: ApiKeyInput,
) -> ServiceResult<CreatedApiKey> {
    principal.require_admin()?;
    let account = load(db, principal, account_id).await?;
    let name = valid_name(&input)?;
    let txn = db.begin().await?;
    let (key, secret) = issue(
        &txn,
        principal.into(),
        clock.now(),
        Some(account.id),
        name,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(created(key, secret))
}

/// Issues a stored admin key (admin only): unlike the bootstrap key it can be rotated and
/// revoked, and the audit log names it, so the bootstrap key can be retired once one exists.
pub async fn create_admin(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    principal: Principal,
    input: ApiKeyInput,
) -> ServiceResult<CreatedApiKey> {
    principal.require_admin()?;
    let name = valid_name(&input)?;
    let txn = db.begin().await?;
    let (key, secret) = issue(&txn, principal.into(), clock.now(), None, name, None).await?;
    txn.commit().await?;
    Ok(created(key, secret))
}

/// An account's keys, by prefix (admin, or the account's own key).
pub async fn list_for_account(
    db: &DatabaseConnection,
    principal: Principal,
    account_id: Uuid,
) -> ServiceResult<ApiKeyList> {
    load(db, principal, account_id).await?;
    let rows = api_key::Entity::find()
        .filter(api_key::Column::AccountId.eq(account_id))
        .order_by_asc(api_key::Column::Id)
        .all(db)
        .await?;
    Ok(ApiKeyList {
        items: rows.iter().map(key_view).collect(),
    })
}

/// The stored admin keys, by prefix (admin only; the bootstrap key is not stored).
pub async fn list_admin(
    db: &DatabaseConnection,
    principal: Principal,
) -> ServiceResult<ApiKeyList> {
    principal.require_admin()?;
    let rows = api_key::Entity::find()
        .filter(api_key::Column::AccountId.is_null())
        .filter(api_key::Column::Role.eq(KeyRole::Admin))
        .order_by_asc(api_key::Column::Id)
        .all(db)
        .await?;
    Ok(ApiKeyList {
        items: rows.iter().map(key_view).collect(),
    })
}

/// A key the principal may manage: an account's own keys (or any, for an admin); admin keys
/// for an admin only. Anything else is `not_found`, so its existence is never revealed.
async fn load_key(
    db: &DatabaseConnection,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<api_key::Model> {
    let row = api_key::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("API key"))?;
    match row.account_id {
        Some(owner) => principal.require_owner(owner, "API key")?,
        None if principal.is_admin() => {}
        None => return Err(ServiceError::NotFound("API key")),
    }
    Ok(row)
}

/// Marks `row` revoked at `now` on `db` if it is not yet; whether this call revoked it (a
/// conditional update, so two revocations at once record one).
async fn mark_revoked(
    db: &impl ConnectionTrait,
    row: &api_key::Model,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let updated = api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(now))
        .filter(api_key::Column::Id.eq(row.id))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Revokes a key: it stops working at once on this instance, and within the key cache's TTL
/// on another (see `auth::cache`). Revoking a revoked key changes nothing and logs nothing.
pub async fn revoke(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    verified_keys: &KeyCache,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<ApiKeyView> {
    let row = load_key(db, principal, id).await?;
    let now = clock.now();
    let txn = db.begin().await?;
    if mark_revoked(&txn, &row, now).await? {
        Change::new(principal.into(), "api_key.revoked", "api_key", id)
            .account(row.account_id)
            .states(
                &json!({ "prefix": row.prefix, "revoked_at": null }),
                &json!({ "prefix": row.prefix, "revoked_at": now }),
            )
            .record(&txn, now)
            .await?;
    }
    txn.commit().await?;
    verified_keys.forget(&row.key_hash);
    let row = load_key(db, principal, id).await?;
    Ok(key_view(&row))
}

/// Rotates a key: a new secret with the same name and owner, shown once; the old key is
/// revoked in the same transaction, so exactly one of the two works at any moment.
pub async fn rotate(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    verified_keys: &KeyCache,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<CreatedApiKey> {
    let row = load_key(db, principal, id).await?;
    let revoked = || ServiceError::Conflict {
        code: ProblemCode::ApiKeyRevoked,
        detail: "a revoked key cannot be rotated: create a new one".to_owned(),
    };
    if row.revoked_at.is_some() {
        return Err(revoked());
    }
    let now = clock.now();
    let actor = Actor::from(principal);
    let txn = db.begin().await?;
    if !mark_revoked(&txn, &row, now).await? {
        // Revoked by another request since it was read: the transaction is dropped unchanged.
        return Err(revoked());
    }
    let (key, secret) = issue(&txn, actor, now, row.account_id, &row.name, Some(row.id)).await?;
    Change::new(actor, "api_key.rotated", "api_key", row.id)
        .account(row.account_id)
        .states(
            &json!({ "prefix": row.prefix, "revoked_at": null }),
            &json!({
                "prefix": row.prefix,
                "revoked_at": now,
                "replaced_by": key.id,
            }),
        )
        .record(&txn, now)
        .await?;
    txn.commit().await?;
    verified_keys.forget(&row.key_hash);
    Ok(created(key, secret))
}
