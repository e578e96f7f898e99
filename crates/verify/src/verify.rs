//! Offline verification of a license file, and of an online validation's receipt.
//!
//! The steps run in a fixed order (shared/licensing.md §4) so each refusal means one thing:
//! nothing from the payload is looked at before its signature verified, and the clock is
//! judged only once the file is known to be genuine and meant for this product and machine.
//! The caller supplies the time and the stored high-water mark, so every rule is testable
//! and the only I/O is the caller's choice (see [`crate::state`]).

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::de::DeserializeOwned;

use crate::armour;
use crate::claims::{FILE_TYP, FileClaims, Footer, IMPLICIT_ASSERTION, RECEIPT_TYP, ReceiptClaims};
use crate::keys::KeySet;
use crate::paseto::{self, PasetoError};

/// How far the local clock may be behind the server's before an issue time counts as "in the
/// future", and behind the high-water mark before it counts as rolled back (Keygen's drift).
pub const MAX_CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);

/// What the file must be for. `None` skips a check (an unbound build, a vendor's own
/// fingerprint scheme checked elsewhere).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expect<'a> {
    /// The product code, compared with the file's `aud`.
    pub product: Option<&'a str>,
    /// This machine's fingerprint, compared with the file's, ignoring ASCII case (hex).
    pub fingerprint: Option<&'a str>,
}

/// A file that verified.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub claims: FileClaims,
    /// The id of the key that signed it.
    pub kid: String,
    /// Past the license's `valid_until` but before the file's `exp`.
    pub in_grace: bool,
    /// The instant the file was judged at: `max(now, high water, iat)`.
    pub evaluated_at: DateTime<Utc>,
    /// The mark to store back in the state file (equal to `evaluated_at`).
    pub high_water: DateTime<Utc>,
}

impl Verified {
    /// `"valid"` or `"in_grace"`.
    pub fn code(&self) -> &'static str {
        if self.in_grace { "in_grace" } else { "valid" }
    }

    /// The CLI's exit code: 0 valid, 10 in grace.
    pub fn exit_code(&self) -> u8 {
        if self.in_grace { 10 } else { 0 }
    }
}

/// Why a file or receipt was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// Not an armoured v4.public token, wrong `typ`, or a payload that is not the claims.
    Malformed(String),
    /// The footer names a key that is not in the trusted set.
    UnknownKey(String),
    /// The signature does not verify under the named key.
    BadSignature,
    ProductMismatch {
        expected: String,
        found: String,
    },
    MachineMismatch {
        expected: String,
        found: String,
    },
    /// The file was issued (this `iat`) more than the allowed skew after the local clock.
    IssuedInFuture(DateTime<Utc>),
    /// The local clock is more than the allowed skew behind a time already seen.
    ClockRolledBack {
        now: DateTime<Utc>,
        high_water: DateTime<Utc>,
    },
    /// The file's `nbf` is later than the instant evaluated.
    NotYetValid(DateTime<Utc>),
    /// The file's (or receipt's) `exp` has passed.
    Expired(DateTime<Utc>),
}

impl Refusal {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::UnknownKey(_) => "unknown_key",
            Self::BadSignature => "bad_signature",
            Self::ProductMismatch { .. } => "product_mismatch",
            Self::MachineMismatch { .. } => "machine_mismatch",
            Self::IssuedInFuture(_) => "issued_in_future",
            Self::ClockRolledBack { .. } => "clock_rolled_back",
            Self::NotYetValid(_) => "not_yet_valid",
            Self::Expired(_) => "expired",
        }
    }

    /// The CLI's exit code: 20s for time limits, 30s for binding, 40 for authenticity, 50
    /// for the clock.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Expired(_) => 20,
            Self::NotYetValid(_) => 21,
            Self::MachineMismatch { .. } => 30,
            Self::ProductMismatch { .. } => 31,
            Self::Malformed(_) | Self::UnknownKey(_) | Self::BadSignature => 40,
            Self::IssuedInFuture(_) | Self::ClockRolledBack { .. } => 50,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(why) => write!(f, "The license file is malformed: {why}."),
            Self::UnknownKey(kid) => write!(
                f,
                "The license file is signed with key {kid}, which is not in the trusted key set."
            ),
            Self::BadSignature => f.write_str("The license file's signature does not verify."),
            Self::ProductMismatch { expected, found } => {
                write!(
                    f,
                    "The license file is for product {found}, not {expected}."
                )
            }
            Self::MachineMismatch { expected, found } => write!(
                f,
                "The license file is for the machine with fingerprint {found}, not this one ({expected})."
            ),
            Self::IssuedInFuture(iat) => write!(
                f,
                "The license file was issued at {}, later than this machine's clock allows; check the clock.",
                iat.to_rfc3339()
            ),
            Self::ClockRolledBack { now, high_water } => write!(
                f,
                "This machine's clock reads {}, before {} already seen; the clock was set back.",
                now.to_rfc3339(),
                high_water.to_rfc3339()
            ),
            Self::NotYetValid(nbf) => {
                write!(
                    f,
                    "The license file is not valid before {}.",
                    nbf.to_rfc3339()
                )
            }
            Self::Expired(exp) => write!(f, "The license file expired at {}.", exp.to_rfc3339()),
        }
    }
}

