//! Sealing the signing keys at rest (issue 22): AES-256-GCM under a key derived from
//! `ENTITLE_KEY_ENCRYPTION_KEY`, so a copy of the database alone cannot sign licenses.
//!
//! The stored form is `base64url(nonce ‖ ciphertext ‖ tag)`, with the key's id as the
//! associated data: a sealed seed moved onto another key's row does not open.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use sha2::{Digest, Sha256};

/// The shortest key-encryption key accepted: it is a passphrase, not made by the server.
pub const MIN_KEY_CHARS: usize = 32;

/// Why a seal could not be made or opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error(
        "ENTITLE_KEY_ENCRYPTION_KEY has {0} characters: it needs at least {MIN_KEY_CHARS} \
         (`openssl rand -hex 32` makes one)"
    )]
    Short(usize),
    #[error("a signing key is sealed, and ENTITLE_KEY_ENCRYPTION_KEY is not set")]
    NoKey,
    #[error("a sealed signing key does not open with this ENTITLE_KEY_ENCRYPTION_KEY")]
    Open,
    #[error("a signing key could not be sealed")]
    Seal,
}

/// Seals and opens signing seeds; without a key-encryption key it keeps them in the clear.
pub struct Sealer(Option<LessSafeKey>);

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Sealer(sealed)"
        } else {
            "Sealer(clear)"
        })
    }
}

impl Sealer {
    /// A sealer for `passphrase` (SHA-256 of it is the AES key), or one that keeps seeds in
    /// the clear.
    pub fn new(passphrase: Option<&str>) -> Result<Sealer, SealError> {
        let Some(passphrase) = passphrase else {
            return Ok(Sealer(None));
        };
        let length = passphrase.chars().count();
        if length < MIN_KEY_CHARS {
            return Err(SealError::Short(length));
        }
        let digest = Sha256::digest(passphrase.as_bytes());
        let key = UnboundKey::new(&AES_256_GCM, &digest).map_err(|_| SealError::Open)?;
        Ok(Sealer(Some(LessSafeKey::new(key))))
    }

    /// Whether seeds are sealed.
    pub fn seals(&self) -> bool {
        self.0.is_some()
    }

    /// `seed` as stored for key `kid`, and whether it is sealed. A seal that fails is an
    /// error, never a seed kept in the clear instead.
    pub fn seal(&self, kid: &str, seed: &[u8; 32]) -> Result<(String, bool), SealError> {
        let Some(key) = &self.0 else {
            return Ok((URL_SAFE_NO_PAD.encode(seed), false));
        };
        let mut nonce = [0_u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut sealed = seed.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(kid.as_bytes()),
            &mut sealed,
        )
        .map_err(|_| SealError::Seal)?;
        let mut stored = nonce.to_vec();
        stored.extend_from_slice(&sealed);
        Ok((URL_SAFE_NO_PAD.encode(stored), true))
    }

    /// The seed stored for `kid`.
    pub fn open(&self, kid: &str, stored: &str, sealed: bool) -> Result<[u8; 32], SealError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(stored)
            .map_err(|_| SealError::Open)?;
        if !sealed {
            return bytes.try_into().map_err(|_| SealError::Open);
        }
        let key = self.0.as_ref().ok_or(SealError::NoKey)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError::Open);
        }
        let (nonce, body) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Open)?;
        let mut body = body.to_vec();
        let seed = key
            .open_in_place(nonce, Aad::from(kid.as_bytes()), &mut body)
            .map_err(|_| SealError::Open)?;
        <[u8; 32]>::try_from(&*seed).map_err(|_| SealError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_seed_opens_only_with_its_passphrase_and_for_its_key() {
        let seed = [9_u8; 32];
        let sealer = Sealer::new(Some(&"p".repeat(40))).expect("long enough");
        let (stored, sealed) = sealer.seal("kid-1", &seed).expect("sealed");
        assert!(sealed);
        assert!(!stored.contains(&URL_SAFE_NO_PAD.encode(seed)));
        assert_eq!(sealer.open("kid-1", &stored, true).ok(), Some(seed));
        assert!(sealer.open("kid-2", &stored, true).is_err());
        let other = Sealer::new(Some(&"q".repeat(40))).expect("long enough");
        assert!(other.open("kid-1", &stored, true).is_err());
        let clear = Sealer::new(None).expect("clear");
        assert!(matches!(
            clear.open("kid-1", &stored, true),
            Err(SealError::NoKey)
        ));
        let (plain, sealed) = clear.seal("kid-1", &seed).expect("kept");
        assert!(!sealed);
        assert_eq!(clear.open("kid-1", &plain, false).ok(), Some(seed));
        assert!(matches!(
            Sealer::new(Some("short")),
            Err(SealError::Short(5))
        ));
    }
}
