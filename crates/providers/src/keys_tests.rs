use rsa::pkcs1::{EncodeRsaPrivateKey as _, EncodeRsaPublicKey as _};
use rsa::pkcs8::{DecodePrivateKey as _, LineEnding};

use super::test_keys::{pair, signing, verifying};
use super::*;

/// The base64 body of a PEM block, as the providers' portals show keys without armour.
fn bare(pem: &str) -> String {
    pem.lines()
        .filter(|line| !line.starts_with("-----"))
        .collect()
}

fn pkcs1_private_pem() -> String {
    let key = rsa::PrivateKey::from_pkcs8_pem(&pair(0).0).expect("generated key decodes");
    key.to_pkcs1_pem(LineEnding::LF)
        .expect("encodes")
        .to_string()
}

fn pkcs1_public_pem() -> String {
    let key = rsa::PrivateKey::from_pkcs8_pem(&pair(0).0).expect("generated key decodes");
    key.to_public_key()
        .to_pkcs1_pem(LineEnding::LF)
        .expect("encodes")
}

#[test]
fn pkcs8_pem_round_trip() {
    let message = b"app_id=2021000000000000&method=alipay.trade.query";
    let signature = signing(0).sign(message);
    assert_eq!(signature.len(), 256);
    assert!(verifying(0).verify(message, &signature));
    assert!(!verifying(0).verify(b"app_id=2021000000000001", &signature));
}

#[test]
fn pkcs1_pem_and_bare_base64_keys_round_trip() {
    let message = "中文 subject & sign".as_bytes();
    let private_texts = [
        pkcs1_private_pem(),
        bare(&pkcs1_private_pem()),
        bare(&pair(0).0),
    ];
    let public_texts = [
        pair(0).1.clone(),
        bare(&pair(0).1),
        pkcs1_public_pem(),
        bare(&pkcs1_public_pem()),
    ];
    for private in &private_texts {
        let key = SigningKey::parse(private).expect("private key parses");
        let signature = key.sign_base64(message);
        for public in &public_texts {
            let public = VerifyingKey::parse(public).expect("public key parses");
            assert!(public.verify_base64(message, &signature));
        }
    }
}

#[test]
fn pem_with_crlf_and_one_long_line_parses() {
    let body = bare(&pair(0).1);
    let text = format!("\r\n-----BEGIN PUBLIC KEY-----\r\n{body}\r\n-----END PUBLIC KEY-----\r\n");
    assert_eq!(VerifyingKey::parse(&text).expect("parses"), verifying(0));
}

#[test]
fn signatures_are_deterministic() {
    // PKCS#1 v1.5 has no salt: the Python SDK cross-check compares bytes, so this must hold.
    let key = signing(0);
    assert_eq!(key.sign(b"same message"), key.sign(b"same message"));
    let reparsed = SigningKey::parse(&pkcs1_private_pem()).expect("parses");
    assert_eq!(
        key.sign_base64(b"same message"),
        reparsed.sign_base64(b"same message")
    );
}

#[test]
fn wrong_key_and_garbage_signatures_fail() {
    let signature = signing(0).sign_base64(b"message");
    assert!(!verifying(1).verify_base64(b"message", &signature));
    assert!(!verifying(0).verify_base64(b"message", "not base64!"));
    assert!(!verifying(0).verify(b"message", &[]));
}

#[test]
fn verifying_key_and_spki_pem_match_the_pair() {
    assert_eq!(signing(0).verifying_key(), verifying(0));
    let pem = verifying(0).to_spki_pem().expect("encodes");
    assert_eq!(VerifyingKey::parse(&pem).expect("parses"), verifying(0));
}

#[test]
fn bad_key_text_is_a_typed_error() {
    assert!(matches!(
        SigningKey::parse("not a key"),
        Err(KeyError::NotBase64)
    ));
    assert!(matches!(SigningKey::parse(""), Err(KeyError::NotBase64)));
    assert!(matches!(
        SigningKey::parse("AAAA"),
        Err(KeyError::Rejected(_))
    ));
    assert!(matches!(
        SigningKey::parse("-----BEGIN PRIVATE KEY-----\nAAAA\n"),
        Err(KeyError::UnterminatedPem)
    ));
    assert!(matches!(
        SigningKey::parse(&pair(0).1),
        Err(KeyError::UnsupportedLabel(_))
    ));
    assert!(matches!(
        VerifyingKey::parse(&pair(0).0),
        Err(KeyError::UnsupportedLabel(_))
    ));
    let encrypted = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----";
    assert!(matches!(
        SigningKey::parse(encrypted),
        Err(KeyError::Encrypted)
    ));
    // A public key where a private one is expected, bare: rejected, not misread.
    assert!(matches!(
        SigningKey::parse(&bare(&pair(0).1)),
        Err(KeyError::Rejected(_))
    ));
}

#[test]
fn debug_never_shows_key_material() {
    let shown = format!("{:?}", signing(0));
    assert!(shown.contains("redacted"), "{shown}");
    let body = bare(&pair(0).0);
    assert!(!shown.contains(&body[40..60]), "{shown}");
    assert!(format!("{:?}", verifying(0)).starts_with("VerifyingKey"));
}
