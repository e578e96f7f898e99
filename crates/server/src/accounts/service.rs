//! Registering and reading accounts (their API keys are in `accounts::keys`).

use entitle_domain::api::{
    Account, AccountInput, AccountPage, AccountSummary, AccountUpdate, ProductCount,
};
use entitle_domain::eligibility::Buyer;
use entitle_domain::licenses::LicenseStatus;
use entitle_domain::mail::{Email, Language};
use entitle_domain::orders::{OrderStatus, OrderType};
use entitle_domain::{AccountKind, Clock, Region};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use crate::audit::{Actor, Change};
use crate::auth::{Principal, Role};
use crate::error::{ServiceError, ServiceResult};
use crate::pagination::PageRequest;
use crate::store::entity::{account, license, message, order};

/// Renewals due listed in an account's summary (an account has one per subscription at most).
const RENEWALS_SHOWN: u64 = 20;
/// The latest messages an account's summary shows (the console's Home).
const MESSAGES_SHOWN: u64 = 3;

/// An account as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub id: Uuid,
    pub name: String,
    pub kind: AccountKind,
    pub region: Region,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The billing contact, if given.
    pub email: Option<String>,
    /// The language chosen for its messages; `None`: its region's.
    pub language: Option<Language>,
}

impl From<account::Model> for AccountRecord {
    fn from(model: account::Model) -> Self {
        AccountRecord {
            kind: model.kind,
            region: model.region,
            id: model.id,
            name: model.name,
            created_at: model.created_at,
            email: model.email,
            language: model.language,
        }
    }
}

impl AccountRecord {
    /// The buyer the pricing rules see.
    pub fn buyer(&self) -> Buyer {
        Buyer {
            kind: self.kind,
            region: self.region,
        }
    }

    /// The language its messages are written in: its own choice, else its region's.
    pub fn language(&self) -> Language {
        self.language
            .unwrap_or_else(|| Language::of_region(self.region))
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
            email: self.email.clone().into(),
            language: self.language(),
            created_at: self.created_at,
        }
    }
}

/// Registers a customer (admin only). Kind and region are fixed from now on.
pub async fn create(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    principal: Principal,
    input: AccountInput,
) -> ServiceResult<AccountRecord> {
    principal.require_admin()?;
    input.check_text()?;
    let name = input.name.trim();
    if name.is_empty() {
        return Err(ServiceError::Invalid("name must not be blank".to_owned()));
    }
    let email = input.email.as_deref().map(contact).transpose()?;
    let now = clock.now();
    let txn = db.begin().await?;
    let model = account::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.to_owned()),
        kind: Set(input.kind),
        region: Set(input.region),
        created_at: Set(now),
        email: Set(email),
        language: Set(input.language),
    }
    .insert(&txn)
    .await?;
    let account = AccountRecord::from(model);
    // In the insert's transaction (DESIGN.md §7): an account exists only with its entry.
    Change::new(
        Actor::from(principal),
        "account.created",
        "account",
        account.id,
    )
    .account(account.id)
    .after(&account.view())
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(account)
}

/// A billing contact as given, checked ([`Email::parse`]).
fn contact(text: &str) -> ServiceResult<String> {
    Email::parse(text)
        .map(|email| email.as_str().to_owned())
        .map_err(|e| ServiceError::Invalid(format!("email: {e}")))
}

/// Changes the billing contact of `id` (the account itself or an admin): the fields given.
pub async fn update(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    principal: Principal,
    id: Uuid,
    input: AccountUpdate,
) -> ServiceResult<AccountRecord> {
    let before = load(db, principal, id).await?;
    let email = input.email.as_deref().map(contact).transpose()?;
    let now = clock.now();
    let txn = db.begin().await?;
    let mut row = account::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    if let Some(email) = email {
        row.email = Set(Some(email));
    }
    if let Some(language) = input.language {
        row.language = Set(Some(language));
    }
    let after = if row.is_changed() {
        AccountRecord::from(row.update(&txn).await?)
    } else {
        before.clone()
    };
    Change::new(Actor::from(principal), "account.updated", "account", id)
        .account(id)
        .states(&before.view(), &after.view())
        .record(&txn, now)
        .await?;
    txn.commit().await?;
    Ok(after)
}

/// Loads an account the principal may see; another account's is `not_found`.
pub async fn load(
    db: &DatabaseConnection,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<AccountRecord> {
    principal.require_account(id)?;
    let model = account::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("account"))?;
    Ok(AccountRecord::from(model))
}

/// Checks that the principal may read `id`'s lists. An account key's own account exists (its
/// key references it), so that costs no query; an admin's asks the database.
pub async fn ensure_visible(
    db: &DatabaseConnection,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<()> {
    match principal.role {
        Role::Account(own) if own == id => Ok(()),
        Role::Account(_) => Err(ServiceError::NotFound("account")),
        Role::Admin => load(db, principal, id).await.map(|_| ()),
    }
}

/// One page of accounts, oldest first (admin only).
pub async fn list(
    db: &DatabaseConnection,
    principal: Principal,
    page: PageRequest,
) -> ServiceResult<AccountPage> {
    principal.require_admin()?;
    let query = account::Entity::find().order_by_asc(account::Column::Id);
    let (rows, next_cursor) = page
        .load(db, query, account::Column::Id, |row| row.id)
        .await?;
    let items = rows
        .into_iter()
        .map(|row| AccountRecord::from(row).view())
        .collect();
    Ok(AccountPage {
        items,
        next_cursor: next_cursor.into(),
    })
}

/// The account at a glance: active licenses per product, what expires within 30 days, and
/// the orders waiting for payment. Counted in the database, so it costs the same at 100 000
/// licenses as at ten.
pub async fn summary(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    principal: Principal,
    account_id: Uuid,
) -> ServiceResult<AccountSummary> {
    let account = load(db, principal, account_id).await?;
    let now = clock.now();
    let active = || {
        license::Entity::find()
            .filter(license::Column::AccountId.eq(account_id))
            .filter(license::Column::Status.eq(LicenseStatus::Active))
            .filter(license::Column::ValidUntil.gt(now))
    };
    let per_product: Vec<(String, i64)> = active()
        .select_only()
        .column(license::Column::ProductCode)
        .column_as(license::Column::Id.count(), "count")
        .group_by(license::Column::ProductCode)
        .order_by_asc(license::Column::ProductCode)
        .into_tuple()
        .all(db)
        .await?;
    let expiring = active()
        .filter(license::Column::ValidUntil.lte(now + chrono::Duration::days(30)))
        .count(db)
        .await?;
    let unpaid = order::Entity::find()
        .filter(order::Column::AccountId.eq(account_id))
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment))
        .count(db)
        .await?;
    let mut renewals_due = Vec::new();
    for row in order::Entity::find()
        .filter(order::Column::AccountId.eq(account_id))
        .filter(order::Column::Kind.eq(OrderType::Renewal))
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment))
        .order_by_asc(order::Column::ExpiresAt)
        .limit(RENEWALS_SHOWN)
        .all(db)
        .await?
    {
        let session = crate::orders::store::session_of(db, row.id).await?;
        renewals_due.push(crate::orders::store::view(row, session)?);
    }
    let latest_messages = message::Entity::find()
        .filter(message::Column::AccountId.eq(account_id))
        .order_by_desc(message::Column::CreatedAt)
        .order_by_desc(message::Column::Id)
        .limit(MESSAGES_SHOWN)
        .all(db)
        .await?
        .iter()
        .map(crate::mail::view::view)
        .collect();
    Ok(AccountSummary {
        renewals_due,
        latest_messages,
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
