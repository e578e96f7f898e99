//! Registering and reading accounts, and issuing their API keys.

use entitle_domain::api::{
    Account, AccountPage, AccountSummary, ApiKeyList, ApiKeyView, CreatedApiKey, NewAccount,
    NewApiKey, ProductCount,
};
use entitle_domain::eligibility::Buyer;
use entitle_domain::licenses::LicenseStatus;
use entitle_domain::orders::{OrderStatus, OrderType};
use entitle_domain::{AccountKind, Region};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::app::AppState;
use crate::audit::{self, Actor, Change};
use crate::auth::{Principal, keys};
use crate::error::{ServiceError, ServiceResult};
use crate::pagination::PageRequest;
use crate::store::entity::{account, api_key, license, order};

/// Renewals due listed in an account's summary (an account has one per subscription at most).
const RENEWALS_SHOWN: u64 = 20;

/// An account as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub id: Uuid,
    pub name: String,
    pub kind: AccountKind,
    pub region: Region,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl AccountRecord {
    pub(crate) fn from_model(model: account::Model) -> ServiceResult<Self> {
        Ok(AccountRecord {
            kind: AccountKind::parse(&model.kind)
                .ok_or_else(|| ServiceError::Corrupt(format!("account kind {:?}", model.kind)))?,
            region: Region::parse(&model.region).ok_or_else(|| {
                ServiceError::Corrupt(format!("account region {:?}", model.region))
            })?,
            id: model.id,
            name: model.name,
            created_at: model.created_at,
        })
    }

    /// The buyer the pricing rules see.
    pub fn buyer(&self) -> Buyer {
        Buyer {
            kind: self.kind,
            region: self.region,
        }
    }

    /// The wire form.
    pub fn view(&self) -> Account {
        Account {
            id: self.id,
            name: self.name.clone(),
            kind: self.kind,
            region: self.region,
            currency: self.region.currency(),
            payment_methods: self.region.payment_methods().to_vec(),
            created_at: self.created_at,
        }
    }
}

/// Registers a customer (admin only). Kind and region are fixed from now on.
pub async fn create(
    state: &AppState,
    principal: Principal,
    input: NewAccount,
) -> ServiceResult<AccountRecord> {
    principal.require_admin()?;
    let name = input.name.trim();
    if name.is_empty() {
        return Err(ServiceError::Invalid("name must not be blank".to_owned()));
    }
    let model = account::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.to_owned()),
        kind: Set(input.kind.as_str().to_owned()),
        region: Set(input.region.as_str().to_owned()),
        created_at: Set(state.clock.now()),
    }
    .insert(&state.db)
    .await?;
    AccountRecord::from_model(model)
}

/// Loads an account the principal may see; another account's is `not_found`.
pub async fn load(
    state: &AppState,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<AccountRecord> {
    principal.require_account(id)?;
    let model = account::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("account"))?;
    AccountRecord::from_model(model)
}

/// Checks that the principal may read `id`'s lists. An account key's own account exists (its
/// key references it), so that costs no query; an admin's asks the database.
pub async fn ensure_visible(state: &AppState, principal: Principal, id: Uuid) -> ServiceResult<()> {
    match principal {
        Principal::Account(own) if own == id => Ok(()),
        Principal::Account(_) => Err(ServiceError::NotFound("account")),
        Principal::Admin => load(state, principal, id).await.map(|_| ()),
    }
}

/// One page of accounts, oldest first (admin only).
pub async fn list(
    state: &AppState,
    principal: Principal,
    page: PageRequest,
) -> ServiceResult<AccountPage> {
    principal.require_admin()?;
    let query = account::Entity::find().order_by_asc(account::Column::Id);
    let (rows, next_cursor) = page
        .load(&state.db, query, account::Column::Id, |row| row.id)
        .await?;
    let items = rows
        .into_iter()
        .map(|row| AccountRecord::from_model(row).map(|a| a.view()))
        .collect::<ServiceResult<_>>()?;
    Ok(AccountPage { items, next_cursor })
}

/// Issues an API key for an account (admin only); the secret is in the answer and nowhere
/// else.
pub async fn create_api_key(
    state: &AppState,
    principal: Principal,
    account_id: Uuid,
    input: NewApiKey,
) -> ServiceResult<CreatedApiKey> {
    principal.require_admin()?;
    let account = load(state, principal, account_id).await?;
    let name = input.name.trim();
    if name.is_empty() {
        return Err(ServiceError::Invalid("name must not be blank".to_owned()));
    }
    let (key, secret) = keys::create(state, Some(account.id), name).await?;
    audit::record(
        &state.db,
        key.created_at,
        vec![Change {
            actor: Actor::from(principal),
            account_id: Some(account.id),
            action: "api_key.created",
            entity: "api_key",
            entity_id: key.id,
            before: None,
            // The prefix only: the secret never reaches the log.
            after: Some(serde_json::json!({ "name": key.name, "prefix": key.prefix })),
        }],
    )
    .await?;
    Ok(CreatedApiKey {
        id: key.id,
        name: key.name,
        prefix: key.prefix,
        key: secret,
        created_at: key.created_at,
    })
}

