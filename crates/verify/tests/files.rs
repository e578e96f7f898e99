//! License files end to end: signed as the server signs them, checked as the vendor's
//! software checks them, one test per outcome of `verify_file`, plus the state file.

use std::path::PathBuf;

use chrono::{DateTime, TimeDelta, Utc};
use entitle_verify::claims::IMPLICIT_ASSERTION;
use entitle_verify::{
    Expect, FILE_TYP, FileClaims, Footer, Jwk, Jwks, KeySet, LicenseClaims, MachineClaims,
    RECEIPT_TYP, ReceiptClaims, Refusal, SigningKey, armour, paseto, state, verify_file,
    verify_receipt,
};

const FINGERPRINT: &str = "9f3c1d2e4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
const EXPECT: Expect<'static> = Expect {
    product: Some("dr"),
    fingerprint: Some(FINGERPRINT),
};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("an RFC 3339 time")
}

fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

/// A DR license issued 2026-08-01, paid until 2027-01-31, in grace until 2027-03-02.
fn claims() -> FileClaims {
    FileClaims {
        iss: "https://licensing.vendor.example".to_owned(),
        sub: "lic-1".to_owned(),
        aud: "dr".to_owned(),
        jti: "file-1".to_owned(),
        iat: t("2026-08-01T10:00:00Z"),
        nbf: t("2026-08-01T10:00:00Z"),
        exp: t("2027-03-02T00:00:00Z"),
        license: LicenseClaims {
            id: "lic-1".to_owned(),
            product: "dr".to_owned(),
            kind: "term".to_owned(),
            status: "active".to_owned(),
            valid_from: t("2026-08-01T00:00:00Z"),
            valid_until: t("2027-01-31T00:00:00Z"),
            grace_until: t("2027-03-02T00:00:00Z"),
            auto_renew: true,
            account: "acc-1".to_owned(),
            account_name: "ACME".to_owned(),
        },
        machine: MachineClaims {
            id: "m-1".to_owned(),
            fingerprint: FINGERPRINT.to_owned(),
            hostname: "dr-esx-07".to_owned(),
        },
        one_time: None,
        refresh_after: Some(t("2026-08-02T10:00:00Z")),
    }
}

fn token<T: serde::Serialize>(payload: &T, kid: &str, typ: &str) -> String {
    let footer = Footer {
        kid: kid.to_owned(),
        typ: typ.to_owned(),
    };
    paseto::sign(
        &signing_key(),
        &serde_json::to_vec(payload).unwrap(),
        &serde_json::to_vec(&footer).unwrap(),
        IMPLICIT_ASSERTION,
    )
}

fn file(claims: &FileClaims) -> String {
    armour::wrap(&token(claims, "k1", FILE_TYP))
}

/// A key set holding the test key under `kid`, read from its JWKS JSON.
fn keys(kid: &str) -> KeySet {
    let jwks = Jwks {
        keys: vec![Jwk::ed25519(
            &signing_key().verifying_key(),
            kid.to_owned(),
            "active",
            None,
        )],
    };
    KeySet::from_jwks(&serde_json::to_string(&jwks).unwrap()).unwrap()
}

fn check(
    text: &str,
    now: &str,
    high_water: Option<&str>,
) -> Result<entitle_verify::Verified, Refusal> {
    verify_file(text, &keys("k1"), &EXPECT, t(now), high_water.map(t))
}

/// The current file, checked on 2026-09-01 against `expect`.
fn check_expecting(expect: &Expect) -> Result<entitle_verify::Verified, Refusal> {
    verify_file(
        &file(&claims()),
        &keys("k1"),
        expect,
        t("2026-09-01T00:00:00Z"),
        None,
    )
}

#[test]
fn a_current_file_is_valid() {
    let verified = check(&file(&claims()), "2026-09-01T00:00:00Z", None).unwrap();
    assert_eq!(verified.code(), "valid");
    assert_eq!(verified.exit_code(), 0);
    assert!(!verified.in_grace);
    assert_eq!(verified.kid, "k1");
    assert_eq!(verified.claims, claims());
    assert_eq!(verified.evaluated_at, t("2026-09-01T00:00:00Z"));
    assert_eq!(verified.high_water, t("2026-09-01T00:00:00Z"));
}

