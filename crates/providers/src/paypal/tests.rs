use serde_json::json;

use super::*;
use crate::keys::test_keys::{pair, signing};

/// The textbook bit-at-a-time IEEE CRC-32 (reflected polynomial 0xEDB88320), to check the
/// table-driven one against.
fn reference_crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[test]
fn crc32_is_the_ieee_one() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(crc32(b""), 0);
    let all_bytes: Vec<u8> = (0..=255).collect();
    let bodies: [&[u8]; 4] = [
        b"{}",
        WEBHOOK_EVENT.as_bytes(),
        &all_bytes,
        "中文".as_bytes(),
    ];
    for body in bodies {
        assert_eq!(crc32(body), reference_crc32(body));
    }
}

const HEADERS: [(&str, &str); 5] = [
    (TRANSMISSION_ID, "69cd13f0-d67a-11e5-baa3-778b53f4ae55"),
    (TRANSMISSION_TIME, "2026-12-02T10:01:35Z"),
    (TRANSMISSION_SIG, "c2lnbmF0dXJl"),
    (
        CERT_URL,
        "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77",
    ),
    (AUTH_ALGO_HEADER, "SHA256withRSA"),
];

fn lookup<'a>(headers: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> + 'a {
    move |name: &str| {
        headers
            .iter()
            .find(|(header, _)| *header == name)
            .map(|(_, value)| *value)
    }
}

#[test]
fn transmission_from_headers_and_message() {
    let transmission = Transmission::from_headers(lookup(&HEADERS)).expect("all headers");
    assert_eq!(transmission.id, "69cd13f0-d67a-11e5-baa3-778b53f4ae55");
    assert_eq!(transmission.auth_algo, AUTH_ALGO);
    assert_eq!(
        transmission.message("WH-ID", b"123456789"),
        "69cd13f0-d67a-11e5-baa3-778b53f4ae55|2026-12-02T10:01:35Z|WH-ID|3421780262"
    );
    assert_eq!(
        transmission.message("WEBHOOK_ID", b"{}"),
        transmission_message(&transmission.id, &transmission.time, "WEBHOOK_ID", b"{}")
    );
}

#[test]
fn transmission_refusals() {
    for (index, &(name, _)) in HEADERS.iter().enumerate() {
        let mut absent = HEADERS.to_vec();
        absent.remove(index);
        assert_eq!(
            Transmission::from_headers(lookup(&absent)),
            Err(WebhookError::MissingHeader(name))
        );
        let mut blank = HEADERS.to_vec();
        blank[index].1 = "  ";
        assert_eq!(
            Transmission::from_headers(lookup(&blank)),
            Err(WebhookError::MissingHeader(name))
        );
    }
    let mut other = HEADERS.to_vec();
    other[4].1 = "SHA512withRSA";
    assert_eq!(
        Transmission::from_headers(lookup(&other)),
        Err(WebhookError::UnsupportedAlgorithm(
            "SHA512withRSA".to_owned()
        ))
    );
}

fn default_prefixes() -> Vec<String> {
    DEFAULT_CERT_URL_PREFIXES
        .iter()
        .map(|prefix| (*prefix).to_owned())
        .collect()
}

#[test]
fn cert_url_allow_list() {
    let prefixes = default_prefixes();
    for url in [
        "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77",
        "https://api-m.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42",
    ] {
        assert!(cert_url_allowed(url, &prefixes), "{url}");
    }
    for url in [
        "http://api.paypal.com/v1/notifications/certs/CERT-1",
        "HTTPS://api.paypal.com/v1/notifications/certs/CERT-1",
        "https://api.paypal.com.evil.example/v1/notifications/certs/CERT-1",
        "https://api.paypal.com@evil.example/cert.pem",
        "https://api.paypal.com:8443/cert.pem",
        "https://evil.example/https://api.paypal.com/",
        "https://api.paypal.com/v1/notifications/certs/CERT-1 HTTP/1.1\r\nHost: evil.example",
        "",
    ] {
        assert!(!cert_url_allowed(url, &prefixes), "{url}");
    }
    assert!(!cert_url_allowed("https://api.paypal.com/", &[]));

    let narrow = vec!["https://api.paypal.com/v1/notifications/certs/".to_owned()];
    assert!(cert_url_allowed(
        "https://api.paypal.com/v1/notifications/certs/CERT-1",
        &narrow
    ));
    assert!(!cert_url_allowed(
        "https://api.paypal.com/v1/other/CERT-1",
        &narrow
    ));
    // Plain http only to the loopback (a local fake), and only under a prefix that says so.
    let http = vec![
        "http://127.0.0.1:8080/".to_owned(),
        "http://api.paypal.com/".to_owned(),
    ];
    assert!(cert_url_allowed("http://127.0.0.1:8080/cert.pem", &http));
    assert!(!cert_url_allowed(
        "http://127.0.0.1:8080/cert.pem",
        &prefixes
    ));
    assert!(!cert_url_allowed("http://api.paypal.com/cert.pem", &http));
}

