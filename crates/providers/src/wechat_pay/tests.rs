use chrono::TimeZone as _;

use super::*;
use crate::keys::test_keys::{signing, verifying};

const KEY_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";
const APIV3_KEY: &str = "0123456789abcdefghijklmnopqrstuv";

fn clock(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(seconds, 0)
        .single()
        .expect("valid test time")
}

#[test]
fn authorization_header_format_and_signature() {
    let body = r#"{"appid":"wxd678efh567hg6787","mchid":"1230000109"}"#;
    let header = authorization(
        &signing(0),
        "1230000109",
        "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "POST",
        "/v3/pay/transactions/native",
        body,
        1_554_208_460,
        "593BEC0C930BF1AFEB40B4A08C8FB242",
    );
    let prefix = r#"WECHATPAY2-SHA256-RSA2048 mchid="1230000109",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",timestamp="1554208460",serial_no="5157F09EFDC096DE15EBE81A47057A7232F1B8E1",signature=""#;
    assert!(header.starts_with(prefix), "{header}");
    assert!(header.ends_with('"'));

    let parts = parse_authorization(&header).expect("parses");
    assert_eq!(parts.mchid, "1230000109");
    assert_eq!(parts.timestamp, "1554208460");
    assert_eq!(parts.serial_no, "5157F09EFDC096DE15EBE81A47057A7232F1B8E1");
    let message = format!(
        "POST\n/v3/pay/transactions/native\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n{body}\n"
    );
    assert_eq!(
        request_message(
            "POST",
            "/v3/pay/transactions/native",
            1_554_208_460,
            &parts.nonce_str,
            body
        ),
        message
    );
    assert!(verifying(0).verify_base64(message.as_bytes(), &parts.signature));
    assert!(!verifying(0).verify_base64(message.trim_end().as_bytes(), &parts.signature));
}

#[test]
fn get_requests_sign_an_empty_body_line() {
    let path =
        "/v3/pay/transactions/out-trade-no/0192f0c1a2b34c5d8e9f001122334455?mchid=1230000109";
    let header = authorization(
        &signing(0),
        "1230000109",
        "SERIAL",
        "GET",
        path,
        "",
        1_700_000_000,
        "n",
    );
    let parts = parse_authorization(&header).expect("parses");
    let message = format!("GET\n{path}\n1700000000\nn\n\n");
    assert!(verifying(0).verify_base64(message.as_bytes(), &parts.signature));
}

#[test]
fn parse_authorization_refusals() {
    assert_eq!(parse_authorization(""), None);
    assert_eq!(parse_authorization(r#"Bearer mchid="1""#), None);
    let missing =
        r#"WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="1",serial_no="s""#;
    assert_eq!(parse_authorization(missing), None);
    let spaced = r#"WECHATPAY2-SHA256-RSA2048 mchid="1", nonce_str="n", timestamp="1", serial_no="s", signature="x""#;
    assert_eq!(
        parse_authorization(spaced).map(|a| a.signature),
        Some("x".to_owned())
    );
}

#[test]
fn response_message_keeps_the_final_newline() {
    assert_eq!(response_message("1", "n", b""), b"1\nn\n\n");
    assert_eq!(response_message("1", "n", b"{}"), b"1\nn\n{}\n");
}

/// Headers as WeChat Pay would send them for `body` at `timestamp`, signed with key 0.
fn sign_headers(timestamp: &str, body: &[u8]) -> (String, String) {
    let nonce = "fdasfwqewlkja484w".to_owned();
    (
        nonce.clone(),
        signing(0).sign_base64(&response_message(timestamp, &nonce, body)),
    )
}

fn headers<'a>(timestamp: &'a str, nonce: &'a str, signature: &'a str) -> SignedHeaders<'a> {
    SignedHeaders {
        timestamp,
        nonce,
        signature,
        serial: KEY_ID,
        signature_type: Some(SCHEMA),
    }
}

