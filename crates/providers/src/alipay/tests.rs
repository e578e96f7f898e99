use chrono::TimeZone as _;

use super::*;
use crate::keys::test_keys::{signing, verifying};

fn params(pairs: &[(&str, &str)]) -> Params {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("valid test time")
        .with_timezone(&Utc)
}

#[test]
fn sign_content_drops_empty_sorts_and_excludes_sign() {
    let p = params(&[
        ("timestamp", "2014-07-24 03:07:50"),
        ("sign", "ERITJKEIJKJHKKKKKKKHJEREEEEEEEEEEE"),
        ("method", "alipay.trade.pay"),
        ("app_id", "2014072300007148"),
        ("app_auth_token", ""),
        (
            "biz_content",
            r#"{"out_trade_no":"20150320010101001","total_amount":"88.88"}"#,
        ),
        ("sign_type", "RSA2"),
        ("charset", "utf-8"),
        ("version", "1.0"),
    ]);
    assert_eq!(
        sign_content(&p, &["sign"]),
        r#"app_id=2014072300007148&biz_content={"out_trade_no":"20150320010101001","total_amount":"88.88"}&charset=utf-8&method=alipay.trade.pay&sign_type=RSA2&timestamp=2014-07-24 03:07:50&version=1.0"#
    );
    assert_eq!(
        sign_content(&p, &["sign", "sign_type"]),
        r#"app_id=2014072300007148&biz_content={"out_trade_no":"20150320010101001","total_amount":"88.88"}&charset=utf-8&method=alipay.trade.pay&timestamp=2014-07-24 03:07:50&version=1.0"#
    );
    // ASCII order puts upper case and '_' where a byte comparison does.
    let q = params(&[
        ("b", "2"),
        ("a_b", "3"),
        ("a", "1"),
        ("B", "0"),
        ("ab", "4"),
    ]);
    assert_eq!(sign_content(&q, &[]), "B=0&a=1&a_b=3&ab=4&b=2");
}

#[test]
fn sign_request_signs_sign_type_but_not_sign() {
    let mut p = params(&[("app_id", "1"), ("sign_type", "RSA2"), ("sign", "stale")]);
    sign_request(&signing(0), &mut p);
    let sign = p.get("sign").expect("signed").clone();
    assert!(verifying(0).verify_base64(b"app_id=1&sign_type=RSA2", &sign));
}

#[test]
fn request_params_has_the_common_params() {
    let now = at("2026-12-02T02:00:00Z");
    let p = request_params(
        &signing(0),
        "2021",
        "alipay.trade.query",
        "{}",
        Some("https://n"),
        None,
        now,
    );
    for (key, value) in [
        ("app_id", "2021"),
        ("method", "alipay.trade.query"),
        ("format", "JSON"),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("timestamp", "2026-12-02 10:00:00"),
        ("version", "1.0"),
        ("biz_content", "{}"),
        ("notify_url", "https://n"),
    ] {
        assert_eq!(p.get(key).map(String::as_str), Some(value), "{key}");
    }
    assert!(!p.contains_key("return_url"));
    assert!(verifying(0).verify_base64(sign_content(&p, &["sign"]).as_bytes(), &p["sign"]));
}

/// A notify as Alipay sends it: signed without sign and sign_type, then form-encoded.
fn notify_body(amount: &str) -> String {
    let mut p = params(&[
        ("notify_time", "2026-12-02 10:00:05"),
        ("notify_type", "trade_status_sync"),
        ("notify_id", "ac05099524730693a8b330c5ecf72da9786"),
        ("app_id", "2021000000000000"),
        ("charset", "utf-8"),
        ("version", "1.0"),
        ("trade_no", "2026120222001400000000000001"),
        ("out_trade_no", "0192f0c1a2b34c5d8e9f001122334455"),
        ("trade_status", "TRADE_SUCCESS"),
        ("total_amount", amount),
        ("gmt_payment", "2026-12-02 10:00:00"),
        ("subject", "Pro 年付 & more"),
        ("passback_params", ""),
        ("sign_type", "RSA2"),
    ]);
    let sign = signing(0).sign_base64(sign_content(&p, &["sign", "sign_type"]).as_bytes());
    p.insert("sign".to_owned(), sign);
    encode_form(&p)
}

#[test]
fn verify_notify_accepts_a_genuine_notify() {
    let p = parse_form(notify_body("88.00").as_bytes());
    assert_eq!(p["subject"], "Pro 年付 & more");
    verify_notify(&verifying(0), &p).expect("genuine notify verifies");
    assert_eq!(
        parse_beijing_time(&p["gmt_payment"]),
        Some(at("2026-12-02T02:00:00Z"))
    );
}