fn certificate_pem(index: usize) -> String {
    self_signed_certificate(&pair(index).0).expect("a certificate for a generated key")
}

#[test]
fn self_signed_certificate_verifies_its_keys_signatures() {
    let pem = certificate_pem(0);
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let certificate = Certificate::from_pem(&pem).expect("parses");
    assert!(format!("{certificate:?}").contains("der_len"));

    let body = WEBHOOK_EVENT.as_bytes();
    let (id, time, webhook_id) = ("69cd13f0", "2026-12-02T10:01:35Z", "1JE4291016473214C");
    let signature = sign_transmission(&signing(0), id, time, webhook_id, body);
    let message = transmission_message(id, time, webhook_id, body);
    assert_eq!(certificate.verify(message.as_bytes(), &signature), Ok(()));

    // Another key's signature, a tampered body, another webhook id, junk: all refused.
    let foreign = sign_transmission(&signing(1), id, time, webhook_id, body);
    assert_eq!(
        certificate.verify(message.as_bytes(), &foreign),
        Err(WebhookError::BadSignature)
    );
    let tampered = transmission_message(id, time, webhook_id, b"{\"id\":\"WH-other\"}");
    assert_eq!(
        certificate.verify(tampered.as_bytes(), &signature),
        Err(WebhookError::BadSignature)
    );
    let other_hook = transmission_message(id, time, "WEBHOOK_ID", body);
    assert_eq!(
        certificate.verify(other_hook.as_bytes(), &signature),
        Err(WebhookError::BadSignature)
    );
    assert_eq!(
        certificate.verify(message.as_bytes(), "%%% not base64"),
        Err(WebhookError::BadSignature)
    );

    // The other key's certificate refuses key 0's signature; a chain is read leaf first.
    let other = Certificate::from_pem(&certificate_pem(1)).expect("parses");
    assert_eq!(
        other.verify(message.as_bytes(), &signature),
        Err(WebhookError::BadSignature)
    );
    let chain = format!("{pem}{}", certificate_pem(1));
    let leaf = Certificate::from_pem(&chain).expect("parses");
    assert_eq!(leaf.verify(message.as_bytes(), &signature), Ok(()));
}

#[test]
fn garbage_certificates_are_refused() {
    let armoured_junk = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let unterminated = "-----BEGIN CERTIFICATE-----\nAAAA\n";
    for text in [
        "",
        "not a certificate",
        armoured_junk,
        unterminated,
        pair(0).0.as_str(),
        pair(0).1.as_str(),
    ] {
        assert!(
            matches!(
                Certificate::from_pem(text),
                Err(WebhookError::BadCertificate(_))
            ),
            "{text}"
        );
    }
    assert!(self_signed_certificate("not a key").is_err());
}

#[test]
fn basic_auth_header() {
    assert_eq!(basic_auth("client", "secret"), "Basic Y2xpZW50OnNlY3JldA==");
}

#[test]
fn amounts_in_minor_units() {
    assert_eq!(amount_value(12345).as_deref(), Some("123.45"));
    assert_eq!(amount_value(5).as_deref(), Some("0.05"));
    assert_eq!(amount_value(0).as_deref(), Some("0.00"));
    assert_eq!(amount_value(1000).as_deref(), Some("10.00"));
    assert_eq!(amount_value(-1), None);

    for (value, minor) in [
        ("123.45", 12345),
        ("10", 1000),
        ("1.5", 150),
        ("0.05", 5),
        (".5", 50),
        ("007.00", 700),
        ("92233720368547758.07", i64::MAX),
    ] {
        assert_eq!(minor_of(value), Some(minor), "{value}");
    }
    // '|'-separated: the empty string, and " 1" with its space, are junk too.
    let junk =
        "|.|1.|1.234|-1.00|+1|1,00| 1|1e3|1.2.3|abc|92233720368547758.08|99999999999999999999";
    for junk in junk.split('|') {
        assert_eq!(minor_of(junk), None, "{junk:?}");
    }
}

