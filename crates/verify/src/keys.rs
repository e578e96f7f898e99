//! The public keys a verifier trusts, in JWKS form (RFC 7517, with RFC 8037's OKP keys).
//!
//! The server publishes its key set at `/.well-known/entitle/keys.json`; the vendor compiles
//! it into the software or has the operator install it. The trust always comes from that set,
//! never from a key found in a file, and a token names its key by `kid` so keys can rotate
//! without breaking the files already shipped (shared/licensing.md §4).

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use ed25519_dalek::{PUBLIC_KEY_LENGTH, VerifyingKey};
use serde::{Deserialize, Serialize};

/// A JSON Web Key Set.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// One Ed25519 public key as a JWK, with Entitle's rotation status.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Jwk {
    /// `"OKP"`.
    pub kty: String,
    /// `"Ed25519"`.
    pub crv: String,
    /// The 32-byte public key, unpadded base64url.
    pub x: String,
    /// The key id tokens name in their footer.
    pub kid: String,
    /// `"sig"` when present.
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// `"next"`, `"active"` or `"retired"`: informative, the verifier trusts all three.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When the server starts (or started) signing with the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<DateTime<Utc>>,
}

/// Why a key set, or one key in it, cannot be trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// The text is not a JWKS.
    Json(String),
    /// A key is not an Ed25519 OKP key.
    Unsupported {
        kid: String,
        kty: String,
        crv: String,
    },
    /// A key is declared for another use than signatures.
    NotForSignatures { kid: String, use_: String },
    /// A key's `x` is not unpadded base64url.
    Encoding { kid: String },
    /// A key's `x` does not decode to 32 bytes.
    Length { kid: String, bytes: usize },
    /// A key's `x` is not a usable Ed25519 point (not on the curve, or of small order).
    InvalidKey { kid: String },
    /// Two keys share one `kid`, which would make a token's key ambiguous.
    DuplicateKid(String),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json(why) => write!(f, "the key set is not a JWKS: {why}"),
            Self::Unsupported { kid, kty, crv } => {
                write!(
                    f,
                    "key {kid} is {kty}/{crv}; only OKP/Ed25519 keys are accepted"
                )
            }
            Self::NotForSignatures { kid, use_ } => {
                write!(f, "key {kid} is for use {use_:?}, not for signatures")
            }
            Self::Encoding { kid } => write!(f, "key {kid}'s x is not unpadded base64url"),
            Self::Length { kid, bytes } => {
                write!(f, "key {kid}'s x is {bytes} bytes, not {PUBLIC_KEY_LENGTH}")
            }
            Self::InvalidKey { kid } => write!(f, "key {kid} is not a usable Ed25519 public key"),
            Self::DuplicateKid(kid) => write!(f, "the key set lists kid {kid} more than once"),
        }
    }
}

impl std::error::Error for KeyError {}

impl Jwk {
    /// The JWK of an Ed25519 public key, marked for signatures.
    pub fn ed25519(
        public: &VerifyingKey,
        kid: String,
        status: &str,
        not_before: Option<DateTime<Utc>>,
    ) -> Jwk {
        Jwk {
            kty: "OKP".to_owned(),
            crv: "Ed25519".to_owned(),
            x: URL_SAFE_NO_PAD.encode(public.as_bytes()),
            kid,
            use_: Some("sig".to_owned()),
            status: Some(status.to_owned()),
            not_before,
        }
    }

    /// The key, if it is an Ed25519 signature key. Small-order ("weak") points are refused
    /// here as well as by `verify_strict`, so a bad key set fails when loaded, not later.
    pub fn verifying_key(&self) -> Result<VerifyingKey, KeyError> {
        let kid = || self.kid.clone();
        if self.kty != "OKP" || self.crv != "Ed25519" {
            return Err(KeyError::Unsupported {
                kid: kid(),
                kty: self.kty.clone(),
                crv: self.crv.clone(),
            });
        }
        if let Some(use_) = &self.use_
            && use_ != "sig"
        {
            return Err(KeyError::NotForSignatures {
                kid: kid(),
                use_: use_.clone(),
            });
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(&self.x)
            .map_err(|_| KeyError::Encoding { kid: kid() })?;
        let bytes: [u8; PUBLIC_KEY_LENGTH] =
            bytes
                .try_into()
                .map_err(|bytes: Vec<u8>| KeyError::Length {
                    kid: kid(),
                    bytes: bytes.len(),
                })?;
        let key =
            VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::InvalidKey { kid: kid() })?;
        if key.is_weak() {
            return Err(KeyError::InvalidKey { kid: kid() });
        }
        Ok(key)
    }
}

/// RFC 7638's canonical JSON of an OKP key: the required members in lexicographic order, no
/// whitespace. The server hashes it with SHA-256 (then base64url) to make the `kid`, so any
/// party can recompute a key's id from the key alone.
pub fn thumbprint_input(x: &str) -> String {
    format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#)
}

/// The keys a verifier trusts, by `kid`. Every key listed is trusted, whatever its status:
/// files signed with a retired key stay verifiable until they expire.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: BTreeMap<String, VerifyingKey>,
}