#[test]
fn a_handwritten_jwks_with_a_retired_key_verifies() {
    let x = Jwk::ed25519(
        &signing_key().verifying_key(),
        "k1".to_owned(),
        "retired",
        None,
    )
    .x;
    let jwks = format!(
        r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}","kid":"k1","use":"sig","status":"retired","not_before":"2026-07-01T00:00:00Z"}}]}}"#
    );
    let keys = KeySet::from_jwks(&jwks).unwrap();
    let verified = verify_file(
        &file(&claims()),
        &keys,
        &EXPECT,
        t("2026-09-01T00:00:00Z"),
        None,
    );
    assert_eq!(verified.map(|v| v.code()), Ok("valid"));
}

#[test]
fn past_the_term_but_before_exp_is_in_grace() {
    let verified = check(&file(&claims()), "2027-02-10T00:00:00Z", None).unwrap();
    assert!(verified.in_grace);
    assert_eq!(verified.code(), "in_grace");
    assert_eq!(verified.exit_code(), 10);
}

#[test]
fn at_exp_the_file_has_expired() {
    let refusal = check(&file(&claims()), "2027-03-02T00:00:00Z", None).unwrap_err();
    assert_eq!(refusal, Refusal::Expired(t("2027-03-02T00:00:00Z")));
    assert_eq!(refusal.code(), "expired");
    assert_eq!(refusal.exit_code(), 20);
    // One second before, it is still (in grace) valid.
    assert!(check(&file(&claims()), "2027-03-01T23:59:59Z", None).is_ok_and(|v| v.in_grace));
}

#[test]
fn before_nbf_the_file_is_not_yet_valid() {
    let mut claims = claims();
    claims.nbf = t("2026-09-01T00:00:00Z");
    let refusal = check(&file(&claims), "2026-08-15T00:00:00Z", None).unwrap_err();
    assert_eq!(refusal, Refusal::NotYetValid(t("2026-09-01T00:00:00Z")));
    assert_eq!(refusal.code(), "not_yet_valid");
    assert_eq!(refusal.exit_code(), 21);
}

#[test]
fn another_product_is_refused() {
    let expect = Expect {
        product: Some("failback"),
        ..EXPECT
    };
    let refusal = check_expecting(&expect).unwrap_err();
    assert_eq!(
        refusal,
        Refusal::ProductMismatch {
            expected: "failback".to_owned(),
            found: "dr".to_owned()
        }
    );
    assert_eq!(refusal.code(), "product_mismatch");
    assert_eq!(refusal.exit_code(), 31);
}

#[test]
fn another_machine_is_refused_and_hex_case_does_not_matter() {
    let other = "0".repeat(64);
    let expect = Expect {
        fingerprint: Some(other.as_str()),
        ..EXPECT
    };
    let refusal = check_expecting(&expect).unwrap_err();
    assert_eq!(refusal.code(), "machine_mismatch");
    assert_eq!(refusal.exit_code(), 30);

    let upper = FINGERPRINT.to_ascii_uppercase();
    let expect = Expect {
        fingerprint: Some(upper.as_str()),
        ..EXPECT
    };
    assert!(check_expecting(&expect).is_ok());

    let unbound = Expect::default();
    assert!(check_expecting(&unbound).is_ok());
}

#[test]
fn a_changed_character_is_refused() {
    let original = token(&claims(), "k1", FILE_TYP);
    let (body, _) = original.rsplit_once('.').unwrap();
    let mut refusals = Vec::new();
    // Change one character at several places in the body: the payload's start, middle, and
    // the signature.
    for at in [paseto::HEADER.len() + 5, body.len() / 2, body.len() - 20] {
        let mut bytes = original.clone().into_bytes();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let forged = armour::wrap(&String::from_utf8(bytes).unwrap());
        let refusal = check(&forged, "2026-09-01T00:00:00Z", None).unwrap_err();
        assert_eq!(refusal.exit_code(), 40, "{refusal}");
        assert!(
            matches!(refusal.code(), "bad_signature" | "malformed"),
            "{refusal}"
        );
        refusals.push(refusal);
    }
    assert!(refusals.contains(&Refusal::BadSignature));
}

#[test]
fn a_swapped_footer_is_refused() {
    // The same body with a footer naming another type: the footer is signed, so this fails.
    let file_token = token(&claims(), "k1", FILE_TYP);
    let receipt_token = token(&claims(), "k1", RECEIPT_TYP);
    let (body, _) = file_token.rsplit_once('.').unwrap();
    let (_, footer) = receipt_token.rsplit_once('.').unwrap();
    let forged = armour::wrap(&format!("{body}.{footer}"));
    assert_eq!(
        check(&forged, "2026-09-01T00:00:00Z", None),
        Err(Refusal::BadSignature)
    );
}

