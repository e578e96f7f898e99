//! Webhook self-verification, PayPal's preferred way (providers.md §3): the `PAYPAL-*`
//! transmission headers, the signed message `id|time|webhook_id|crc32(body)`, the allow-list
//! the certificate URL must pass, and the certificate's SHA256withRSA check.
//!
//! The certificate is trusted because it comes over HTTPS from an allow-listed PayPal host,
//! not because of its chain: without the allow-list anyone could sign with their own
//! certificate and point `PAYPAL-CERT-URL` at it. PayPal documents no freshness window, so
//! there is no clock here either; replays are stopped by deduplicating on the event's `WH-` id
//! and the capture id.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use crc::{CRC_32_ISO_HDLC, Crc};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject as _;

/// Why a webhook delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// A `PAYPAL-*` transmission header is absent or empty (named in lowercase).
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// `PAYPAL-AUTH-ALGO` names something other than SHA256withRSA.
    #[error("unsupported auth algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// `PAYPAL-CERT-URL` is not https on an allow-listed PayPal host.
    #[error("certificate URL not allowed: {0:?}")]
    CertificateUrlNotAllowed(String),
    /// The text at the cert URL is not a certificate webpki can read.
    #[error("not a usable certificate: {0}")]
    BadCertificate(String),
    /// The signature is not base64, or does not verify with the certificate's key.
    #[error("signature does not verify")]
    BadSignature,
}

/// The only algorithm PayPal signs webhooks with.
pub const AUTH_ALGO: &str = "SHA256withRSA";

/// `PAYPAL-TRANSMISSION-ID`, in lowercase as HTTP/2 and most header maps present names.
pub const TRANSMISSION_ID: &str = "paypal-transmission-id";
/// `PAYPAL-TRANSMISSION-TIME` (RFC 3339, signed as sent).
pub const TRANSMISSION_TIME: &str = "paypal-transmission-time";
/// `PAYPAL-TRANSMISSION-SIG`: standard base64 of the RSA signature.
pub const TRANSMISSION_SIG: &str = "paypal-transmission-sig";
/// `PAYPAL-CERT-URL`: where the signing certificate is.
pub const CERT_URL: &str = "paypal-cert-url";
/// `PAYPAL-AUTH-ALGO`: SHA256withRSA.
pub const AUTH_ALGO_HEADER: &str = "paypal-auth-algo";

/// The transmission headers of one webhook delivery, trimmed, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmission {
    pub id: String,
    pub time: String,
    /// Standard base64.
    pub sig: String,
    pub cert_url: String,
    pub auth_algo: String,
}

impl Transmission {
    /// Reads the five headers via `get(lowercase name)`; a missing or blank one ->
    /// `MissingHeader(name)`; an auth_algo other than SHA256withRSA -> `UnsupportedAlgorithm`,
    /// since a signature we cannot check must not pass for one we did.
    pub fn from_headers<'a>(
        get: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<Transmission, WebhookError> {
        let required = |name: &'static str| match get(name).map(str::trim) {
            Some(value) if !value.is_empty() => Ok(value.to_owned()),
            _ => Err(WebhookError::MissingHeader(name)),
        };
        let transmission = Transmission {
            id: required(TRANSMISSION_ID)?,
            time: required(TRANSMISSION_TIME)?,
            sig: required(TRANSMISSION_SIG)?,
            cert_url: required(CERT_URL)?,
            auth_algo: required(AUTH_ALGO_HEADER)?,
        };
        if transmission.auth_algo != AUTH_ALGO {
            return Err(WebhookError::UnsupportedAlgorithm(transmission.auth_algo));
        }
        Ok(transmission)
    }

    /// `id|time|webhook_id|crc32(body)` (crc32 as unsigned decimal), over the raw body bytes:
    /// a re-serialised body would give another checksum.
    pub fn message(&self, webhook_id: &str, body: &[u8]) -> String {
        transmission_message(&self.id, &self.time, webhook_id, body)
    }
}

/// The zlib / PNG / Ethernet CRC-32, the one PayPal checksums bodies with.
static IEEE: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);

/// IEEE CRC-32 (the zlib one; `crc::CRC_32_ISO_HDLC`): check value 0xCBF43926 for
/// "123456789".
pub fn crc32(body: &[u8]) -> u32 {
    IEEE.checksum(body)
}

/// `transmission_id|transmission_time|webhook_id|crc32`, the same as
/// [`Transmission::message`], as a free fn for fakes. `webhook_id` is our configured id;
/// PayPal's simulator signs with the literal `WEBHOOK_ID`.
pub fn transmission_message(
    transmission_id: &str,
    transmission_time: &str,
    webhook_id: &str,
    body: &[u8],
) -> String {
    format!(
        "{transmission_id}|{transmission_time}|{webhook_id}|{}",
        crc32(body)
    )
}