/// The account at a glance: active licenses per product, what expires within 30 days, and
/// the orders waiting for payment. Counted in the database, so it costs the same at 100 000
/// licenses as at ten.
pub async fn summary(
    state: &AppState,
    principal: Principal,
    account_id: Uuid,
) -> ServiceResult<AccountSummary> {
    let account = load(state, principal, account_id).await?;
    let now = state.clock.now();
    let active = || {
        license::Entity::find()
            .filter(license::Column::AccountId.eq(account_id))
            .filter(license::Column::Status.eq(LicenseStatus::Active.as_str()))
            .filter(license::Column::ValidUntil.gt(now))
    };
    let per_product: Vec<(String, i64)> = active()
        .select_only()
        .column(license::Column::ProductCode)
        .column_as(license::Column::Id.count(), "count")
        .group_by(license::Column::ProductCode)
        .order_by_asc(license::Column::ProductCode)
        .into_tuple()
        .all(&state.db)
        .await?;
    let expiring = active()
        .filter(license::Column::ValidUntil.lte(now + chrono::Duration::days(30)))
        .count(&state.db)
        .await?;
    let unpaid = order::Entity::find()
        .filter(order::Column::AccountId.eq(account_id))
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment.as_str()))
        .count(&state.db)
        .await?;
    let mut renewals_due = Vec::new();
    for row in order::Entity::find()
        .filter(order::Column::AccountId.eq(account_id))
        .filter(order::Column::Kind.eq(OrderType::Renewal.as_str()))
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment.as_str()))
        .order_by_asc(order::Column::ExpiresAt)
        .limit(RENEWALS_SHOWN)
        .all(&state.db)
        .await?
    {
        let session = crate::orders::store::session_of(&state.db, row.id).await?;
        renewals_due.push(crate::orders::store::view(row, session)?);
    }
    Ok(AccountSummary {
        renewals_due,
        account: account.view(),
        active_licenses: per_product
            .into_iter()
            .map(|(product, count)| ProductCount {
                product,
                count: u64::try_from(count).unwrap_or(0),
            })
            .collect(),
        expiring_within_30_days: expiring,
        unpaid_orders: unpaid,
    })
}

fn key_view(row: &api_key::Model) -> ApiKeyView {
    ApiKeyView {
        id: row.id,
        name: row.name.clone(),
        prefix: row.prefix.clone(),
        created_at: row.created_at,
        revoked_at: row.revoked_at,
    }
}

/// An account's keys, by prefix (admin, or the account's own key).
pub async fn list_api_keys(
    state: &AppState,
    principal: Principal,
    account_id: Uuid,
) -> ServiceResult<ApiKeyList> {
    load(state, principal, account_id).await?;
    let rows = api_key::Entity::find()
        .filter(api_key::Column::AccountId.eq(account_id))
        .order_by_asc(api_key::Column::Id)
        .all(&state.db)
        .await?;
    Ok(ApiKeyList {
        items: rows.iter().map(key_view).collect(),
    })
}

async fn load_key(
    state: &AppState,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<api_key::Model> {
    let row = api_key::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("API key"))?;
    let owner = row.account_id.ok_or(ServiceError::NotFound("API key"))?;
    principal.require_owner(owner, "API key")?;
    Ok(row)
}

/// Revokes a key: it stops working at once (every request looks the key up).
pub async fn revoke_api_key(
    state: &AppState,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<ApiKeyView> {
    let row = load_key(state, principal, id).await?;
    let now = state.clock.now();
    if row.revoked_at.is_none() {
        api_key::Entity::update_many()
            .col_expr(
                api_key::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(api_key::Column::Id.eq(id))
            .filter(api_key::Column::RevokedAt.is_null())
            .exec(&state.db)
            .await?;
        state.verified_keys.forget(&row.key_hash);
        audit::record(
            &state.db,
            now,
            vec![Change {
                actor: Actor::from(principal),
                account_id: row.account_id,
                action: "api_key.revoked",
                entity: "api_key",
                entity_id: id,
                before: Some(serde_json::json!({ "prefix": row.prefix })),
                after: Some(serde_json::json!({ "prefix": row.prefix, "revoked_at": now })),
            }],
        )
        .await?;
    }
    let row = load_key(state, principal, id).await?;
    Ok(key_view(&row))
}

/// Rotates a key: a new secret with the same name, shown once; the old key is revoked.
pub async fn rotate_api_key(
    state: &AppState,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<CreatedApiKey> {
    let row = load_key(state, principal, id).await?;
    if row.revoked_at.is_some() {
        return Err(ServiceError::Conflict {
            code: "api_key_revoked",
            detail: "a revoked key cannot be rotated: create a new one".to_owned(),
        });
    }
    let account = row.account_id.ok_or(ServiceError::NotFound("API key"))?;
    let (created, secret) = keys::create(state, Some(account), &row.name).await?;
    revoke_api_key(state, principal, id).await?;
    Ok(CreatedApiKey {
        id: created.id,
        name: created.name,
        prefix: created.prefix,
        key: secret,
        created_at: created.created_at,
    })
}