#[test]
fn an_unknown_key_is_refused() {
    let refusal = verify_file(
        &file(&claims()),
        &keys("k2"),
        &EXPECT,
        t("2026-09-01T00:00:00Z"),
        None,
    )
    .unwrap_err();
    assert_eq!(refusal, Refusal::UnknownKey("k1".to_owned()));
    assert_eq!(refusal.code(), "unknown_key");
    assert_eq!(refusal.exit_code(), 40);
}

#[test]
fn a_file_signed_by_another_key_is_refused() {
    let other = SigningKey::from_bytes(&[8u8; 32]);
    let footer = serde_json::to_vec(&Footer {
        kid: "k1".to_owned(),
        typ: FILE_TYP.to_owned(),
    })
    .unwrap();
    let forged = paseto::sign(
        &other,
        &serde_json::to_vec(&claims()).unwrap(),
        &footer,
        IMPLICIT_ASSERTION,
    );
    assert_eq!(
        check(&armour::wrap(&forged), "2026-09-01T00:00:00Z", None),
        Err(Refusal::BadSignature)
    );
}

#[test]
fn a_receipt_is_not_a_license_file() {
    let forged = armour::wrap(&token(&claims(), "k1", RECEIPT_TYP));
    let refusal = check(&forged, "2026-09-01T00:00:00Z", None).unwrap_err();
    assert_eq!(refusal.code(), "malformed");
    assert_eq!(refusal.exit_code(), 40);
}

#[test]
fn text_that_is_not_a_license_file_is_malformed() {
    let bare = token(&claims(), "k1", FILE_TYP);
    assert!(matches!(
        check(&bare, "2026-09-01T00:00:00Z", None),
        Err(Refusal::Malformed(_))
    ));
    let padded = format!("{}{}", " ".repeat(16 * 1024), file(&claims()));
    assert!(matches!(
        check(&padded, "2026-09-01T00:00:00Z", None),
        Err(Refusal::Malformed(_))
    ));
    let payload = armour::wrap(&paseto::sign(
        &signing_key(),
        br#"{"not":"claims"}"#,
        &serde_json::to_vec(&Footer {
            kid: "k1".to_owned(),
            typ: FILE_TYP.to_owned(),
        })
        .unwrap(),
        IMPLICIT_ASSERTION,
    ));
    assert!(matches!(
        check(&payload, "2026-09-01T00:00:00Z", None),
        Err(Refusal::Malformed(_))
    ));
}

#[test]
fn an_issue_time_ten_minutes_ahead_is_refused() {
    let now = t("2026-08-01T10:00:00Z");
    let mut claims = claims();
    claims.iat = now + TimeDelta::minutes(10);
    claims.nbf = claims.iat;
    let refusal = check(&file(&claims), "2026-08-01T10:00:00Z", None).unwrap_err();
    assert_eq!(refusal, Refusal::IssuedInFuture(claims.iat));
    assert_eq!(refusal.code(), "issued_in_future");
    assert_eq!(refusal.exit_code(), 50);

    // Four minutes ahead is within the skew, and the file is judged at its issue time.
    claims.iat = now + TimeDelta::minutes(4);
    claims.nbf = claims.iat;
    let verified = check(&file(&claims), "2026-08-01T10:00:00Z", None).unwrap();
    assert_eq!(verified.evaluated_at, claims.iat);
}

#[test]
fn a_clock_an_hour_behind_the_high_water_mark_is_refused() {
    let refusal = check(
        &file(&claims()),
        "2026-09-01T00:00:00Z",
        Some("2026-09-01T01:00:00Z"),
    )
    .unwrap_err();
    assert_eq!(
        refusal,
        Refusal::ClockRolledBack {
            now: t("2026-09-01T00:00:00Z"),
            high_water: t("2026-09-01T01:00:00Z")
        }
    );
    assert_eq!(refusal.code(), "clock_rolled_back");
    assert_eq!(refusal.exit_code(), 50);
}

