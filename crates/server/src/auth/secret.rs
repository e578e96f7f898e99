//! How an API key's secret is kept: only its SHA-256, hex-encoded (DESIGN.md §7: keys hashed).
//! A leaf, so that the state, the limits and the key store can all name a key by its hash.

use sha2::{Digest, Sha256};

/// The stored form of a key.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