#[test]
fn verify_signed_freshness_boundary() {
    let body = br#"{"code_url":"weixin://wxpay/bizpayurl?pr=abc"}"#;
    let (nonce, signature) = sign_headers("1700000000", body);
    let h = headers("1700000000", &nonce, &signature);
    verify_signed(&verifying(0), KEY_ID, &h, body, clock(1_700_000_000)).expect("fresh");
    verify_signed(&verifying(0), KEY_ID, &h, body, clock(1_700_000_299)).expect("fresh at 299 s");
    verify_signed(&verifying(0), KEY_ID, &h, body, clock(1_699_999_701)).expect("fresh at -299 s");
    for now in [1_700_000_300, 1_699_999_700] {
        assert!(matches!(
            verify_signed(&verifying(0), KEY_ID, &h, body, clock(now)),
            Err(WechatError::Stale {
                timestamp: 1_700_000_000,
                ..
            })
        ));
    }
}

#[test]
fn verify_signed_refusals() {
    let body = b"";
    let now = clock(1_700_000_000);
    let (nonce, signature) = sign_headers("1700000000", body);
    let good = headers("1700000000", &nonce, &signature);
    verify_signed(&verifying(0), KEY_ID, &good, body, now).expect("empty body verifies");
    let no_type = SignedHeaders {
        signature_type: None,
        ..good
    };
    verify_signed(&verifying(0), KEY_ID, &no_type, body, now).expect("signature type optional");

    let unknown = SignedHeaders {
        serial: "PUB_KEY_ID_OTHER",
        ..good
    };
    assert!(
        matches!(verify_signed(&verifying(0), KEY_ID, &unknown, body, now), Err(WechatError::UnknownSerial(s)) if s == "PUB_KEY_ID_OTHER")
    );
    assert!(matches!(
        verify_signed(&verifying(1), KEY_ID, &good, body, now),
        Err(WechatError::BadSignature)
    ));
    assert!(matches!(
        verify_signed(&verifying(0), KEY_ID, &good, b"{}", now),
        Err(WechatError::BadSignature)
    ));
    let other_nonce = SignedHeaders {
        nonce: "other",
        ..good
    };
    assert!(matches!(
        verify_signed(&verifying(0), KEY_ID, &other_nonce, body, now),
        Err(WechatError::BadSignature)
    ));
    let garbage = SignedHeaders {
        signature: "%%%",
        ..good
    };
    assert!(matches!(
        verify_signed(&verifying(0), KEY_ID, &garbage, body, now),
        Err(WechatError::BadSignature)
    ));
    let hmac = SignedHeaders {
        signature_type: Some("WECHATPAY2-SHA256-HMAC"),
        ..good
    };
    assert!(matches!(
        verify_signed(&verifying(0), KEY_ID, &hmac, body, now),
        Err(WechatError::UnsupportedSignatureType(_))
    ));
    let missing = SignedHeaders {
        signature: "",
        ..good
    };
    assert!(matches!(
        verify_signed(&verifying(0), KEY_ID, &missing, body, now),
        Err(WechatError::MissingHeader("Wechatpay-Signature"))
    ));
    let missing = SignedHeaders {
        serial: " ",
        ..good
    };
    assert!(matches!(
        verify_signed(&verifying(0), KEY_ID, &missing, body, now),
        Err(WechatError::MissingHeader("Wechatpay-Serial"))
    ));
    let words = SignedHeaders {
        timestamp: "yesterday",
        ..good
    };
    assert!(matches!(
        verify_signed(&verifying(0), KEY_ID, &words, body, now),
        Err(WechatError::MalformedTimestamp(_))
    ));
}

const TRANSACTION: &str = r#"{"appid":"wxd678efh567hg6787","mchid":"1230000109","out_trade_no":"0192f0c1a2b34c5d8e9f001122334455","transaction_id":"1217752501201407033233368018","trade_type":"NATIVE","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"CMC","success_time":"2026-12-02T10:00:00+08:00","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"amount":{"total":8800,"payer_total":8800,"currency":"CNY","payer_currency":"CNY"}}"#;

#[test]
fn aes_gcm_round_trip_into_a_transaction() {
    let resource = encrypt_resource(
        APIV3_KEY,
        "fdasflkja484",
        "transaction",
        TRANSACTION.as_bytes(),
    )
    .expect("encrypts");
    assert_eq!(resource.algorithm, "AEAD_AES_256_GCM");
    let plaintext = decrypt_resource(APIV3_KEY, &resource).expect("decrypts");
    let transaction: Transaction = serde_json::from_slice(&plaintext).expect("a transaction");
    assert!(is_paid(&transaction.trade_state));
    assert_eq!(transaction.amount.as_ref().map(|a| a.total), Some(8800));
    assert_eq!(transaction.amount.and_then(|a| a.payer_total), Some(8800));
    assert_eq!(
        transaction.transaction_id.as_deref(),
        Some("1217752501201407033233368018")
    );
}