#[test]
fn a_clock_two_minutes_behind_is_judged_at_the_high_water_mark() {
    let verified = check(
        &file(&claims()),
        "2026-09-01T00:00:00Z",
        Some("2026-09-01T00:02:00Z"),
    )
    .unwrap();
    assert_eq!(verified.evaluated_at, t("2026-09-01T00:02:00Z"));
    assert_eq!(verified.high_water, t("2026-09-01T00:02:00Z"));

    // A file that expires between now and the mark has expired.
    let mut claims = claims();
    claims.exp = t("2026-09-01T00:01:00Z");
    claims.license.valid_until = claims.exp;
    claims.license.grace_until = claims.exp;
    assert!(check(&file(&claims), "2026-09-01T00:00:00Z", None).is_ok());
    assert_eq!(
        check(
            &file(&claims),
            "2026-09-01T00:00:00Z",
            Some("2026-09-01T00:02:00Z")
        ),
        Err(Refusal::Expired(t("2026-09-01T00:01:00Z")))
    );
}

fn receipt(iat: &str, exp: &str) -> ReceiptClaims {
    ReceiptClaims {
        sub: "lic-1".to_owned(),
        fpr: Some(FINGERPRINT.to_owned()),
        code: "valid".to_owned(),
        valid: true,
        nonce: Some("bm9uY2Utbm9uY2Utbm9uY2U".to_owned()),
        iat: t(iat),
        exp: t(exp),
    }
}

#[test]
fn receipts_verify_until_they_expire() {
    let signed = receipt("2026-09-01T00:00:00Z", "2026-09-01T00:05:00Z");
    let receipt_token = token(&signed, "k1", RECEIPT_TYP);
    let at = |now: &str| verify_receipt(&receipt_token, &keys("k1"), t(now));
    assert_eq!(at("2026-09-01T00:01:00Z"), Ok(signed.clone()));
    // The local clock may run a little ahead of the server's.
    assert!(at("2026-09-01T00:09:59Z").is_ok());
    assert_eq!(
        at("2026-09-01T00:10:00Z"),
        Err(Refusal::Expired(signed.exp))
    );
    assert_eq!(
        verify_receipt(&receipt_token, &keys("k2"), t("2026-09-01T00:01:00Z")),
        Err(Refusal::UnknownKey("k1".to_owned()))
    );
    // A license file's token is not a receipt.
    let file_token = token(&claims(), "k1", FILE_TYP);
    assert!(matches!(
        verify_receipt(&file_token, &keys("k1"), t("2026-09-01T00:01:00Z")),
        Err(Refusal::Malformed(_))
    ));
}

/// A fresh directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path =
            std::env::temp_dir().join(format!("entitle-verify-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn the_state_file_round_trips_and_never_lowers() {
    let dir = TempDir::new("state");
    let path = dir.0.join("state.json");
    assert_eq!(state::read(&path).unwrap(), None);

    state::write(&path, t("2026-09-01T00:02:00Z")).unwrap();
    assert_eq!(state::read(&path).unwrap(), Some(t("2026-09-01T00:02:00Z")));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(json["high_water"], "2026-09-01T00:02:00Z");

    state::write(&path, t("2026-08-01T00:00:00Z")).unwrap();
    assert_eq!(state::read(&path).unwrap(), Some(t("2026-09-01T00:02:00Z")));

    state::write(&path, t("2026-10-01T00:00:00Z")).unwrap();
    assert_eq!(state::read(&path).unwrap(), Some(t("2026-10-01T00:00:00Z")));
    assert!(!dir.0.join("state.json.tmp").exists());
}

#[test]
fn an_unreadable_state_file_is_invalid_data_and_kept() {
    let dir = TempDir::new("corrupt");
    let path = dir.0.join("state.json");
    std::fs::write(&path, b"not json").unwrap();
    assert_eq!(
        state::read(&path).unwrap_err().kind(),
        std::io::ErrorKind::InvalidData
    );
    assert_eq!(
        state::write(&path, t("2026-09-01T00:00:00Z"))
            .unwrap_err()
            .kind(),
        std::io::ErrorKind::InvalidData
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"not json");
}

#[test]
fn verification_and_state_work_together() {
    let dir = TempDir::new("together");
    let path = dir.0.join("state.json");
    let text = file(&claims());
    let first = check(&text, "2026-09-01T12:00:00Z", None).unwrap();
    state::write(&path, first.high_water).unwrap();
    // The clock is then set back a day: refused against the stored mark.
    let stored = state::read(&path).unwrap();
    let refusal = verify_file(
        &text,
        &keys("k1"),
        &EXPECT,
        t("2026-08-31T12:00:00Z"),
        stored,
    )
    .unwrap_err();
    assert_eq!(refusal.code(), "clock_rolled_back");
}
