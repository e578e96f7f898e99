//! The paseto-standard v4 test vectors (`tests/vectors/v4.json`, unchanged): the in-house
//! v4.public must produce the expected tokens byte for byte and refuse the failure cases.

use entitle_verify::paseto;
use entitle_verify::{SigningKey, VerifyingKey};
use serde::Deserialize;

const VECTORS: &str = include_str!("vectors/v4.json");

#[derive(Deserialize)]
struct Suite {
    tests: Vec<Vector>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Vector {
    name: String,
    expect_fail: bool,
    #[serde(default)]
    public_key: Option<String>,
    #[serde(default)]
    secret_key: Option<String>,
    #[serde(default)]
    secret_key_seed: Option<String>,
    token: String,
    payload: Option<String>,
    footer: String,
    implicit_assertion: String,
}

fn hex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd-length hex {text}");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digits"))
        .collect()
}

fn verifying_key(hex_key: &str) -> VerifyingKey {
    VerifyingKey::from_bytes(&hex(hex_key).try_into().expect("32 bytes")).expect("a valid key")
}

fn suite() -> Vec<Vector> {
    serde_json::from_str::<Suite>(VECTORS)
        .expect("the vectors parse")
        .tests
}

/// The public-key vectors: the signing ones and every failure case (which, lacking a public
/// key of their own, are checked against the suite's key pair).
fn public_vectors(tests: &[Vector]) -> impl Iterator<Item = &Vector> {
    tests.iter().filter(|v| {
        v.token.starts_with("v4.public.")
            || v.name.starts_with("4-S-")
            || v.name.starts_with("4-F-")
    })
}

#[test]
fn signs_and_verifies_the_public_vectors() {
    let tests = suite();
    let suite_key = tests
        .iter()
        .find_map(|v| v.public_key.as_deref())
        .map(verifying_key)
        .expect("a public key in the suite");
    let (mut signed, mut refused) = (0, 0);
    for vector in public_vectors(&tests) {
        let public = vector
            .public_key
            .as_deref()
            .map_or(suite_key, verifying_key);
        let implicit = vector.implicit_assertion.as_bytes();
        let result = paseto::verify(&public, &vector.token, implicit);
        if vector.expect_fail {
            assert!(result.is_err(), "{} verified but must fail", vector.name);
            refused += 1;
            continue;
        }
        let secret = hex(vector.secret_key.as_deref().expect("a secret key"));
        assert_eq!(
            secret.len(),
            64,
            "{}: secret key is seed ‖ public",
            vector.name
        );
        if let Some(seed) = &vector.secret_key_seed {
            assert_eq!(hex(seed), secret[..32], "{}", vector.name);
        }
        let key = SigningKey::from_bytes(&secret[..32].try_into().expect("32 bytes"));
        assert_eq!(key.verifying_key(), public, "{}", vector.name);
        assert_eq!(secret[32..], public.to_bytes(), "{}", vector.name);

        let payload = vector.payload.as_deref().expect("a payload");
        let footer = vector.footer.as_bytes();
        assert_eq!(
            paseto::sign(&key, payload.as_bytes(), footer, implicit),
            vector.token,
            "{}",
            vector.name
        );

        let verified = result.unwrap_or_else(|e| panic!("{}: {e}", vector.name));
        assert_eq!(verified.message, payload.as_bytes(), "{}", vector.name);
        assert_eq!(verified.footer, footer, "{}", vector.name);
        assert_eq!(
            paseto::footer(&vector.token).expect("a footer"),
            footer,
            "{}",
            vector.name
        );
        assert!(
            paseto::verify(&public, &vector.token, b"another assertion").is_err(),
            "{}: the implicit assertion must be bound",
            vector.name
        );
        signed += 1;
    }
    assert_eq!((signed, refused), (3, 5), "4-S-1..3 sign and 4-F-1..5 fail");
}

#[test]
fn the_hex_helper_decodes() {
    assert_eq!(hex("00ff7a"), [0x00, 0xff, 0x7a]);
}
