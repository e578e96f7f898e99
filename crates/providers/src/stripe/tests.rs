use serde_json::json;

use super::*;

const SECRET: &str = "whsec_test_secret";
const T: i64 = 1_700_000_000;
const PAYLOAD: &[u8] = br#"{"id":"evt_test","object":"event"}"#;

/// The `v1` value of a header made by [`signature_header`].
fn v1_of(header: &str) -> String {
    header
        .split_once(",v1=")
        .map(|(_, v1)| v1.to_owned())
        .expect("header has a v1 entry")
}

#[test]
fn sign_then_verify_round_trip() {
    let header = signature_header(SECRET, T, PAYLOAD);
    assert!(header.starts_with("t=1700000000,v1="), "{header}");
    assert_eq!(
        verify_signature(SECRET, &header, PAYLOAD, T, TOLERANCE_SECS),
        Ok(T)
    );
}

#[test]
fn known_vector_matches_an_independent_hmac() {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(b"1700000000.");
    mac.update(PAYLOAD);
    let expected = hex::encode(mac.finalize().into_bytes());
    // Also computed with Python's `hmac` and with `openssl dgst -sha256 -hmac`.
    assert_eq!(
        expected,
        "8042376f6ca064adbe037642a718227dfd59047137eb49497a54c49eb0cfb724"
    );
    assert_eq!(
        signature_header(SECRET, T, PAYLOAD),
        format!("t=1700000000,v1={expected}")
    );
}

#[test]
fn any_v1_entry_may_match() {
    let good = v1_of(&signature_header(SECRET, T, PAYLOAD));
    let other = v1_of(&signature_header("whsec_old_secret", T, PAYLOAD));
    let headers = [
        format!("t={T},v1={other},v1={good}"),
        format!("t={T},v1={good},v1={other}"),
        format!("t={T},v1=not-hex,v1={good},v0={other}"),
        format!("v0=6ffbb59b,v1={good},t={T}"),
        format!("t={T}, v1={good}, scheme_from_the_future=x"),
        format!("t={T},v1={},", good.to_uppercase()),
    ];
    for header in headers {
        assert_eq!(
            verify_signature(SECRET, &header, PAYLOAD, T, TOLERANCE_SECS),
            Ok(T),
            "{header}"
        );
    }
}