impl KeySet {
    /// Reads a JWKS. One unusable key fails the whole set: a key set is configuration, and a
    /// silently skipped key would surface later as a puzzling `unknown_key`.
    pub fn from_jwks(json: &str) -> Result<KeySet, KeyError> {
        let jwks: Jwks = serde_json::from_str(json).map_err(|e| KeyError::Json(e.to_string()))?;
        let mut keys = BTreeMap::new();
        for jwk in &jwks.keys {
            let key = jwk.verifying_key()?;
            if keys.insert(jwk.kid.clone(), key).is_some() {
                return Err(KeyError::DuplicateKid(jwk.kid.clone()));
            }
        }
        Ok(KeySet { keys })
    }

    /// The key with this id, if trusted.
    pub fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.get(kid)
    }

    /// Whether no key is trusted (every file would then be refused as `unknown_key`).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8037 appendix A.1's key pair.
    const RFC_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    const RFC_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

    fn rfc_key() -> VerifyingKey {
        let seed: [u8; 32] = URL_SAFE_NO_PAD.decode(RFC_D).unwrap().try_into().unwrap();
        ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key()
    }

    fn jwk(x: &str) -> Jwk {
        Jwk {
            kty: "OKP".to_owned(),
            crv: "Ed25519".to_owned(),
            x: x.to_owned(),
            kid: "k".to_owned(),
            use_: None,
            status: None,
            not_before: None,
        }
    }

    #[test]
    fn encodes_the_rfc_8037_key() {
        let jwk = Jwk::ed25519(&rfc_key(), "k".to_owned(), "active", None);
        assert_eq!(jwk.x, RFC_X);
        assert_eq!(jwk.verifying_key(), Ok(rfc_key()));
        let json = serde_json::to_value(&jwk).unwrap();
        assert_eq!(json["use"], "sig");
        assert_eq!(json["status"], "active");
        assert!(json.get("not_before").is_none());
    }

    #[test]
    fn thumbprint_input_is_rfc_7638_canonical() {
        assert_eq!(
            thumbprint_input(RFC_X),
            r#"{"crv":"Ed25519","kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#
        );
    }

    /// RFC 8037 appendix A.3 gives the thumbprint of that key.
    #[cfg(feature = "fingerprint")]
    #[test]
    fn thumbprint_matches_rfc_8037() {
        use sha2::{Digest as _, Sha256};
        let digest = Sha256::digest(thumbprint_input(RFC_X).as_bytes());
        assert_eq!(
            URL_SAFE_NO_PAD.encode(digest),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn refuses_other_key_types_uses_and_lengths() {
        let mut ec = jwk(RFC_X);
        ec.kty = "EC".to_owned();
        assert!(matches!(
            ec.verifying_key(),
            Err(KeyError::Unsupported { .. })
        ));
        let mut x25519 = jwk(RFC_X);
        x25519.crv = "X25519".to_owned();
        assert!(matches!(
            x25519.verifying_key(),
            Err(KeyError::Unsupported { .. })
        ));
        let mut enc = jwk(RFC_X);
        enc.use_ = Some("enc".to_owned());
        assert!(matches!(
            enc.verifying_key(),
            Err(KeyError::NotForSignatures { .. })
        ));
        assert_eq!(
            jwk(&URL_SAFE_NO_PAD.encode([1u8; 31])).verifying_key(),
            Err(KeyError::Length {
                kid: "k".to_owned(),
                bytes: 31
            })
        );
        assert_eq!(
            jwk(&format!("{RFC_X}=")).verifying_key(),
            Err(KeyError::Encoding {
                kid: "k".to_owned()
            })
        );
        // The identity point has small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            jwk(&URL_SAFE_NO_PAD.encode(identity)).verifying_key(),
            Err(KeyError::InvalidKey {
                kid: "k".to_owned()
            })
        );
    }

    #[test]
    fn key_sets_trust_every_listed_key_and_refuse_duplicates() {
        let json = format!(
            r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{RFC_X}","kid":"old","use":"sig","status":"retired"}},
              {{"kty":"OKP","crv":"Ed25519","x":"{}","kid":"new","status":"next","not_before":"2026-07-01T00:00:00Z"}}]}}"#,
            URL_SAFE_NO_PAD.encode(
                ed25519_dalek::SigningKey::from_bytes(&[9u8; 32])
                    .verifying_key()
                    .as_bytes()
            )
        );
        let set = KeySet::from_jwks(&json).unwrap();
        assert_eq!(set.get("old"), Some(&rfc_key()));
        assert!(set.get("new").is_some());
        assert!(set.get("other").is_none());
        assert!(!set.is_empty());

        let duplicate = format!(
            r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{RFC_X}","kid":"k"}},{{"kty":"OKP","crv":"Ed25519","x":"{RFC_X}","kid":"k"}}]}}"#
        );
        assert_eq!(
            KeySet::from_jwks(&duplicate).unwrap_err(),
            KeyError::DuplicateKid("k".to_owned())
        );
        assert!(matches!(KeySet::from_jwks("[]"), Err(KeyError::Json(_))));
        assert!(KeySet::from_jwks(r#"{"keys":[]}"#).unwrap().is_empty());
    }
}