#[test]
fn verify_notify_rejects_tampering_wrong_key_and_missing_sign() {
    let body = notify_body("88.00");
    let tampered = parse_form(
        body.replace("total_amount=88.00", "total_amount=0.01")
            .as_bytes(),
    );
    assert_eq!(tampered["total_amount"], "0.01");
    assert!(matches!(
        verify_notify(&verifying(0), &tampered),
        Err(AlipayError::BadSignature)
    ));
    let p = parse_form(body.as_bytes());
    assert!(matches!(
        verify_notify(&verifying(1), &p),
        Err(AlipayError::BadSignature)
    ));
    let mut unsigned = p.clone();
    unsigned.remove("sign");
    assert!(matches!(
        verify_notify(&verifying(0), &unsigned),
        Err(AlipayError::MissingSign)
    ));
    let mut rsa1 = p.clone();
    rsa1.insert("sign_type".to_owned(), "RSA".to_owned());
    assert!(matches!(
        verify_notify(&verifying(0), &rsa1),
        Err(AlipayError::UnsupportedSignType(_))
    ));
    let mut no_type = p;
    no_type.remove("sign_type");
    assert!(matches!(
        verify_notify(&verifying(0), &no_type),
        Err(AlipayError::UnsupportedSignType(_))
    ));
}

#[test]
fn verify_notify_refuses_a_signature_that_covered_sign_type() {
    // Signed the request way (sign_type included): not what a notify signs, so not accepted.
    let mut p = params(&[
        ("out_trade_no", "1"),
        ("sign_type", "RSA2"),
        ("total_amount", "1.00"),
    ]);
    sign_request(&signing(0), &mut p);
    assert!(matches!(
        verify_notify(&verifying(0), &p),
        Err(AlipayError::BadSignature)
    ));
}