/// True if the cert URL is https (or plain http to this machine's loopback, where a local
/// fake of PayPal serves it: nothing on the network can answer there) and starts with one of
/// `prefixes`, each compared as given (case-sensitively, byte for byte). A prefix should end with '/' after the host: without it,
/// `https://api.paypal.com` would also admit `https://api.paypal.com.evil.example/`. URLs with
/// whitespace or control characters are refused outright, whatever the prefix, so that the
/// fetcher never sees a URL that parses differently from how it was compared.
pub fn cert_url_allowed(url: &str, prefixes: &[String]) -> bool {
    let secure = url.starts_with("https://")
        || ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"]
            .iter()
            .any(|loopback| url.starts_with(loopback));
    if !secure || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    prefixes
        .iter()
        .any(|prefix| url.starts_with(prefix.as_str()))
}

/// A PayPal signing certificate (X.509, DER inside), parsed once and cached by the server.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("der_len", &self.der.len())
            .finish()
    }
}

impl Certificate {
    /// Parses PEM text (`-----BEGIN CERTIFICATE-----`). The cert URL may serve a chain; the
    /// first certificate is the signer's (leaf first). Rejects text with no certificate, or
    /// one webpki cannot parse as an end-entity certificate (`BadCertificate`), so that a bad
    /// download fails when cached rather than on every delivery. Neither the chain nor the
    /// validity period is checked: trust comes from the allow-listed HTTPS URL.
    pub fn from_pem(text: &str) -> Result<Certificate, WebhookError> {
        let der = CertificateDer::from_pem_slice(text.as_bytes())
            .map_err(|e| WebhookError::BadCertificate(e.to_string()))?;
        webpki::EndEntityCert::try_from(&der)
            .map_err(|e| WebhookError::BadCertificate(e.to_string()))?;
        Ok(Certificate {
            der: der.as_ref().to_vec(),
        })
    }

    /// Verifies `signature_b64` (standard base64 of the RSA PKCS#1 v1.5 SHA-256 signature,
    /// 2048 to 8192-bit keys) over `message` with the certificate's public key. Bad base64 or
    /// no match -> `BadSignature`.
    pub fn verify(&self, message: &[u8], signature_b64: &str) -> Result<(), WebhookError> {
        let signature = STANDARD
            .decode(signature_b64.trim())
            .map_err(|_| WebhookError::BadSignature)?;
        let der = CertificateDer::from(self.der.as_slice());
        let cert = webpki::EndEntityCert::try_from(&der)
            .map_err(|e| WebhookError::BadCertificate(e.to_string()))?;
        cert.verify_signature(
            webpki::ring::RSA_PKCS1_2048_8192_SHA256,
            message,
            &signature,
        )
        .map_err(|_| WebhookError::BadSignature)
    }
}

/// What a fake signs with: base64 SHA256withRSA of the transmission message, i.e. what
/// [`Certificate::verify`] accepts for [`transmission_message`] under the matching certificate.
pub fn sign_transmission(
    key: &crate::SigningKey,
    transmission_id: &str,
    transmission_time: &str,
    webhook_id: &str,
    body: &[u8],
) -> String {
    let message = transmission_message(transmission_id, transmission_time, webhook_id, body);
    key.sign_base64(message.as_bytes())
}

/// The common name of [`self_signed_certificate`]'s certificates: a `.test` name, so it can
/// never be mistaken for one of PayPal's.
#[cfg(any(test, feature = "test-keys"))]
const TEST_COMMON_NAME: &str = "messageverificationcerts.paypal.test";

/// Test-time only: a self-signed certificate (PEM) for the RSA key given as PKCS#8 PEM
/// (`-----BEGIN PRIVATE KEY-----`, the first element of `keys::generate_keypair`), signed
/// PKCS_RSA_SHA256 with that key, common name `messageverificationcerts.paypal.test`. What a
/// fake serves at its cert URL so the server verifies the fake's webhooks as PayPal's.
#[cfg(any(test, feature = "test-keys"))]
pub fn self_signed_certificate(private_pkcs8_pem: &str) -> Result<String, String> {
    let key_pair =
        rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(private_pkcs8_pem, &rcgen::PKCS_RSA_SHA256)
            .map_err(|e| format!("not a PKCS#8 RSA key: {e}"))?;
    let mut params = rcgen::CertificateParams::new(vec![TEST_COMMON_NAME.to_owned()])
        .map_err(|e| e.to_string())?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, TEST_COMMON_NAME);
    let certificate = params.self_signed(&key_pair).map_err(|e| e.to_string())?;
    Ok(certificate.pem())
}