#[test]
fn mismatches() {
    let header = signature_header(SECRET, T, PAYLOAD);
    assert_eq!(
        verify_signature("whsec_wrong", &header, PAYLOAD, T, TOLERANCE_SECS),
        Err(SignatureError::Mismatch)
    );
    let tampered = br#"{"id":"evt_test","object":"evenT"}"#;
    assert_eq!(
        verify_signature(SECRET, &header, tampered, T, TOLERANCE_SECS),
        Err(SignatureError::Mismatch)
    );
    let moved = format!("t={},v1={}", T + 1, v1_of(&header));
    assert_eq!(
        verify_signature(SECRET, &moved, PAYLOAD, T, TOLERANCE_SECS),
        Err(SignatureError::Mismatch)
    );
    let truncated = format!("t={T},v1={}", &v1_of(&header)[..62]);
    assert_eq!(
        verify_signature(SECRET, &truncated, PAYLOAD, T, TOLERANCE_SECS),
        Err(SignatureError::Mismatch)
    );
    // A v0 signature over the right content is not enough: only v1 counts.
    let only_v0_and_junk = format!("t={T},v0={},v1=zz", v1_of(&header));
    assert_eq!(
        verify_signature(SECRET, &only_v0_and_junk, PAYLOAD, T, TOLERANCE_SECS),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn no_v1_is_no_signature_and_garbage_is_malformed() {
    let good = v1_of(&signature_header(SECRET, T, PAYLOAD));
    for header in [format!("t={T}"), format!("t={T},v0={good}")] {
        assert_eq!(
            verify_signature(SECRET, &header, PAYLOAD, T, TOLERANCE_SECS),
            Err(SignatureError::NoSignature),
            "{header}"
        );
    }
    let headers = [
        String::new(),
        "garbage".to_owned(),
        format!("v1={good}"),
        format!("t=yesterday,v1={good}"),
        format!("t=1.7e9,v1={good}"),
        format!("t={T},{good}"),
        format!("t={T},t={},v1={good}", T + 1),
    ];
    for header in headers {
        assert_eq!(
            verify_signature(SECRET, &header, PAYLOAD, T, TOLERANCE_SECS),
            Err(SignatureError::Malformed),
            "{header:?}"
        );
    }
}

#[test]
fn tolerance_boundary_both_ways() {
    let header = signature_header(SECRET, T, PAYLOAD);
    for now in [T + 299, T + 300, T - 299, T - 300] {
        assert_eq!(
            verify_signature(SECRET, &header, PAYLOAD, now, TOLERANCE_SECS),
            Ok(T),
            "now = t{:+}",
            now - T
        );
    }
    for now in [T + 301, T - 301, i64::MAX, i64::MIN] {
        assert_eq!(
            verify_signature(SECRET, &header, PAYLOAD, now, TOLERANCE_SECS),
            Err(SignatureError::Stale),
            "now = {now}"
        );
    }
    assert_eq!(
        verify_signature(SECRET, &header, PAYLOAD, T + 1, -5),
        Err(SignatureError::Stale)
    );
    // The signature is checked first: Stale only ever means genuine but old.
    assert_eq!(
        verify_signature("whsec_wrong", &header, PAYLOAD, T + 301, TOLERANCE_SECS),
        Err(SignatureError::Mismatch)
    );
}

fn has(form: &[(String, String)], key: &str, value: &str) -> bool {
    form.iter().any(|(k, v)| k == key && v == value)
}

fn has_key(form: &[(String, String)], key: &str) -> bool {
    form.iter().any(|(k, _)| k == key)
}

fn items(n: u32) -> Vec<LineItem> {
    (0..n)
        .map(|i| LineItem {
            name: format!("Entitle Pro seat {i}"),
            unit_amount: 1999 + i64::from(i),
            quantity: i + 1,
        })
        .collect()
}

const CLIENT_REFERENCE: &str = "0192f0c1-a2b3-4c5d-8e9f-001122334455";
const ORDER: &str = "0192f0c1-a2b3-7c5d-8e9f-998877665544";
const SUCCESS_URL: &str = "https://shop.example/done?session_id={CHECKOUT_SESSION_ID}";

fn session_params(line_items: &[LineItem], save: bool) -> CheckoutSessionParams<'_> {
    CheckoutSessionParams {
        currency: "USD",
        line_items,
        client_reference_id: CLIENT_REFERENCE,
        order_id: ORDER,
        success_url: SUCCESS_URL,
        cancel_url: "https://shop.example/cancelled",
        expires_at: T + 3600,
        save_for_off_session: save,
    }
}

#[test]
fn checkout_session_form_keys() {
    let line_items = items(1);
    let form = session_params(&line_items, true).to_form();
    let expected = [
        ("mode", "payment"),
        ("payment_method_types[0]", "card"),
        ("line_items[0][price_data][currency]", "usd"),
        ("line_items[0][price_data][unit_amount]", "1999"),
        (
            "line_items[0][price_data][product_data][name]",
            "Entitle Pro seat 0",
        ),
        ("line_items[0][quantity]", "1"),
        ("client_reference_id", CLIENT_REFERENCE),
        ("metadata[order_id]", ORDER),
        ("payment_intent_data[metadata][order_id]", ORDER),
        ("success_url", SUCCESS_URL),
        ("cancel_url", "https://shop.example/cancelled"),
        ("expires_at", "1700003600"),
        ("customer_creation", "always"),
        ("payment_intent_data[setup_future_usage]", "off_session"),
    ];
    for (key, value) in expected {
        assert!(has(&form, key, value), "{key}={value} in {form:?}");
    }
    assert_eq!(form.len(), expected.len(), "no other keys: {form:?}");

    let not_saving = session_params(&line_items, false).to_form();
    assert!(!has_key(&not_saving, "customer_creation"), "{not_saving:?}");
    assert!(!has_key(
        &not_saving,
        "payment_intent_data[setup_future_usage]"
    ));
    assert_eq!(not_saving.len(), expected.len() - 2);
}

#[test]
fn line_items_are_indexed_from_zero() {
    let line_items = items(3);
    let form = session_params(&line_items, false).to_form();
    for i in 0..3_u32 {
        assert!(has(
            &form,
            &format!("line_items[{i}][quantity]"),
            &(i + 1).to_string()
        ));
        assert!(has(
            &form,
            &format!("line_items[{i}][price_data][unit_amount]"),
            &(1999 + i).to_string()
        ));
        assert!(has(
            &form,
            &format!("line_items[{i}][price_data][currency]"),
            "usd"
        ));
    }
    assert!(!form.iter().any(|(k, _)| k.starts_with("line_items[3]")));
}

#[test]
fn off_session_payment_form() {
    let form = OffSessionPaymentParams {
        amount: 1999,
        currency: "Usd",
        customer: "cus_Qx1",
        payment_method: "pm_1Qx",
        order_id: "order-7",
    }
    .to_form();
    let expected = [
        ("amount", "1999"),
        ("currency", "usd"),
        ("customer", "cus_Qx1"),
        ("payment_method", "pm_1Qx"),
        ("off_session", "true"),
        ("confirm", "true"),
        ("metadata[order_id]", "order-7"),
        ("metadata[charge]", "renewal"),
    ];
    for (key, value) in expected {
        assert!(has(&form, key, value), "{key}={value} in {form:?}");
    }
    assert_eq!(form.len(), expected.len());
    assert_eq!(renewal_idempotency_key("order-7"), "renew-order-7");
}

#[test]
fn encode_form_escapes_brackets() {
    let pairs = vec![
        ("line_items[0][quantity]".to_owned(), "1".to_owned()),
        ("metadata[order_id]".to_owned(), "a b&c".to_owned()),
        (
            "success_url".to_owned(),
            "https://x.example/?id={CHECKOUT_SESSION_ID}".to_owned(),
        ),
    ];
    let body = encode_form(&pairs);
    assert_eq!(
        body,
        "line_items%5B0%5D%5Bquantity%5D=1&metadata%5Border_id%5D=a+b%26c\
         &success_url=https%3A%2F%2Fx.example%2F%3Fid%3D%7BCHECKOUT_SESSION_ID%7D"
    );
    let back: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(back, pairs);
    assert_eq!(encode_form(&[]), "");
}

#[test]
fn checkout_session_completed_event() {
    let body = json!({
        "id": "evt_1QxYz2eZvKYlo2C8Nq3aB4cD",
        "object": "event",
        "api_version": "2024-06-20",
        "created": 1_700_000_100,
        "data": {"object": {
            "id": "cs_test_a1B2c3D4", "object": "checkout.session",
            "amount_subtotal": 1999, "amount_total": 1999,
            "client_reference_id": "0192f0c1-a2b3-4c5d-8e9f-001122334455",
            "created": 1_700_000_000, "currency": "usd",
            "customer": "cus_Qx1", "customer_creation": "always",
            "expires_at": 1_700_003_600, "livemode": false,
            "metadata": {"order_id": "order-7"}, "mode": "payment",
            "payment_intent": "pi_3QxYz2eZvKYlo2C81a2b3c4d", "payment_method_types": ["card"],
            "payment_status": "paid", "status": "complete",
            "success_url": "https://shop.example/done?session_id={CHECKOUT_SESSION_ID}",
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "url": null
        }},
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": "checkout.session.completed"
    });
    let event: Event = serde_json::from_value(body).expect("an event");
    assert_eq!(event.kind, "checkout.session.completed");
    assert_eq!(event.created, 1_700_000_100);
    let session: CheckoutSession =
        serde_json::from_value(event.data.object.clone()).expect("a session");
    assert!(session.is_paid());
    assert_eq!(session.status.as_deref(), Some("complete"));
    assert_eq!(session.url, None);
    assert_eq!(session.amount_total, Some(1999));
    assert_eq!(session.customer.as_deref(), Some("cus_Qx1"));
    assert_eq!(
        session.metadata.get("order_id").map(String::as_str),
        Some("order-7")
    );
    let intent = session.payment_intent.as_ref().expect("a payment intent");
    assert_eq!(intent.id(), "pi_3QxYz2eZvKYlo2C81a2b3c4d");
    assert_eq!(intent.object(), None);

    let back = serde_json::to_value(&session).expect("serialises");
    assert_eq!(back["payment_intent"], json!("pi_3QxYz2eZvKYlo2C81a2b3c4d"));
    let again: CheckoutSession = serde_json::from_value(back).expect("parses back");
    assert_eq!(again, session);
}

#[test]
fn session_with_an_expanded_payment_intent() {
    let body = json!({
        "id": "cs_test_a1B2c3D4", "object": "checkout.session", "created": 1_700_000_000,
        "payment_status": "unpaid", "status": "open",
        "url": "https://checkout.stripe.com/c/pay/cs_test_a1B2c3D4",
        "payment_intent": {
            "id": "pi_3QxYz2eZvKYlo2C81a2b3c4d", "object": "payment_intent",
            "amount": 1999, "currency": "usd", "customer": "cus_Qx1",
            "payment_method": "pm_1QxYz2eZvKYlo2C8", "status": "processing",
            "created": 1_700_000_050, "metadata": {"order_id": "order-7"},
            "setup_future_usage": "off_session"
        }
    });
    let session: CheckoutSession = serde_json::from_value(body).expect("a session");
    assert!(!session.is_paid());
    assert_eq!(session.client_reference_id, None);
    assert!(session.metadata.is_empty());
    let expanded = session.payment_intent.as_ref().expect("a payment intent");
    assert_eq!(expanded.id(), "pi_3QxYz2eZvKYlo2C81a2b3c4d");
    let intent = expanded.object().expect("expanded");
    assert_eq!(
        intent.payment_method.as_deref(),
        Some("pm_1QxYz2eZvKYlo2C8")
    );
    assert_eq!(intent.amount, 1999);
    assert!(!intent.succeeded());
    let succeeded = PaymentIntent {
        status: "succeeded".to_owned(),
        ..intent.clone()
    };
    assert!(succeeded.succeeded());
}

#[test]
fn errors_authentication_required_and_declines() {
    let sca = json!({"error": {
        "code": "authentication_required",
        "decline_code": "authentication_required",
        "doc_url": "https://stripe.com/docs/error-codes/authentication-required",
        "message": "Your card was declined. This transaction requires authentication.",
        "payment_intent": {
            "id": "pi_3QxRenew", "object": "payment_intent", "amount": 1999, "currency": "usd",
            "customer": "cus_Qx1", "payment_method": null, "status": "requires_payment_method",
            "created": 1_702_592_000, "metadata": {"order_id": "order-8"}
        },
        "request_log_url": "https://dashboard.stripe.com/test/logs/req_1",
        "type": "card_error"
    }});
    let body: ErrorBody = serde_json::from_value(sca).expect("an error body");
    assert!(body.error.needs_customer());
    assert!(body.error.is_decline());
    let intent = body
        .error
        .payment_intent
        .as_ref()
        .expect("its payment intent");
    assert_eq!(intent.status, "requires_payment_method");
    assert_eq!(intent.payment_method, None);

    let only_code = json!({"error": {"type": "card_error", "code": "authentication_required"}});
    let body: ErrorBody = serde_json::from_value(only_code).expect("an error body");
    assert!(body.error.needs_customer());

    let declined = json!({"error": {
        "code": "card_declined", "decline_code": "insufficient_funds",
        "message": "Your card has insufficient funds.", "type": "card_error"
    }});
    let body: ErrorBody = serde_json::from_value(declined).expect("an error body");
    assert!(body.error.is_decline());
    assert!(!body.error.needs_customer());
    assert_eq!(body.error.payment_intent, None);

    let invalid = json!({"error": {
        "code": "resource_missing", "message": "No such customer: 'cus_gone'",
        "param": "customer", "type": "invalid_request_error"
    }});
    let body: ErrorBody = serde_json::from_value(invalid).expect("an error body");
    assert!(!body.error.is_decline());
    assert!(!body.error.needs_customer());
}