fn signed_body(object: &str) -> String {
    let sign = signing(0).sign_base64(object.as_bytes());
    format!(r#"{{"alipay_trade_query_response":{object},"sign":"{sign}"}}"#)
}

const TRICKY: &str = r#"{"code":"10000","msg":"Success","buyer_logon_id":"a}b{\"c\"}","fund_bill_list":[{"amount":"88.00","fund_channel":"ALIPAYACCOUNT"}],"out_trade_no":"0192f0c1a2b34c5d8e9f001122334455","send_pay_date":"2026-12-02 10:00:00","total_amount":"88.00","trade_no":"2026120222001400000000000001","trade_status":"TRADE_SUCCESS","nested":{"x":{"y":"}}"}}}"#;

#[test]
fn verify_response_uses_the_exact_object_text() {
    let value = verify_response(&verifying(0), "alipay.trade.query", &signed_body(TRICKY))
        .expect("verifies");
    assert_eq!(value["buyer_logon_id"], r#"a}b{"c"}"#);
    assert_eq!(value["nested"]["x"]["y"], "}}");
    // The sign before the object, and whitespace around it, change nothing.
    let sign = signing(0).sign_base64(TRICKY.as_bytes());
    let reordered =
        format!("{{ \"sign\" : \"{sign}\",\n \"alipay_trade_query_response\" : {TRICKY} }}");
    verify_response(&verifying(0), "alipay.trade.query", &reordered).expect("verifies");
}

#[test]
fn verify_response_refusals() {
    let body = signed_body(TRICKY);
    let tampered = body.replace(r#""total_amount":"88.00""#, r#""total_amount":"0.01""#);
    assert!(matches!(
        verify_response(&verifying(0), "alipay.trade.query", &tampered),
        Err(AlipayError::BadSignature)
    ));
    assert!(matches!(
        verify_response(&verifying(1), "alipay.trade.query", &body),
        Err(AlipayError::BadSignature)
    ));
    let unsigned = format!(r#"{{"alipay_trade_query_response":{TRICKY}}}"#);
    assert!(matches!(
        verify_response(&verifying(0), "alipay.trade.query", &unsigned),
        Err(AlipayError::MissingSign)
    ));
    let error = r#"{"error_response":{"code":"40002","msg":"Invalid Arguments"},"sign":"x"}"#;
    assert!(matches!(
        verify_response(&verifying(0), "alipay.trade.query", error),
        Err(AlipayError::MissingResponse(name)) if name == "alipay_trade_query_response"
    ));
    assert!(matches!(
        verify_response(&verifying(0), "alipay.trade.query", "<html>502</html>"),
        Err(AlipayError::Malformed(_))
    ));
}

#[test]
fn read_trade_query_outcomes() {
    let value: serde_json::Value = serde_json::from_str(TRICKY).expect("json");
    let trade = read_trade_query(&value).expect("ok").expect("exists");
    assert_eq!(trade.trade_status, "TRADE_SUCCESS");
    assert_eq!(trade.total_amount, "88.00");
    assert_eq!(trade.trade_no, "2026120222001400000000000001");
    assert_eq!(trade.send_pay_date, Some(at("2026-12-02T02:00:00Z")));
    assert!(is_paid(&trade.trade_status));

    let missing = serde_json::json!({"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"});
    assert_eq!(read_trade_query(&missing).expect("ok"), None);
    let failed =
        serde_json::json!({"code":"40004","msg":"Business Failed","sub_code":"ACQ.SYSTEM_ERROR"});
    assert!(
        matches!(read_trade_query(&failed), Err(AlipayError::Business { code, .. }) if code == "40004")
    );
    let waiting = serde_json::json!({"code":"10000","trade_status":"WAIT_BUYER_PAY","trade_no":"t","out_trade_no":"o","total_amount":"1.00"});
    let trade = read_trade_query(&waiting).expect("ok").expect("exists");
    assert_eq!(trade.send_pay_date, None);
    assert!(!is_paid(&trade.trade_status));
    assert!(matches!(
        read_trade_query(&serde_json::json!({"code":"10000"})),
        Err(AlipayError::Malformed(_))
    ));
}

#[test]
fn beijing_time_round_trip() {
    let utc = at("2026-12-02T02:00:00Z");
    assert_eq!(beijing_time(utc), "2026-12-02 10:00:00");
    assert_eq!(parse_beijing_time("2026-12-02 10:00:00"), Some(utc));
    let midnight = Utc
        .with_ymd_and_hms(2026, 12, 31, 16, 30, 0)
        .single()
        .expect("valid");
    assert_eq!(beijing_time(midnight), "2027-01-01 00:30:00");
    assert_eq!(parse_beijing_time("2027-01-01 00:30:00"), Some(midnight));
    assert_eq!(parse_beijing_time("2026-12-02T10:00:00"), None);
    assert_eq!(parse_beijing_time(""), None);
}

#[test]
fn page_pay_url_is_a_signed_gateway_get() {
    let order = PagePay {
        app_id: "2021000000000000",
        out_trade_no: "0192f0c1a2b34c5d8e9f001122334455",
        total_amount: "88.00",
        subject: "Entitle Pro 年付",
        notify_url: "https://shop.example/v1/payments/alipay/callback",
        return_url: "https://shop.example/v1/payments/alipay/return?x=1&y=2",
        time_expire: Some(at("2026-12-02T02:30:00Z")),
    };
    let url = page_pay_url(
        SANDBOX_GATEWAY,
        &signing(0),
        &order,
        at("2026-12-02T02:00:00Z"),
    );
    let (gateway, query) = url.split_once('?').expect("has a query");
    assert_eq!(gateway, SANDBOX_GATEWAY);
    let p = parse_form(query.as_bytes());
    assert_eq!(p["method"], "alipay.trade.page.pay");
    assert_eq!(p["return_url"], order.return_url);
    assert_eq!(p["timestamp"], "2026-12-02 10:00:00");
    assert!(verifying(0).verify_base64(sign_content(&p, &["sign"]).as_bytes(), &p["sign"]));
    let biz: serde_json::Value = serde_json::from_str(&p["biz_content"]).expect("json");
    assert_eq!(biz["product_code"], "FAST_INSTANT_TRADE_PAY");
    assert_eq!(biz["subject"], "Entitle Pro 年付");
    assert_eq!(biz["total_amount"], "88.00");
    assert_eq!(biz["time_expire"], "2026-12-02 10:30:00");
    assert!(!url.contains(' '));
}

#[test]
fn query_form_is_a_signed_form_body() {
    let form = query_form(
        &signing(0),
        "2021",
        "0192f0c1a2b34c5d8e9f001122334455",
        at("2026-12-02T02:00:00Z"),
    );
    let p = parse_form(form.as_bytes());
    assert_eq!(p["method"], "alipay.trade.query");
    assert_eq!(
        p["biz_content"],
        r#"{"out_trade_no":"0192f0c1a2b34c5d8e9f001122334455"}"#
    );
    assert!(!p.contains_key("notify_url"));
    assert!(verifying(0).verify_base64(sign_content(&p, &["sign"]).as_bytes(), &p["sign"]));
}

#[test]
fn only_success_and_finished_are_paid() {
    assert!(is_paid("TRADE_SUCCESS") && is_paid("TRADE_FINISHED"));
    assert!(!is_paid("WAIT_BUYER_PAY") && !is_paid("TRADE_CLOSED") && !is_paid("trade_success"));
}
