//! Offline verification of Entitle license files.
//!
//! The vendor's software embeds this crate to check, without a network, that the license
//! file installed on a machine was issued by the vendor's Entitle server, is for this product
//! and this machine, and is valid now. The server uses the same crate to sign, so the format
//! has one definition.
//!
//! # Format
//!
//! ```text
//! -----BEGIN ENTITLE LICENSE FILE-----
//! v4.public.<b64url(payload ‖ Ed25519 signature)>.<b64url(footer)>
//! -----END ENTITLE LICENSE FILE-----
//! ```
//!
//! The token is PASETO v4.public ([`paseto`]); the payload is JSON [`FileClaims`] and the
//! footer `{"kid":…,"typ":"entitle-license-file/1"}` ([`claims`]). Keys are trusted from a
//! JWKS the vendor ships or the operator installs ([`keys`]), never from the file.
//!
//! # Steps ([`verify_file`])
//!
//! 1. Strip the armour; the file must be at most 16 KiB.
//! 2. The footer's `kid` must be in the trusted [`KeySet`], else `unknown_key`.
//! 3. The signature must verify (`verify_strict`), else `bad_signature`.
//! 4. The footer's `typ` must be a license file's and the payload its claims, else `malformed`.
//! 5. The file's `aud` must be the expected product, else `product_mismatch`.
//! 6. Its machine fingerprint must be this machine's, else `machine_mismatch`.
//! 7. The clock must not be more than 5 minutes behind the file's `iat` (`issued_in_future`)
//!    or the stored high-water mark ([`state`]; `clock_rolled_back`); the file is judged at
//!    the latest of now, the mark and `iat`.
//! 8. That instant must be within `nbf..exp` (`not_yet_valid`, `expired`); past the license's
//!    `valid_until` the file is still accepted, as `in_grace`.
//!
//! The caller then stores [`Verified::high_water`] with [`state::write`]. The feature
//! `fingerprint` adds the default machine fingerprint (module `fingerprint`).
//!
//! # Dependencies
//!
//! ed25519-dalek (one pure-Rust Ed25519, no C build per vendor target), base64, serde and
//! chrono, as issue 22 names them, and serde_json, without which serde reads no JSON: the
//! payload, footer and key set are JSON. The `fingerprint` feature alone adds hmac and sha2;
//! a vendor that passes its own fingerprint leaves it off.

#![forbid(unsafe_code)]

pub mod armour;
pub mod claims;
#[cfg(feature = "fingerprint")]
pub mod fingerprint;
pub mod keys;
pub mod paseto;
pub mod state;
pub mod verify;

pub use armour::FileError;
pub use claims::{
    FILE_TYP, FileClaims, Footer, LicenseClaims, MachineClaims, OneTime, RECEIPT_TYP, ReceiptClaims,
};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use keys::{Jwk, Jwks, KeyError, KeySet};
pub use paseto::PasetoError;
pub use verify::{Expect, MAX_CLOCK_SKEW, Refusal, Verified, verify_file, verify_receipt};