impl std::error::Error for Refusal {}

/// Verifies an armoured license file at `now`, given the high-water mark from the state file
/// (if any). On success, store [`Verified::high_water`] back so a clock set back later is
/// caught.
pub fn verify_file(
    text: &str,
    keys: &KeySet,
    expect: &Expect,
    now: DateTime<Utc>,
    high_water: Option<DateTime<Utc>>,
) -> Result<Verified, Refusal> {
    let token = armour::unwrap(text).map_err(|e| Refusal::Malformed(e.to_string()))?;
    let (kid, claims) = open::<FileClaims>(&token, keys, FILE_TYP)?;
    check_binding(&claims, expect)?;
    let at = evaluation_instant(now, high_water, claims.iat)?;
    if at < claims.nbf {
        return Err(Refusal::NotYetValid(claims.nbf));
    }
    if at >= claims.exp {
        return Err(Refusal::Expired(claims.exp));
    }
    let in_grace = at >= claims.license.valid_until;
    Ok(Verified {
        claims,
        kid,
        in_grace,
        evaluated_at: at,
        high_water: at,
    })
}

/// Verifies a receipt (a bare token) from online validation. The receipt's `iat` is the
/// server's time, which is the point of asking: it is not compared with the local clock. Its
/// `exp` is, with the same skew allowed, so a receipt stays usable for its few minutes even on
/// a clock a little ahead; the nonce, checked by the caller, is what defeats replay.
pub fn verify_receipt(
    token: &str,
    keys: &KeySet,
    now: DateTime<Utc>,
) -> Result<ReceiptClaims, Refusal> {
    let (_, claims) = open::<ReceiptClaims>(token.trim(), keys, RECEIPT_TYP)?;
    let earliest_now = now
        .checked_sub_signed(MAX_CLOCK_SKEW)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    if earliest_now >= claims.exp {
        return Err(Refusal::Expired(claims.exp));
    }
    Ok(claims)
}

/// Steps 2–4: the footer's key must be trusted, the signature must verify under it, and only
/// then are the `typ` and the payload read. Returns the key id and the claims.
fn open<T: DeserializeOwned>(
    token: &str,
    keys: &KeySet,
    typ: &str,
) -> Result<(String, T), Refusal> {
    let footer = paseto::footer(token).map_err(from_paseto)?;
    let footer: Footer = serde_json::from_slice(&footer)
        .map_err(|e| Refusal::Malformed(format!("the footer is not Entitle's: {e}")))?;
    let key = keys
        .get(&footer.kid)
        .ok_or_else(|| Refusal::UnknownKey(footer.kid.clone()))?;
    let verified = paseto::verify(key, token, IMPLICIT_ASSERTION).map_err(from_paseto)?;
    // The footer parsed above came from the same token, so it is the one just authenticated.
    if footer.typ != typ {
        return Err(Refusal::Malformed(format!(
            "its type is {:?}, not {typ:?}",
            footer.typ
        )));
    }
    let claims = serde_json::from_slice(&verified.message)
        .map_err(|e| Refusal::Malformed(format!("the payload does not hold the claims: {e}")))?;
    Ok((footer.kid, claims))
}

fn from_paseto(error: PasetoError) -> Refusal {
    match error {
        PasetoError::BadSignature => Refusal::BadSignature,
        PasetoError::Malformed(why) => Refusal::Malformed(why.to_owned()),
    }
}

