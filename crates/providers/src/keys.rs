//! RSA keys in the formats Alipay and WeChat Pay hand out, and SHA256withRSA over them.
//!
//! Both providers use RSASSA-PKCS1-v1_5 with SHA-256 ("RSA2" at Alipay,
//! `WECHATPAY2-SHA256-RSA2048` at WeChat Pay). Keys arrive as PEM or as the bare base64 of
//! the DER: Alipay's Python SDK writes the app key as PKCS#1, its Java SDK as PKCS#8, and the
//! Alipay public key is a bare X.509 SubjectPublicKeyInfo (`MIIBIjAN…`) (providers.md §1).
//!
//! Signing and verifying are `ring`'s; the `rsa` crate is used only to read and convert
//! public-key formats and to generate keys for tests.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::rand::SystemRandom;
use ring::signature::{self, KeyPair as _, RsaKeyPair, UnparsedPublicKey};
use rsa::pkcs1::{DecodeRsaPublicKey as _, EncodeRsaPublicKey as _};
use rsa::pkcs8::{DecodePublicKey as _, EncodePublicKey as _, LineEnding};

/// Why a key could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The text is neither PEM nor base64.
    #[error("key text is neither PEM nor base64")]
    NotBase64,
    /// A PEM block with no matching `-----END …-----` line.
    #[error("PEM block has no matching END line")]
    UnterminatedPem,
    /// A PEM label this kind of key does not come in (e.g. a certificate where a key was expected).
    #[error("unsupported PEM label {0:?}")]
    UnsupportedLabel(String),
    /// Password-protected keys are not supported: the providers' portals export them in clear.
    #[error("encrypted private keys are not supported")]
    Encrypted,
    /// The DER is not an RSA key of this kind, or ring refuses it (e.g. shorter than 2048 bits).
    #[error("not a usable RSA key: {0}")]
    Rejected(String),
}

/// An RSA private key for SHA256withRSA signatures (our Alipay app key, our WeChat Pay
/// merchant API key). Cheap to clone; `Debug` never shows key material.
#[derive(Clone)]
pub struct SigningKey {
    pair: Arc<RsaKeyPair>,
    rng: SystemRandom,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("modulus_bits", &(self.pair.public().modulus_len() * 8))
            .field("private", &"<redacted>")
            .finish()
    }
}

impl SigningKey {
    /// Reads PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`) PEM, or the bare
    /// base64 of either DER: the two SDKs disagree on the format, so both are accepted.
    pub fn parse(text: &str) -> Result<SigningKey, KeyError> {
        let (label, der) = decode_text(text)?;
        let pair = match label.as_deref() {
            Some("PRIVATE KEY") => RsaKeyPair::from_pkcs8(&der),
            Some("RSA PRIVATE KEY") => RsaKeyPair::from_der(&der),
            Some("ENCRYPTED PRIVATE KEY") => return Err(KeyError::Encrypted),
            Some(other) => return Err(KeyError::UnsupportedLabel(other.to_owned())),
            // Bare base64: PKCS#8 wraps PKCS#1, so try the wrapper first, then the plain form.
            None => RsaKeyPair::from_pkcs8(&der).or_else(|_| RsaKeyPair::from_der(&der)),
        }
        .map_err(|e| KeyError::Rejected(e.to_string()))?;
        Ok(SigningKey {
            pair: Arc::new(pair),
            rng: SystemRandom::new(),
        })
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256, i.e. SHA256withRSA / Alipay RSA2 /
    /// WECHATPAY2-SHA256-RSA2048. Deterministic: the same message gives the same bytes.
    ///
    /// # Panics
    /// Only if the operating system's random source fails (ring uses it for blinding), which
    /// leaves nothing sensible to sign with.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.try_sign(message)
            .expect("RSA signing failed: the system random source is unavailable")
    }

    /// [`SigningKey::sign`] without the panic.
    pub fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, ring::error::Unspecified> {
        let mut signature = vec![0; self.pair.public().modulus_len()];
        self.pair.sign(
            &signature::RSA_PKCS1_SHA256,
            &self.rng,
            message,
            &mut signature,
        )?;
        Ok(signature)
    }

    /// [`SigningKey::sign`], standard base64 with padding, as both providers carry signatures.
    pub fn sign_base64(&self, message: &[u8]) -> String {
        STANDARD.encode(self.sign(message))
    }

    /// The matching public key (what a fake registers for us, or a test verifies with).
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey {
            pkcs1: self.pair.public_key().as_ref().to_vec(),
        }
    }
}

/// An RSA public key for verifying SHA256withRSA (the Alipay public key, the WeChat Pay
/// public key). Held as PKCS#1 RSAPublicKey DER, the form ring verifies with.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyingKey {
    pkcs1: Vec<u8>,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("pkcs1_der_len", &self.pkcs1.len())
            .finish()
    }
}

impl VerifyingKey {
    /// Reads X.509 SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`, WeChat's `pub_key.pem`), bare
    /// base64 SPKI (Alipay's `MIIBIjAN…`), or PKCS#1 (`BEGIN RSA PUBLIC KEY`, or bare).
    pub fn parse(text: &str) -> Result<VerifyingKey, KeyError> {
        let (label, der) = decode_text(text)?;
        let rejected = |e: &dyn fmt::Display| KeyError::Rejected(e.to_string());
        let key = match label.as_deref() {
            Some("PUBLIC KEY") => {
                rsa::PublicKey::from_public_key_der(&der).map_err(|e| rejected(&e))?
            }
            Some("RSA PUBLIC KEY") => {
                rsa::PublicKey::from_pkcs1_der(&der).map_err(|e| rejected(&e))?
            }
            Some(other) => return Err(KeyError::UnsupportedLabel(other.to_owned())),
            None => match rsa::PublicKey::from_public_key_der(&der) {
                Ok(key) => key,
                Err(_) => rsa::PublicKey::from_pkcs1_der(&der).map_err(|e| rejected(&e))?,
            },
        };
        let pkcs1 = key.to_pkcs1_der().map_err(|e| rejected(&e))?;
        Ok(VerifyingKey {
            pkcs1: pkcs1.as_bytes().to_vec(),
        })
    }

