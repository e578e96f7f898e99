//! PASETO v4.public (Ed25519 over PAE), written here rather than pulled in.
//!
//! The whole protocol is a header, Pre-Authentication Encoding and one Ed25519 signature, so
//! a few dozen lines over `ed25519-dalek` replace a library that would bring its own
//! cryptography and claim rules (shared/licensing.md §3). It is tested against the
//! paseto-standard test vectors (`tests/vectors.rs`).
//!
//! A token is `v4.public.` ‖ b64url(message ‖ signature) and, when the footer is not empty,
//! `.` ‖ b64url(footer). The signature covers `PAE(header, message, footer, implicit)`, so the
//! footer (which carries the key id) and the implicit assertion are authenticated too.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{SIGNATURE_LENGTH, Signature, Signer as _, SigningKey, VerifyingKey};

/// The only header accepted: no version or purpose agility.
pub const HEADER: &str = "v4.public.";

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasetoError {
    /// The token is not well-formed v4.public (wrong header, parts, base64 or length).
    Malformed(&'static str),
    /// The token is well-formed but its signature does not verify under the key.
    BadSignature,
}

impl fmt::Display for PasetoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(why) => write!(f, "malformed PASETO token: {why}"),
            Self::BadSignature => f.write_str("the PASETO token's signature does not verify"),
        }
    }
}

impl std::error::Error for PasetoError {}

/// A token whose signature verified: its message and footer, both authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub message: Vec<u8>,
    pub footer: Vec<u8>,
}

/// Pre-Authentication Encoding: the count of pieces, then each piece's length and bytes, all
/// lengths as little-endian 64-bit integers with the top bit cleared (PASETO spec,
/// "Authentication Padding"). It makes the signed bytes unambiguous however the pieces split.
pub fn pae(pieces: &[&[u8]]) -> Vec<u8> {
    let total = 8 + pieces.iter().map(|piece| 8 + piece.len()).sum::<usize>();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&le64(pieces.len()));
    for piece in pieces {
        out.extend_from_slice(&le64(piece.len()));
        out.extend_from_slice(piece);
    }
    out
}

/// LE64 of the spec. `usize` is at most 64 bits on every target Rust supports, so the cast
/// is lossless; the mask clears the top bit as the spec requires for interoperability.
fn le64(n: usize) -> [u8; 8] {
    (n as u64 & (u64::MAX >> 1)).to_le_bytes()
}

/// Signs `message` as a v4.public token with `footer` and the `implicit` assertion (which is
/// signed but not carried: the verifier must supply the same bytes). Ed25519 is deterministic,
/// so the same inputs always give the same token.
pub fn sign(key: &SigningKey, message: &[u8], footer: &[u8], implicit: &[u8]) -> String {
    let signature = key.sign(&pae(&[HEADER.as_bytes(), message, footer, implicit]));
    let mut body = Vec::with_capacity(message.len() + SIGNATURE_LENGTH);
    body.extend_from_slice(message);
    body.extend_from_slice(&signature.to_bytes());
    let mut token = format!("{HEADER}{}", URL_SAFE_NO_PAD.encode(body));
    if !footer.is_empty() {
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(footer));
    }
    token
}

/// The footer's bytes, read WITHOUT verifying anything. The verifier needs the key id in the
/// footer to choose the key before it can check the signature; nothing read here may be
/// trusted until [`verify`] succeeds. A token without a footer has an empty one.
pub fn footer(token: &str) -> Result<Vec<u8>, PasetoError> {
    let (_, footer) = split(token)?;
    decode_footer(footer)
}

/// Verifies a v4.public token under `key` with the `implicit` assertion and returns its
/// message and footer. Uses `verify_strict`, which also refuses weak keys and malleable
/// (non-canonical) signatures.
pub fn verify(key: &VerifyingKey, token: &str, implicit: &[u8]) -> Result<Verified, PasetoError> {
    let (body, footer) = split(token)?;
    let mut message = decode(body)?;
    let footer = decode_footer(footer)?;
    let split_at = message
        .len()
        .checked_sub(SIGNATURE_LENGTH)
        .ok_or(PasetoError::Malformed(
            "the body is shorter than a signature",
        ))?;
    let signature: [u8; SIGNATURE_LENGTH] = message[split_at..]
        .try_into()
        .map_err(|_| PasetoError::Malformed("the signature is not 64 bytes"))?;
    message.truncate(split_at);
    let signed = pae(&[
        HEADER.as_bytes(),
        message.as_slice(),
        footer.as_slice(),
        implicit,
    ]);
    key.verify_strict(&signed, &Signature::from_bytes(&signature))
        .map_err(|_| PasetoError::BadSignature)?;
    Ok(Verified { message, footer })
}

/// Splits a token into its encoded body and optional encoded footer. The header must match
/// exactly; a trailing `.` with an empty footer is refused, since a conforming signer omits
/// the dot when the footer is empty and accepting both would make two spellings of one token.
fn split(token: &str) -> Result<(&str, Option<&str>), PasetoError> {
    let rest = token
        .strip_prefix(HEADER)
        .ok_or(PasetoError::Malformed("the header is not v4.public."))?;
    let (body, footer) = match rest.split_once('.') {
        None => (rest, None),
        Some((_, "")) => return Err(PasetoError::Malformed("the footer part is empty")),
        Some((_, footer)) if footer.contains('.') => {
            return Err(PasetoError::Malformed("too many parts"));
        }
        Some((body, footer)) => (body, Some(footer)),
    };
    if body.is_empty() {
        return Err(PasetoError::Malformed("the body is empty"));
    }
    Ok((body, footer))
}