/// Steps 5–6: the file must be for this product and this machine.
fn check_binding(claims: &FileClaims, expect: &Expect) -> Result<(), Refusal> {
    if let Some(product) = expect.product
        && product != claims.aud
    {
        return Err(Refusal::ProductMismatch {
            expected: product.to_owned(),
            found: claims.aud.clone(),
        });
    }
    if let Some(fingerprint) = expect.fingerprint
        && !fingerprint.eq_ignore_ascii_case(&claims.machine.fingerprint)
    {
        return Err(Refusal::MachineMismatch {
            expected: fingerprint.to_owned(),
            found: claims.machine.fingerprint.clone(),
        });
    }
    Ok(())
}

/// Step 7: the instant to judge the file at. A clock well behind the file's issue time or the
/// stored mark is refused outright; a clock a little behind (within the skew) is tolerated
/// but gains nothing, since the latest known time is used instead of `now`.
fn evaluation_instant(
    now: DateTime<Utc>,
    high_water: Option<DateTime<Utc>>,
    iat: DateTime<Utc>,
) -> Result<DateTime<Utc>, Refusal> {
    let latest_allowed = now
        .checked_add_signed(MAX_CLOCK_SKEW)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    if latest_allowed < iat {
        return Err(Refusal::IssuedInFuture(iat));
    }
    if let Some(high_water) = high_water
        && latest_allowed < high_water
    {
        return Err(Refusal::ClockRolledBack { now, high_water });
    }
    let at = now.max(iat);
    Ok(high_water.map_or(at, |high_water| at.max(high_water)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn evaluates_at_the_latest_known_time() {
        let now = t("2026-08-01T10:00:00Z");
        assert_eq!(
            evaluation_instant(now, None, t("2026-07-01T00:00:00Z")),
            Ok(now)
        );
        let iat = t("2026-08-01T10:04:00Z");
        assert_eq!(evaluation_instant(now, None, iat), Ok(iat));
        let hw = t("2026-08-01T10:03:00Z");
        assert_eq!(
            evaluation_instant(now, Some(hw), t("2026-07-01T00:00:00Z")),
            Ok(hw)
        );
        assert_eq!(
            evaluation_instant(now, Some(t("2026-01-01T00:00:00Z")), now),
            Ok(now)
        );
    }

    #[test]
    fn refuses_clocks_beyond_the_skew() {
        let now = t("2026-08-01T10:00:00Z");
        let iat = t("2026-08-01T10:05:01Z");
        assert_eq!(
            evaluation_instant(now, None, iat),
            Err(Refusal::IssuedInFuture(iat))
        );
        assert_eq!(
            evaluation_instant(now, None, t("2026-08-01T10:05:00Z")),
            Ok(t("2026-08-01T10:05:00Z"))
        );
        let hw = t("2026-08-01T10:05:01Z");
        assert_eq!(
            evaluation_instant(now, Some(hw), now),
            Err(Refusal::ClockRolledBack {
                now,
                high_water: hw
            })
        );
    }

    #[test]
    fn does_not_overflow_at_the_end_of_time() {
        let end = DateTime::<Utc>::MAX_UTC;
        assert_eq!(evaluation_instant(end, Some(end), end), Ok(end));
    }

    #[test]
    fn codes_and_exit_codes_are_distinct_per_kind() {
        let when = t("2026-08-01T10:00:00Z");
        let all = [
            Refusal::Malformed("x".to_owned()),
            Refusal::UnknownKey("k".to_owned()),
            Refusal::BadSignature,
            Refusal::ProductMismatch {
                expected: "dr".to_owned(),
                found: "failback".to_owned(),
            },
            Refusal::MachineMismatch {
                expected: "a".to_owned(),
                found: "b".to_owned(),
            },
            Refusal::IssuedInFuture(when),
            Refusal::ClockRolledBack {
                now: when,
                high_water: when,
            },
            Refusal::NotYetValid(when),
            Refusal::Expired(when),
        ];
        let codes: std::collections::BTreeSet<&str> = all.iter().map(Refusal::code).collect();
        assert_eq!(codes.len(), all.len());
        let exits: Vec<u8> = all.iter().map(Refusal::exit_code).collect();
        assert_eq!(exits, [40, 40, 40, 31, 30, 50, 50, 21, 20]);
        assert!(all.iter().all(|refusal| refusal.to_string().ends_with('.')));
    }
}