    /// True if `signature` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of `message`
    /// (2048 to 8192-bit keys, as ring allows).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.pkcs1)
            .verify(message, signature)
            .is_ok()
    }

    /// [`VerifyingKey::verify`] with a standard-base64 signature; false if it is not base64.
    pub fn verify_base64(&self, message: &[u8], signature_b64: &str) -> bool {
        match STANDARD.decode(signature_b64.trim()) {
            Ok(signature) => self.verify(message, &signature),
            Err(_) => false,
        }
    }

    /// The key as SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`), e.g. for a fake's `pub_key.pem`.
    pub fn to_spki_pem(&self) -> Result<String, KeyError> {
        let key = rsa::PublicKey::from_pkcs1_der(&self.pkcs1)
            .map_err(|e| KeyError::Rejected(e.to_string()))?;
        key.to_public_key_pem(LineEnding::LF)
            .map_err(|e| KeyError::Rejected(e.to_string()))
    }
}

/// Splits key text into its PEM label (None for bare base64) and DER bytes.
///
/// Hand-rolled rather than strict RFC 7468 so that keys pasted from the providers' portals
/// parse whatever their line length or line endings; whitespace inside the base64 is ignored.
fn decode_text(text: &str) -> Result<(Option<String>, Vec<u8>), KeyError> {
    let text = text.trim();
    let Some(rest) = text.strip_prefix("-----BEGIN ") else {
        return Ok((None, decode_base64(text)?));
    };
    let (label, rest) = rest.split_once("-----").ok_or(KeyError::UnterminatedPem)?;
    let end = format!("-----END {label}-----");
    let (body, _) = rest
        .split_once(end.as_str())
        .ok_or(KeyError::UnterminatedPem)?;
    // RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: …`) mark an encrypted legacy key.
    if body.contains(':') {
        return Err(KeyError::Encrypted);
    }
    Ok((Some(label.to_owned()), decode_base64(body)?))
}

fn decode_base64(text: &str) -> Result<Vec<u8>, KeyError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.is_empty() {
        return Err(KeyError::NotBase64);
    }
    STANDARD.decode(compact).map_err(|_| KeyError::NotBase64)
}

/// A fresh 2048-bit RSA key pair: (PKCS#8 private PEM, SPKI public PEM). Slow in debug builds
/// unless the bignum crates are optimised; callers cache the result.
#[cfg(any(test, feature = "test-keys"))]
pub fn generate_keypair() -> (String, String) {
    use rsa::pkcs8::EncodePrivateKey as _;
    let private = rsa::PrivateKey::new(&mut test_rng::RingRng(SystemRandom::new()), 2048)
        .expect("2048-bit RSA key generation failed");
    let private_pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .expect("PKCS#8 encoding failed");
    let public_pem = private
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("SPKI encoding failed");
    (private_pem.to_string(), public_pem)
}

/// ring's system random source as the RNG `rsa` key generation asks for, so tests need no
/// other random crate.
#[cfg(any(test, feature = "test-keys"))]
mod test_rng {
    use ring::rand::{SecureRandom as _, SystemRandom};
    use rsa::rand_core::{TryCryptoRng, TryRng};

    pub(super) struct RingRng(pub(super) SystemRandom);

    #[derive(Debug, thiserror::Error)]
    #[error("system random source failed")]
    pub(super) struct RngFailed;

    impl TryRng for RingRng {
        type Error = RngFailed;
        fn try_next_u32(&mut self) -> Result<u32, RngFailed> {
            let mut bytes = [0; 4];
            self.try_fill_bytes(&mut bytes)?;
            Ok(u32::from_le_bytes(bytes))
        }
        fn try_next_u64(&mut self) -> Result<u64, RngFailed> {
            let mut bytes = [0; 8];
            self.try_fill_bytes(&mut bytes)?;
            Ok(u64::from_le_bytes(bytes))
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), RngFailed> {
            self.0.fill(dst).map_err(|_| RngFailed)
        }
    }

    impl TryCryptoRng for RingRng {}
}

/// Keys shared by every test in the crate: generated once, because generation is the slow part.
#[cfg(test)]
pub(crate) mod test_keys {
    use std::sync::OnceLock;

    /// (PKCS#8 private PEM, SPKI public PEM) for "our" key, and a second, unrelated pair.
    pub(crate) fn pair(index: usize) -> &'static (String, String) {
        static PAIRS: [OnceLock<(String, String)>; 2] = [OnceLock::new(), OnceLock::new()];
        PAIRS[index].get_or_init(super::generate_keypair)
    }

    pub(crate) fn signing(index: usize) -> super::SigningKey {
        super::SigningKey::parse(&pair(index).0).expect("generated key parses")
    }

    pub(crate) fn verifying(index: usize) -> super::VerifyingKey {
        super::VerifyingKey::parse(&pair(index).1).expect("generated key parses")
    }
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
