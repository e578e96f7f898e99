//! Signed HTTP bodies, the common scheme of payment providers' callbacks: a header
//! `t=<unix seconds>,v1=<hex HMAC-SHA256>` over `"<t>.<body>"` with a shared secret, accepted
//! within a tolerance of the receiver's clock. The sandbox signs its callbacks with it
//! (`Entitle-Sandbox-Signature`), and Entitle signs its outbound webhooks with it
//! (`Entitle-Signature`).

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::payments::CallbackRejection;

/// How far a callback's timestamp may be from the receiver's clock: 5 minutes.
pub const TOLERANCE_SECONDS: i64 = 300;

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value signing `body` at `timestamp`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let tag = hex::encode(mac(secret, timestamp, body).finalize().into_bytes());
    format!("t={timestamp},v1={tag}")
}

/// Checks `header` against `body` at `now`: well-formed, fresh, and signed with `secret`
/// (compared in constant time).
pub fn verify(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), CallbackRejection> {
    let mut timestamp = None;
    let mut tag = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => tag = hex::decode(value).ok(),
            _ => {}
        }
    }
    let (Some(timestamp), Some(tag)) = (timestamp, tag) else {
        return Err(CallbackRejection::MissingSignature);
    };
    if (now.timestamp() - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(CallbackRejection::Stale);
    }
    mac(secret, timestamp, body)
        .verify_slice(&tag)
        .map_err(|_| CallbackRejection::BadSignature)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    const SECRET: &[u8] = b"whsec_test";

    #[test]
    fn a_signed_body_verifies() {
        let now = Utc::now();
        let header = sign(SECRET, now.timestamp(), b"{\"a\":1}");
        assert_eq!(verify(SECRET, &header, b"{\"a\":1}", now), Ok(()));
    }

    #[test]
    fn a_tampered_body_or_another_secret_fails() {
        let now = Utc::now();
        let header = sign(SECRET, now.timestamp(), b"{\"a\":1}");
        assert_eq!(
            verify(SECRET, &header, b"{\"a\":2}", now),
            Err(CallbackRejection::BadSignature)
        );
        assert_eq!(
            verify(b"other", &header, b"{\"a\":1}", now),
            Err(CallbackRejection::BadSignature)
        );
    }

    #[test]
    fn an_old_or_future_callback_is_stale() {
        let now = Utc::now();
        let old = sign(SECRET, (now - Duration::minutes(6)).timestamp(), b"x");
        assert_eq!(
            verify(SECRET, &old, b"x", now),
            Err(CallbackRejection::Stale)
        );
        let future = sign(SECRET, (now + Duration::minutes(6)).timestamp(), b"x");
        assert_eq!(
            verify(SECRET, &future, b"x", now),
            Err(CallbackRejection::Stale)
        );
        let recent = sign(SECRET, (now - Duration::minutes(4)).timestamp(), b"x");
        assert_eq!(verify(SECRET, &recent, b"x", now), Ok(()));
    }

    #[test]
    fn garbage_headers_are_missing_signatures() {
        for header in ["", "t=abc,v1=00", "v1=00", "t=1", "t=1,v1=zz"] {
            assert_eq!(
                verify(SECRET, header, b"x", Utc::now()),
                Err(CallbackRejection::MissingSignature),
                "{header}"
            );
        }
    }
}