proptest::proptest! {
    #[test]
    fn amount_value_round_trips(minor in 0_i64..=i64::MAX) {
        let value = amount_value(minor).expect("non-negative");
        proptest::prop_assert_eq!(minor_of(&value), Some(minor));
    }

    #[test]
    fn two_decimal_strings_round_trip(whole in 0_i64..10_000_000, cents in 0_i64..100) {
        let value = format!("{whole}.{cents:02}");
        proptest::prop_assert_eq!(minor_of(&value), Some(whole * 100 + cents));
        proptest::prop_assert_eq!(amount_value(whole * 100 + cents), Some(value));
    }
}

const CREATED: &str = r#"{"id":"5O190127TN364715T","intent":"CAPTURE","status":"PAYER_ACTION_REQUIRED","payment_source":{"paypal":{}},"purchase_units":[{"reference_id":"cs_0192f0c1","custom_id":"0192f0c1-a2b3-4c5d-8e9f-001122334455","invoice_id":"inv-0192f0c1-1","amount":{"currency_code":"USD","value":"10.00"},"payee":{"email_address":"merchant@example.com","merchant_id":"C7CYMKZDG8D6E"}}],"create_time":"2026-12-02T10:00:00Z","links":[{"href":"https://api-m.sandbox.paypal.com/v2/checkout/orders/5O190127TN364715T","rel":"self","method":"GET"},{"href":"https://www.sandbox.paypal.com/checkoutnow?token=5O190127TN364715T","rel":"payer-action","method":"GET"}]}"#;

const CAPTURED: &str = r#"{"id":"5O190127TN364715T","status":"COMPLETED","payment_source":{"paypal":{"email_address":"buyer@example.com","account_id":"QYR5Z8XDVJNXQ","account_status":"VERIFIED","name":{"given_name":"John","surname":"Doe"},"address":{"country_code":"US"},"attributes":{"vault":{"id":"nkq2y9g","status":"VAULTED","customer":{"id":"ROaPMoZUaV"},"links":[{"href":"https://api-m.sandbox.paypal.com/v3/vault/payment-tokens/nkq2y9g","rel":"self","method":"GET"}]}}}},"purchase_units":[{"reference_id":"cs_0192f0c1","payments":{"captures":[{"id":"3C679366HH908993F","status":"COMPLETED","amount":{"currency_code":"USD","value":"10.00"},"final_capture":true,"seller_protection":{"status":"ELIGIBLE"},"seller_receivable_breakdown":{"gross_amount":{"currency_code":"USD","value":"10.00"},"paypal_fee":{"currency_code":"USD","value":"0.84"},"net_amount":{"currency_code":"USD","value":"9.16"}},"custom_id":"0192f0c1-a2b3-4c5d-8e9f-001122334455","invoice_id":"inv-0192f0c1-1","create_time":"2026-12-02T10:01:00Z","update_time":"2026-12-02T10:01:00Z"}]}}],"payer":{"name":{"given_name":"John","surname":"Doe"},"email_address":"buyer@example.com","payer_id":"QYR5Z8XDVJNXQ"},"links":[{"href":"https://api-m.sandbox.paypal.com/v2/checkout/orders/5O190127TN364715T","rel":"self","method":"GET"}]}"#;

const WEBHOOK_EVENT: &str = r#"{"id":"WH-58D329510W468432D-8HN650336L201105X","create_time":"2026-12-02T10:01:01.000Z","resource_type":"capture","event_type":"PAYMENT.CAPTURE.COMPLETED","summary":"Payment completed for $ 10.0 USD","resource":{"id":"3C679366HH908993F","status":"COMPLETED","amount":{"currency_code":"USD","value":"10.00"},"custom_id":"0192f0c1-a2b3-4c5d-8e9f-001122334455","final_capture":true,"supplementary_data":{"related_ids":{"order_id":"5O190127TN364715T"}},"create_time":"2026-12-02T10:01:00Z"},"links":[{"href":"https://api.sandbox.paypal.com/v1/notifications/webhooks-events/WH-58D329510W468432D-8HN650336L201105X","rel":"self","method":"GET"}],"event_version":"1.0","resource_version":"2.0"}"#;

