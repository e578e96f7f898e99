//! What a license file and a receipt say, as JSON shapes shared by the server (which signs
//! them) and the verifier (which reads them), so the two cannot drift apart.
//!
//! Times are RFC 3339 strings in UTC (chrono's serde form), as PASETO's registered claims
//! are. Unknown fields are ignored, so a newer server may add claims that older verifiers
//! skip; a claim this crate relies on is never optional unless it says so.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The footer `typ` of a license file; the version is part of the name, so a future
/// incompatible format is refused rather than misread.
pub const FILE_TYP: &str = "entitle-license-file/1";
/// The footer `typ` of a receipt the server returns from online validation.
pub const RECEIPT_TYP: &str = "entitle-receipt/1";
/// The PASETO implicit assertion every Entitle token is signed with. It is empty: what the
/// token is for is said by the footer's `typ`, which travels with the token and is signed.
pub const IMPLICIT_ASSERTION: &[u8] = b"";

/// The token's footer: readable before verification so the verifier can pick the key, and
/// covered by the signature so neither field can be swapped afterwards.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Footer {
    /// The signing key's id, an RFC 7638 thumbprint in the published key set.
    pub kid: String,
    /// [`FILE_TYP`] or [`RECEIPT_TYP`].
    pub typ: String,
}

/// The payload of a license file: one license on one machine, for a bounded time.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct FileClaims {
    /// The issuing server's base URL.
    pub iss: String,
    /// The license id.
    pub sub: String,
    /// The product code the file is for (`dr`, `failback`, …).
    pub aud: String,
    /// The file's own id, so the server can tell which files it issued.
    pub jti: String,
    /// When the file was issued.
    pub iat: DateTime<Utc>,
    /// The file is not valid before this instant.
    pub nbf: DateTime<Utc>,
    /// The file is not valid from this instant on; separate from the license's own end, so
    /// a file can be short-lived while the license runs for a year.
    pub exp: DateTime<Utc>,
    pub license: LicenseClaims,
    pub machine: MachineClaims,
    /// Present on one-use (failback) licenses.
    #[serde(default)]
    pub one_time: Option<OneTime>,
    /// When an online client should fetch a fresh file.
    #[serde(default)]
    pub refresh_after: Option<DateTime<Utc>>,
}

/// The license as the server saw it when it issued the file.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct LicenseClaims {
    pub id: String,
    pub product: String,
    /// `"term"` or `"one_time"`.
    pub kind: String,
    pub status: String,
    pub valid_from: DateTime<Utc>,
    /// The end of the paid term; past it (and before the file's `exp`) the license is in
    /// grace.
    pub valid_until: DateTime<Utc>,
    pub grace_until: DateTime<Utc>,
    pub auto_renew: bool,
    /// The customer account's id.
    pub account: String,
    /// The customer account's name, for display.
    pub account_name: String,
}

/// The machine the file is bound to.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct MachineClaims {
    pub id: String,
    /// The machine's fingerprint (by default 64 lowercase hex characters, see the
    /// `fingerprint` feature).
    pub fingerprint: String,
    pub hostname: String,
}

/// How many times a one-use license may be used.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct OneTime {
    pub uses: u32,
}

/// A receipt for one online validation: the server's signed answer and time, bound to the
/// client's nonce so a captured "valid" answer cannot be replayed later.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ReceiptClaims {
    /// The license id.
    pub sub: String,
    /// The fingerprint the client validated with, if any.
    #[serde(default)]
    pub fpr: Option<String>,
    /// The validation's code (`valid`, `in_grace`, `expired`, …).
    pub code: String,
    pub valid: bool,
    /// The client's nonce, echoed back.
    #[serde(default)]
    pub nonce: Option<String>,
    /// The server's time when it answered.
    pub iat: DateTime<Utc>,
    /// A few minutes after `iat`: receipts are for immediate use.
    pub exp: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_claims_read_the_documented_json() {
        let json = r#"{"iss":"https://licensing.vendor.example","sub":"lic-1","aud":"dr","jti":"file-1",
          "iat":"2026-08-01T10:00:00Z","nbf":"2026-08-01T10:00:00Z","exp":"2027-03-02T00:00:00Z",
          "license":{"id":"lic-1","product":"dr","kind":"term","status":"active",
            "valid_from":"2026-08-01T00:00:00Z","valid_until":"2027-01-31T00:00:00Z",
            "grace_until":"2027-03-02T00:00:00Z","auto_renew":true,"account":"acc-1","account_name":"ACME"},
          "machine":{"id":"m-1","fingerprint":"9f3c","hostname":"dr-esx-07"},
          "entitlements":["dr.protect"],"heartbeat":null,"refresh_after":"2026-08-02T10:00:00Z"}"#;
        let claims: FileClaims = serde_json::from_str(json).unwrap();
        assert_eq!(claims.aud, "dr");
        assert_eq!(claims.one_time, None);
        assert_eq!(claims.exp.to_rfc3339(), "2027-03-02T00:00:00+00:00");
        assert_eq!(claims.license.account_name, "ACME");
        assert_eq!(
            claims.refresh_after.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-08-02T10:00:00+00:00")
        );
        let again: FileClaims =
            serde_json::from_str(&serde_json::to_string(&claims).unwrap()).unwrap();
        assert_eq!(again, claims);
    }

    #[test]
    fn receipts_default_their_optional_fields() {
        let json = r#"{"sub":"lic-1","code":"valid","valid":true,
          "iat":"2026-08-01T10:00:00Z","exp":"2026-08-01T10:05:00Z"}"#;
        let receipt: ReceiptClaims = serde_json::from_str(json).unwrap();
        assert_eq!(receipt.fpr, None);
        assert_eq!(receipt.nonce, None);
        assert!(receipt.valid);
    }

    #[test]
    fn a_missing_required_claim_is_refused() {
        let json = r#"{"sub":"lic-1","valid":true,"iat":"2026-08-01T10:00:00Z","exp":"2026-08-01T10:05:00Z"}"#;
        assert!(serde_json::from_str::<ReceiptClaims>(json).is_err());
    }
}
