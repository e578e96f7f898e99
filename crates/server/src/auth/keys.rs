//! API keys: made from 192 random bits, shown once, stored as a SHA-256 hash.
//!
//! A fast hash is the right one here: the keys are random and long, so there is nothing to
//! brute-force, and the hash is the lookup index (a unique column).

use std::time::Instant;

use chrono::{DateTime, Utc};
use entitle_domain::account::KeyRole;
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use uuid::Uuid;

use super::{KeyPrefix, KeyRef, Principal};
use crate::auth::cache::KeyCache;
use crate::error::ServiceResult;
use crate::store::entity::api_key;

/// Every key starts with this, so a leaked one is recognisable in a scan.
const KEY_PREFIX: &str = "ent_";
/// Characters of a key kept in clear as its visible prefix.
const VISIBLE_CHARS: usize = 12;

/// A freshly made key: the secret to show once, and what the store keeps.
pub struct NewKey {
    pub secret: String,
    pub prefix: String,
    pub hash: String,
}

/// Makes a new random key.
pub fn generate() -> NewKey {
    let mut bytes = [0_u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{KEY_PREFIX}{}", hex::encode(bytes));
    NewKey {
        prefix: secret[..VISIBLE_CHARS].to_owned(),
        hash: hash(&secret),
        secret,
    }
}

pub use super::secret::hash;

/// Stores a new key for `account_id` (`None`: an admin key) on `db`, the transaction that
/// also audits it, and returns it with its secret.
pub async fn create(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    account_id: Option<Uuid>,
    name: &str,
) -> ServiceResult<(api_key::Model, String)> {
    let key = generate();
    let model = api_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account_id),
        role: Set(if account_id.is_some() {
            KeyRole::Account
        } else {
            KeyRole::Admin
        }),
        name: Set(name.to_owned()),
        prefix: Set(key.prefix),
        key_hash: Set(key.hash),
        created_at: Set(now),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((model, key.secret))
}

/// The principal a stored key stands for; a row whose role and account disagree stands for
/// nobody.
pub fn principal_of(key: &api_key::Model) -> Option<Principal> {
    let key_ref = KeyRef::Stored {
        id: key.id,
        prefix: KeyPrefix::new(&key.prefix),
    };
    match (key.role, key.account_id) {
        (KeyRole::Admin, None) => Some(Principal::admin(key_ref)),
        (KeyRole::Account, Some(account)) => Some(Principal::account(account, key_ref)),
        _ => None,
    }
}

/// The principal a presented key stands for, if it is the bootstrap admin key or a stored key
/// that is not revoked (a key verified in the last seconds is not read again; see
/// [`super::cache`]).
pub async fn principal_for(
    db: &DatabaseConnection,
    verified_keys: &KeyCache,
    bootstrap_admin_hash: Option<&str>,
    presented: &str,
) -> ServiceResult<Option<Principal>> {
    let presented_hash = hash(presented);
    let now = Instant::now();
    if let Some(principal) = verified_keys.get(&presented_hash, now) {
        return Ok(Some(principal));
    }
    // Compared as hashes, so the comparison's timing says nothing about the secret.
    if bootstrap_admin_hash.is_some_and(|bootstrap| bootstrap == presented_hash) {
        return Ok(Some(Principal::admin(KeyRef::Bootstrap)));
    }
    let stored = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(&presented_hash))
        .filter(api_key::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    let principal = stored.as_ref().and_then(principal_of);
    if let Some(principal) = principal {
        verified_keys.remember(&presented_hash, principal, now);
    }
    Ok(principal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_prefixed_and_stored_only_as_hashes() {
        let a = generate();
        let b = generate();
        assert_ne!(a.secret, b.secret);
        assert!(a.secret.starts_with(KEY_PREFIX));
        assert_eq!(a.secret.len(), KEY_PREFIX.len() + 48);
        assert!(a.secret.starts_with(&a.prefix));
        assert_eq!(a.hash, hash(&a.secret));
        assert!(!a.hash.contains(&a.secret[KEY_PREFIX.len()..]));
    }
}