#[test]
fn order_answers() {
    let created: Order = serde_json::from_str(CREATED).expect("parses");
    assert_eq!(created.status, "PAYER_ACTION_REQUIRED");
    assert_eq!(
        created.payer_action_url(),
        Some("https://www.sandbox.paypal.com/checkoutnow?token=5O190127TN364715T")
    );
    assert_eq!(created.reference_id(), Some("cs_0192f0c1"));
    assert_eq!(
        created.custom_id(),
        Some("0192f0c1-a2b3-4c5d-8e9f-001122334455")
    );
    assert_eq!(created.capture(), None);
    assert_eq!(created.vault_id(), None);

    let captured: Order = serde_json::from_str(CAPTURED).expect("parses");
    assert_eq!(captured.status, "COMPLETED");
    let capture = captured.capture().expect("a capture");
    assert_eq!(capture.id, "3C679366HH908993F");
    assert_eq!(capture.status, "COMPLETED");
    assert_eq!(minor_of(&capture.amount.value), Some(1000));
    assert_eq!(captured.vault_id(), Some("nkq2y9g"));
    assert_eq!(captured.payer_action_url(), None);

    let legacy: Order = serde_json::from_value(json!({"id": "O", "status": "CREATED", "links": [
        {"href": "https://www.paypal.com/checkoutnow?token=O", "rel": "approve", "method": "GET"}
    ]}))
    .expect("parses");
    assert_eq!(
        legacy.payer_action_url(),
        Some("https://www.paypal.com/checkoutnow?token=O")
    );
    let back: Order = serde_json::from_value(serde_json::to_value(&captured).expect("serialises"))
        .expect("parses back");
    assert_eq!(back, captured);
}

#[test]
fn webhook_event_and_capture_resource() {
    let event: WebhookEvent = serde_json::from_str(WEBHOOK_EVENT).expect("parses");
    assert_eq!(event.event_type, "PAYMENT.CAPTURE.COMPLETED");
    assert_eq!(event.resource_type.as_deref(), Some("capture"));
    let capture: Capture = serde_json::from_value(event.resource).expect("a capture");
    assert_eq!(capture.order_id(), Some("5O190127TN364715T"));
    assert_eq!(
        capture.custom_id.as_deref(),
        Some("0192f0c1-a2b3-4c5d-8e9f-001122334455")
    );
    let bare: Capture = serde_json::from_value(json!({"id": "C", "status": "PENDING",
        "amount": {"currency_code": "USD", "value": "1.00"}}))
    .expect("parses");
    assert_eq!(bare.order_id(), None);
}