/// An absent footer is an empty one (PASETO signs the empty string in its place).
fn decode_footer(footer: Option<&str>) -> Result<Vec<u8>, PasetoError> {
    footer.map_or(Ok(Vec::new()), decode)
}

/// Unpadded base64url, refusing padding, other alphabets and non-zero trailing bits, so each
/// token has exactly one spelling.
fn decode(part: &str) -> Result<Vec<u8>, PasetoError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| PasetoError::Malformed("a part is not canonical unpadded base64url"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[42u8; 32])
    }

    #[test]
    fn pae_matches_the_spec_examples() {
        assert_eq!(pae(&[]), vec![0u8; 8]);
        let mut one_empty = vec![1u8, 0, 0, 0, 0, 0, 0, 0];
        one_empty.extend_from_slice(&[0u8; 8]);
        assert_eq!(pae(&[b"".as_slice()]), one_empty);
        let mut test = vec![1u8, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0];
        test.extend_from_slice(b"test");
        assert_eq!(pae(&[b"test".as_slice()]), test);
    }

    #[test]
    fn le64_clears_the_top_bit() {
        assert_eq!(le64(usize::MAX)[7], 0x7f);
        assert_eq!(le64(0x0102), [2, 1, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn round_trip_with_and_without_footer() {
        let key = key();
        let token = sign(&key, b"hello", b"", b"");
        assert!(token.starts_with(HEADER));
        assert_eq!(token.matches('.').count(), 2);
        let verified = verify(&key.verifying_key(), &token, b"").unwrap();
        assert_eq!(verified.message, b"hello");
        assert!(verified.footer.is_empty());

        let token = sign(&key, b"hello", b"{\"kid\":\"k\"}", b"ctx");
        assert_eq!(footer(&token).unwrap(), b"{\"kid\":\"k\"}");
        let verified = verify(&key.verifying_key(), &token, b"ctx").unwrap();
        assert_eq!(verified.footer, b"{\"kid\":\"k\"}");
    }

    #[test]
    fn refuses_another_key_or_implicit_assertion() {
        let token = sign(&key(), b"hello", b"f", b"ctx");
        let other = SigningKey::from_bytes(&[43u8; 32]).verifying_key();
        assert_eq!(
            verify(&other, &token, b"ctx"),
            Err(PasetoError::BadSignature)
        );
        assert_eq!(
            verify(&key().verifying_key(), &token, b"other"),
            Err(PasetoError::BadSignature)
        );
    }

    #[test]
    fn refuses_a_changed_footer() {
        let token = sign(&key(), b"hello", b"footer-a", b"");
        let (body, _) = token.rsplit_once('.').unwrap();
        let forged = format!("{body}.{}", URL_SAFE_NO_PAD.encode(b"footer-b"));
        assert_eq!(
            verify(&key().verifying_key(), &forged, b""),
            Err(PasetoError::BadSignature)
        );
    }

    #[test]
    fn refuses_malformed_shapes() {
        let public = key().verifying_key();
        let token = sign(&key(), b"hello", b"", b"");
        let malformed = |t: &str| matches!(verify(&public, t, b""), Err(PasetoError::Malformed(_)));
        assert!(malformed(&token.replacen("v4.public.", "v4.local.", 1)));
        assert!(malformed(&token.replacen("v4.public.", "V4.public.", 1)));
        assert!(malformed(&format!("{token}.")));
        assert!(malformed(&format!("{token}.Zg.Zg")));
        assert!(malformed(&format!("{token}==")));
        assert!(malformed("v4.public."));
        assert!(malformed(&format!(
            "v4.public.{}",
            URL_SAFE_NO_PAD.encode([0u8; 63])
        )));
        assert!(matches!(
            footer(&format!("{token}.")),
            Err(PasetoError::Malformed(_))
        ));
    }

    #[test]
    fn refuses_other_alphabets_and_padding() {
        assert_eq!(decode("-_8"), Ok(vec![0xfb, 0xff]));
        assert!(decode("+/8").is_err());
        assert!(decode("-_8=").is_err());
    }

    #[test]
    fn refuses_non_canonical_trailing_bits() {
        // 65 bytes encode to 87 characters whose last one carries 2 unused bits; flipping one
        // of them gives a string that decodes to the same bytes under a lax decoder.
        let token = sign(&key(), b"x", b"", b"");
        let last = token.chars().next_back().unwrap();
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let index = alphabet
            .iter()
            .position(|&c| char::from(c) == last)
            .unwrap();
        let lax = char::from(alphabet[index ^ 1]);
        let forged = format!("{}{lax}", &token[..token.len() - 1]);
        assert!(matches!(
            verify(&key().verifying_key(), &forged, b""),
            Err(PasetoError::Malformed(_))
        ));
    }
}