#[test]
fn aes_gcm_refuses_tampering_and_bad_inputs() {
    let resource =
        encrypt_resource(APIV3_KEY, "fdasflkja484", "transaction", b"{}").expect("encrypts");
    let mut bytes = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        &resource.ciphertext,
    )
    .expect("b64");
    bytes[0] ^= 1;
    let flipped = EncryptedResource {
        ciphertext: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes),
        ..resource.clone()
    };
    assert!(matches!(
        decrypt_resource(APIV3_KEY, &flipped),
        Err(WechatError::Decrypt)
    ));
    let other_aad = EncryptedResource {
        associated_data: Some("certificate".to_owned()),
        ..resource.clone()
    };
    assert!(matches!(
        decrypt_resource(APIV3_KEY, &other_aad),
        Err(WechatError::Decrypt)
    ));
    let other_key = "vutsrqponmlkjihgfedcba9876543210";
    assert!(matches!(
        decrypt_resource(other_key, &resource),
        Err(WechatError::Decrypt)
    ));
    assert!(matches!(
        decrypt_resource("short", &resource),
        Err(WechatError::BadApiV3Key)
    ));
    let bad_nonce = EncryptedResource {
        nonce: "tooshort".to_owned(),
        ..resource.clone()
    };
    assert!(matches!(
        decrypt_resource(APIV3_KEY, &bad_nonce),
        Err(WechatError::BadNonce)
    ));
    let not_b64 = EncryptedResource {
        ciphertext: "!!".to_owned(),
        ..resource.clone()
    };
    assert!(matches!(
        decrypt_resource(APIV3_KEY, &not_b64),
        Err(WechatError::MalformedCiphertext)
    ));
    let cbc = EncryptedResource {
        algorithm: "AES_256_CBC".to_owned(),
        ..resource
    };
    assert!(matches!(
        decrypt_resource(APIV3_KEY, &cbc),
        Err(WechatError::UnsupportedAlgorithm(_))
    ));
    assert!(matches!(
        encrypt_resource(APIV3_KEY, "tooshort", "", b""),
        Err(WechatError::BadNonce)
    ));
}

#[test]
fn notification_and_order_json_shapes() {
    let body = r#"{"id":"EV-2018022511223320873","create_time":"2015-05-20T13:29:35+08:00","resource_type":"encrypt-resource","event_type":"TRANSACTION.SUCCESS","summary":"支付成功","resource":{"original_type":"transaction","algorithm":"AEAD_AES_256_GCM","ciphertext":"abc=","associated_data":"transaction","nonce":"fdasflkja484"}}"#;
    let notification: Notification = serde_json::from_str(body).expect("parses");
    assert_eq!(notification.event_type, "TRANSACTION.SUCCESS");
    assert_eq!(
        notification.resource.original_type.as_deref(),
        Some("transaction")
    );

    let order = NativeOrder {
        appid: "wxd678efh567hg6787".to_owned(),
        mchid: "1230000109".to_owned(),
        description: "Entitle Pro".to_owned(),
        out_trade_no: "0192f0c1a2b34c5d8e9f001122334455".to_owned(),
        time_expire: None,
        notify_url: "https://shop.example/v1/payments/wechat_pay/callback".to_owned(),
        amount: OrderAmount {
            total: 8800,
            currency: "CNY".to_owned(),
        },
    };
    let json = serde_json::to_value(&order).expect("serialises");
    assert_eq!(
        json["amount"],
        serde_json::json!({"total": 8800, "currency": "CNY"})
    );
    assert!(
        json.get("time_expire").is_none(),
        "absent, not null: {json}"
    );
    let back: NativeOrder = serde_json::from_value(json).expect("parses back");
    assert_eq!(back, order);

    let pending: Transaction = serde_json::from_str(r#"{"appid":"a","mchid":"m","out_trade_no":"o","trade_state":"NOTPAY","trade_state_desc":"订单未支付"}"#).expect("parses");
    assert!(!is_paid(&pending.trade_state));
    assert_eq!(pending.amount, None);
    let code: NativeOrderResponse =
        serde_json::from_str(r#"{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}"#)
            .expect("parses");
    assert!(code.code_url.starts_with("weixin://"));
}
