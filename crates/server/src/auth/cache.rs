//! Recently verified API keys, so that a busy key is looked up once a few seconds rather than
//! once a request (the read-path benchmark spent a query per request on it).
//!
//! Only keys found valid are kept, by hash, never the secret. An unknown key is never cached:
//! a key made a moment ago on another instance must work at once. A revocation made on this
//! instance forgets the key at once; another instance sharing the database honours it within
//! [`KeyCache::TTL`], which is the decision written down here (DESIGN.md §7 names revocation
//! but not how fast it reaches every instance).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Principal;

/// Verified keys by hash, each remembered for [`KeyCache::TTL`].
#[derive(Debug, Default)]
pub struct KeyCache {
    entries: Mutex<HashMap<String, (Principal, Instant)>>,
}

impl KeyCache {
    /// How long a verified key is trusted without reading the store again.
    pub const TTL: Duration = Duration::from_secs(2);
    /// Bound on remembered keys; past it the cache starts afresh, which costs a lookup each.
    const CAPACITY: usize = 10_000;

    /// The principal of a key verified less than [`Self::TTL`] ago.
    pub fn get(&self, hash: &str, now: Instant) -> Option<Principal> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(hash)
            .filter(|(_, verified)| now.duration_since(*verified) < Self::TTL)
            .map(|(principal, _)| *principal)
    }

    /// Remembers a key just verified against the store.
    pub fn remember(&self, hash: &str, principal: Principal, now: Instant) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= Self::CAPACITY {
                entries.retain(|_, (_, verified)| now.duration_since(*verified) < Self::TTL);
                if entries.len() >= Self::CAPACITY {
                    entries.clear();
                }
            }
            entries.insert(hash.to_owned(), (principal, now));
        }
    }

    /// Forgets a key at once (it was revoked here).
    pub fn forget(&self, hash: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(hash);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::KeyRef;
    use uuid::Uuid;

    #[test]
    fn a_verified_key_is_trusted_for_the_ttl_and_no_longer() {
        let cache = KeyCache::default();
        let start = Instant::now();
        let principal = Principal::account(Uuid::now_v7(), KeyRef::Bootstrap);
        assert_eq!(cache.get("h", start), None);
        cache.remember("h", principal, start);
        assert_eq!(
            cache.get("h", start + Duration::from_millis(1999)),
            Some(principal)
        );
        assert_eq!(cache.get("h", start + KeyCache::TTL), None);
    }

    #[test]
    fn a_forgotten_key_is_looked_up_again() {
        let cache = KeyCache::default();
        let now = Instant::now();
        cache.remember("h", Principal::admin(KeyRef::Bootstrap), now);
        cache.forget("h");
        assert_eq!(cache.get("h", now), None);
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = KeyCache::default();
        let now = Instant::now();
        for n in 0..KeyCache::CAPACITY + 5 {
            cache.remember(&n.to_string(), Principal::admin(KeyRef::Bootstrap), now);
        }
        let len = cache.entries.lock().map(|e| e.len()).unwrap_or(usize::MAX);
        assert!(len <= KeyCache::CAPACITY, "{len} entries");
        assert_eq!(
            cache.get(&(KeyCache::CAPACITY + 4).to_string(), now),
            Some(Principal::admin(KeyRef::Bootstrap))
        );
    }
}
