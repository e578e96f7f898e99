//! The audit log (DESIGN.md §7): every state change appended with who, what, when, before and
//! after, in the same transaction as the change itself, so the log and the data never
//! disagree.

pub mod api;

use chrono::{DateTime, Utc};
use entitle_domain::api::{AuditEvent, AuditPage};
use entitle_domain::text::check_free_text;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::{KeyRef, Principal, Role};
use crate::error::{ServiceError, ServiceResult};
use crate::pagination::PageRequest;
use crate::store::entity::audit_event;

/// Who made a change: for a request, the key that made it (DESIGN.md §7: "who (the key that
/// acted)"), not only its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Admin(KeyRef),
    Account(Uuid, KeyRef),
    /// A payment provider's callback.
    Provider(&'static str),
    /// The server itself (expiry, renewals).
    System,
    /// The licensed software, with license `id`'s key (issue 22: activations, consumes).
    License(Uuid),
}

impl Actor {
    /// The key that acted, for a change a request made.
    pub fn key(&self) -> Option<KeyRef> {
        match self {
            Actor::Admin(key) | Actor::Account(_, key) => Some(*key),
            Actor::Provider(_) | Actor::System | Actor::License(_) => None,
        }
    }
}

impl From<Principal> for Actor {
    fn from(principal: Principal) -> Self {
        match principal.role {
            Role::Admin => Actor::Admin(principal.key),
            Role::Account(id) => Actor::Account(id, principal.key),
        }
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Admin(_) => f.write_str("admin"),
            Actor::Account(id, _) => write!(f, "account:{id}"),
            Actor::Provider(name) => write!(f, "provider:{name}"),
            Actor::System => f.write_str("system"),
            Actor::License(id) => write!(f, "license:{id}"),
        }
    }
}

/// One change to record, built by [`Change::new`] and its setters: what happened to which thing
/// by whom, then whose account it concerns and the thing before and after.
#[derive(Debug)]
pub struct Change<'a> {
    actor: Actor,
    account_id: Option<Uuid>,
    action: &'a str,
    entity: &'a str,
    entity_id: Uuid,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
}

impl<'a> Change<'a> {
    /// `actor` did `action` (`order.paid`) to the `entity` (`order`) `entity_id`.
    pub fn new(actor: Actor, action: &'a str, entity: &'a str, entity_id: Uuid) -> Self {
        Change {
            actor,
            account_id: None,
            action,
            entity,
            entity_id,
            before: None,
            after: None,
        }
    }

    /// The account the change concerns (none for the catalog, the clock, a job).
    pub fn account(mut self, account_id: impl Into<Option<Uuid>>) -> Self {
        self.account_id = account_id.into();
        self
    }

    /// The thing before the change, as the API shows it.
    pub fn before(mut self, before: &impl Serialize) -> Self {
        self.before = snapshot(before);
        self
    }

    /// The thing after the change, as the API shows it.
    pub fn after(mut self, after: &impl Serialize) -> Self {
        self.after = snapshot(after);
        self
    }

    /// The thing before and after a change to it: an update's two states in one call.
    pub fn states(self, before: &impl Serialize, after: &impl Serialize) -> Self {
        self.before(before).after(after)
    }

    /// Appends this one change to the log on `db` (the change's own transaction) at `at`.
    pub async fn record(self, db: &impl ConnectionTrait, at: DateTime<Utc>) -> ServiceResult<()> {
        record(db, at, vec![self]).await
    }
}

/// The `entity_id` of something keyed by a name rather than an id (a product by its code, a
/// job, the clock): the same for every change to it, so its history is one filter away. A
/// name-based UUID (version 8, from SHA-256 of `entity:name`).
pub fn name_id(entity: &str, name: &str) -> Uuid {
    let digest = Sha256::digest(format!("{entity}:{name}").as_bytes());
    let mut bytes = [0_u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// The JSON snapshot of `value` for `before`/`after`.
pub fn snapshot(value: &impl Serialize) -> Option<serde_json::Value> {
    // Nothing (a `None`) is recorded as no snapshot, not as a JSON `null`.
    serde_json::to_value(value).ok().filter(|v| !v.is_null())
}

fn row(change: Change<'_>, at: DateTime<Utc>) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(at),
        actor: Set(change.actor.to_string()),
        actor_key_id: Set(change.actor.key().and_then(|key| key.id())),
        actor_key_prefix: Set(change.actor.key().map(|key| key.prefix().to_owned())),
        account_id: Set(change.account_id),
        action: Set(change.action.to_owned()),
        entity: Set(change.entity.to_owned()),
        entity_id: Set(change.entity_id),
        before: Set(change.before.map(|v| v.to_string())),
        after: Set(change.after.map(|v| v.to_string())),
    }
}

/// Appends `changes` on `db` (the transaction that makes them).
pub async fn record(
    db: &impl ConnectionTrait,
    at: DateTime<Utc>,
    changes: Vec<Change<'_>>,
) -> ServiceResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = changes.into_iter().map(|c| row(c, at)).collect();
    for chunk in rows.chunks(500) {
        audit_event::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

fn view(row: audit_event::Model) -> ServiceResult<AuditEvent> {
    let parse = |text: Option<String>| -> ServiceResult<Option<serde_json::Value>> {
        text.map(|t| serde_json::from_str(&t).map_err(|e| ServiceError::Corrupt(e.to_string())))
            .transpose()
    };
    Ok(AuditEvent {
        id: row.id,
        at: row.at,
        actor: row.actor,
        actor_key_id: row.actor_key_id.into(),
        actor_key_prefix: row.actor_key_prefix.into(),
        account_id: row.account_id.into(),
        action: row.action,
        entity: row.entity,
        entity_id: row.entity_id,
        before: parse(row.before)?.into(),
        after: parse(row.after)?.into(),
    })
}

/// Narrows the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub account_id: Option<Uuid>,
    /// The actor as an entry names it (`admin`, `account:<id>`, …).
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Newest first (the console's audit view), the cursor paging back.
    pub newest_first: bool,
}

/// One page of the log: an admin's of any account (or all), an account key's of its own
/// account only.
pub async fn list(
    db: &DatabaseConnection,
    principal: Principal,
    filter: AuditFilter,
    page: PageRequest,
) -> ServiceResult<AuditPage> {
    let scope = match (principal.role, filter.account_id) {
        (Role::Admin, scope) => scope,
        (Role::Account(own), None) => Some(own),
        (Role::Account(own), Some(asked)) => {
            principal.require_account(asked)?;
            Some(own)
        }
    };
    let mut query = audit_event::Entity::find();
    if let Some(account) = scope {
        query = query.filter(audit_event::Column::AccountId.eq(account));
    }
    for (column, value) in [
        (audit_event::Column::Actor, &filter.actor),
        (audit_event::Column::Action, &filter.action),
    ] {
        if let Some(value) = value {
            // Checked before it reaches the store: PostgreSQL refuses a NUL with an error.
            check_free_text("filter", value, 64)?;
            query = query.filter(column.eq(value.clone()));
        }
    }
    let (rows, next_cursor) = if filter.newest_first {
        let query = query.order_by_desc(audit_event::Column::Id);
        page.load_newest_first(db, query, audit_event::Column::Id, |row| row.id)
            .await?
    } else {
        let query = query.order_by_asc(audit_event::Column::Id);
        page.load(db, query, audit_event::Column::Id, |row| row.id)
            .await?
    };
    Ok(AuditPage {
        items: rows.into_iter().map(view).collect::<ServiceResult<_>>()?,
        next_cursor: next_cursor.into(),
    })
}