#[test]
fn token_error_and_postback_shapes() {
    let token: Token = serde_json::from_str(r#"{"scope":"https://uri.paypal.com/services/payments/payment","access_token":"A21AAFEpH4PsADK7qSS7pSRsgzfENtu","token_type":"Bearer","app_id":"APP-80W284485P519543T","expires_in":31668,"nonce":"2020-04-03T15:35:36ZaYZlGvEkV4yVSz8g6bAKFoGSEzuy3CQcz3ljhibkOHg"}"#).expect("parses");
    assert_eq!(token.token_type, "Bearer");
    assert_eq!(token.expires_in, 31668);

    let error: ErrorBody = serde_json::from_str(r#"{"name":"UNPROCESSABLE_ENTITY","details":[{"field":"/purchase_units/@reference_id=='default'/payments/captures","issue":"ORDER_ALREADY_CAPTURED","description":"Order already captured."}],"message":"The requested action could not be performed, semantically incorrect, or failed business validation.","debug_id":"f4a1f3e5d1b0c","links":[]}"#).expect("parses");
    assert_eq!(error.details[0].issue, "ORDER_ALREADY_CAPTURED");
    let terse: ErrorBody =
        serde_json::from_str(r#"{"name":"RESOURCE_NOT_FOUND"}"#).expect("parses");
    assert!(terse.details.is_empty() && terse.message.is_none());

    let event: serde_json::Value = serde_json::from_str(WEBHOOK_EVENT).expect("json");
    let postback = VerifyWebhookSignature {
        auth_algo: AUTH_ALGO.to_owned(),
        cert_url: HEADERS[3].1.to_owned(),
        transmission_id: HEADERS[0].1.to_owned(),
        transmission_sig: HEADERS[2].1.to_owned(),
        transmission_time: HEADERS[1].1.to_owned(),
        webhook_id: "1JE4291016473214C".to_owned(),
        webhook_event: serde_json::value::RawValue::from_string(WEBHOOK_EVENT.to_owned())
            .expect("raw json"),
    };
    let text = serde_json::to_string(&postback).expect("serialises");
    assert!(
        text.contains(WEBHOOK_EVENT.trim()),
        "the event's bytes as received"
    );
    let body: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(body["auth_algo"], "SHA256withRSA");
    assert_eq!(body["webhook_event"], event);
    let answer: VerifyWebhookSignatureResponse =
        serde_json::from_str(r#"{"verification_status":"SUCCESS"}"#).expect("parses");
    assert_eq!(answer.verification_status, "SUCCESS");
}

fn checkout(vault: bool) -> CheckoutOrder<'static> {
    CheckoutOrder {
        reference_id: "cs_0192f0c1",
        custom_id: "0192f0c1-a2b3-4c5d-8e9f-001122334455",
        invoice_id: "inv-0192f0c1-1",
        currency_code: "USD",
        value: "10.00",
        description: "Entitle Pro",
        return_url: "https://shop.example/v1/payments/paypal/return",
        cancel_url: "https://shop.example/v1/payments/paypal/cancel",
        brand_name: "Entitle",
        vault,
    }
}

#[test]
fn checkout_order_body() {
    assert_eq!(
        checkout(false).to_json(),
        json!({
            "intent": "CAPTURE",
            "purchase_units": [{
                "reference_id": "cs_0192f0c1",
                "custom_id": "0192f0c1-a2b3-4c5d-8e9f-001122334455",
                "invoice_id": "inv-0192f0c1-1",
                "description": "Entitle Pro",
                "amount": {"currency_code": "USD", "value": "10.00"}
            }],
            "payment_source": {"paypal": {"experience_context": {
                "return_url": "https://shop.example/v1/payments/paypal/return",
                "cancel_url": "https://shop.example/v1/payments/paypal/cancel",
                "user_action": "PAY_NOW",
                "shipping_preference": "NO_SHIPPING",
                "brand_name": "Entitle"
            }}}
        })
    );
    let vaulting = checkout(true).to_json();
    assert_eq!(
        vaulting["payment_source"]["paypal"]["attributes"],
        json!({"vault": {"store_in_vault": "ON_SUCCESS", "usage_type": "MERCHANT", "customer_type": "CONSUMER"}})
    );
    assert_eq!(
        vaulting["payment_source"]["paypal"]["experience_context"]["user_action"],
        "PAY_NOW"
    );
    let unbranded = CheckoutOrder {
        description: "",
        brand_name: "",
        ..checkout(false)
    }
    .to_json();
    assert!(unbranded["purchase_units"][0].get("description").is_none());
    assert!(
        unbranded["payment_source"]["paypal"]["experience_context"]
            .get("brand_name")
            .is_none()
    );
}

#[test]
fn vaulted_order_body() {
    let body = VaultedOrder {
        reference_id: "renewal_0192f0c1",
        custom_id: "0192f0c1-a2b3-4c5d-8e9f-001122334466",
        invoice_id: "inv-0192f0c1-2",
        currency_code: "USD",
        value: "10.00",
        vault_id: "nkq2y9g",
    }
    .to_json();
    assert_eq!(
        body,
        json!({
            "intent": "CAPTURE",
            "purchase_units": [{
                "reference_id": "renewal_0192f0c1",
                "custom_id": "0192f0c1-a2b3-4c5d-8e9f-001122334466",
                "invoice_id": "inv-0192f0c1-2",
                "amount": {"currency_code": "USD", "value": "10.00"}
            }],
            "payment_source": {"paypal": {"vault_id": "nkq2y9g"}}
        })
    );
}
