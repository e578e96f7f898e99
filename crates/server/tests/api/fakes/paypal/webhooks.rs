//! Webhooks: signed deliveries (honest or forged) and the `verify-webhook-signature` postback.
//!
//! The signed message is `transmission_id|transmission_time|webhook_id|crc32`, the CRC-32
//! (IEEE) of the raw body as an unsigned decimal, signed `SHA256withRSA` with PayPal's key.

use chrono::Utc;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{Request, Response, handler};
use serde_json::{Value, json};

use super::types::{capture_json, order_json};
use super::{
    CERT_NAME, OTHER_WEBHOOK_ID, Orders, Outcome, PaypalFake, PaypalForgery, Refusal, Shared,
    State, WEBHOOK_ID, api, lock_both, respond, target, time,
};
use crate::fakes::{Delivery, Key, key, nonce};

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), bit by bit: written here so that the
/// fake checks Entitle independently of the crate Entitle uses.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Sets every amount in a webhook's resource (a capture, or an order and its captures).
fn set_amounts(resource: &mut Value, value: &str) {
    if let Some(amount) = resource.get_mut("amount") {
        amount["value"] = json!(value);
    }
    let units = resource
        .get_mut("purchase_units")
        .and_then(Value::as_array_mut);
    for unit in units.into_iter().flatten() {
        if let Some(amount) = unit.get_mut("amount") {
            amount["value"] = json!(value);
        }
        let captures = unit
            .get_mut("payments")
            .and_then(|p| p.get_mut("captures"))
            .and_then(Value::as_array_mut);
        for taken in captures.into_iter().flatten() {
            taken["amount"]["value"] = json!(value);
        }
    }
}

impl PaypalFake {
    /// A webhook about the order, ready to send to `url`, as PayPal would send it (or forged).
    ///
    /// `CHECKOUT.ORDER.APPROVED` carries the order as it stands (approve it first);
    /// `PAYMENT.CAPTURE.COMPLETED`, `.DENIED` and `.PENDING` carry the order's capture as it
    /// stands (capture it first), whatever its status. The body delivered is kept under its
    /// transmission id, for the postback to check.
    pub fn event_delivery(
        &self,
        event_type: &str,
        order_id: &str,
        url: &str,
        forgery: &PaypalForgery,
    ) -> Delivery {
        let (ledger, mut state) = self.lock();
        let order = ledger
            .trades
            .get(order_id)
            .unwrap_or_else(|| panic!("no order {order_id}: Entitle never opened it"));
        let (resource_type, mut resource, summary) = match event_type {
            "CHECKOUT.ORDER.APPROVED" => (
                "checkout-order",
                order_json(order, &state.base),
                "An order has been approved by buyer".to_owned(),
            ),
            "PAYMENT.CAPTURE.COMPLETED" | "PAYMENT.CAPTURE.DENIED" | "PAYMENT.CAPTURE.PENDING" => {
                let taken = order
                    .capture
                    .as_ref()
                    .unwrap_or_else(|| panic!("order {order_id} has no capture: capture it"));
                let what = match event_type {
                    "PAYMENT.CAPTURE.COMPLETED" => "completed",
                    "PAYMENT.CAPTURE.DENIED" => "denied",
                    _ => "pending",
                };
                (
                    "capture",
                    capture_json(order, taken, &state.base),
                    format!("Payment {what} for $ {} USD", order.value),
                )
            }
            other => panic!("the PayPal fake sends no {other} webhooks"),
        };
        let event_id = format!("WH-{}", nonce(17).to_ascii_uppercase());
        let create_time = time(Utc::now());
        let envelope = |resource: &Value, summary: &str| {
            json!({
                "id": event_id, "event_version": "1.0", "create_time": create_time,
                "resource_type": resource_type, "resource_version": "2.0",
                "event_type": event_type, "summary": summary, "resource": resource, "links": [],
            })
            .to_string()
            .into_bytes()
        };
        let signed = envelope(&resource, &summary);
        let transmission_id = uuid::Uuid::new_v4().to_string();
        let transmission_time = time(Utc::now());
        let webhook_id = match forgery {
            PaypalForgery::OtherWebhookId => OTHER_WEBHOOK_ID,
            _ => WEBHOOK_ID,
        };
        let message = format!(
            "{transmission_id}|{transmission_time}|{webhook_id}|{}",
            crc32(&signed)
        );
        let signer = match forgery {
            PaypalForgery::WrongKey => Key::Intruder,
            _ => Key::PaypalCert,
        };
        let signature = key(signer).signing().sign_base64(message.as_bytes());
        let sent = match forgery {
            PaypalForgery::BadSignature => envelope(&resource, &format!("{summary} (altered)")),
            PaypalForgery::TamperedAmount => {
                let cheap = if order.value == "0.01" {
                    "0.02"
                } else {
                    "0.01"
                };
                set_amounts(&mut resource, cheap);
                envelope(&resource, &summary)
            }
            _ => signed,
        };
        state
            .transmissions
            .insert(transmission_id.clone(), sent.clone());
        let cert_url = match forgery {
            PaypalForgery::ForeignCertUrl => self.foreign_cert_url(),
            _ => self.cert_url(),
        };
        let headers = [
            ("PAYPAL-TRANSMISSION-ID", transmission_id),
            ("PAYPAL-TRANSMISSION-TIME", transmission_time),
            ("PAYPAL-TRANSMISSION-SIG", signature),
            ("PAYPAL-CERT-URL", cert_url),
            ("PAYPAL-AUTH-ALGO", "SHA256withRSA".to_owned()),
            ("PAYPAL-AUTH-VERSION", "v2".to_owned()),
            ("Content-Type", "application/json".to_owned()),
        ]
        .map(|(name, value)| (name.to_owned(), value))
        .to_vec();
        Delivery {
            url: url.to_owned(),
            headers,
            body: sent,
        }
    }

    /// Sends a webhook about the order to `url` ([`PaypalFake::event_delivery`]): Entitle's
    /// answer's status and body.
    pub async fn deliver(
        &self,
        event_type: &str,
        order_id: &str,
        url: &str,
        forgery: PaypalForgery,
    ) -> (u16, String) {
        let delivery = self.event_delivery(event_type, order_id, url, &forgery);
        delivery.send().await
    }
}

/// Whether a postback's transmission is one PayPal sent, signed by PayPal, for our webhook.
fn check_transmission(sent: &Value, state: &State) -> Result<(), String> {
    let text = |name: &str| sent[name].as_str().unwrap_or_default();
    if text("auth_algo") != "SHA256withRSA" {
        return Err(format!("auth_algo {:?}", text("auth_algo")));
    }
    if text("webhook_id") != WEBHOOK_ID {
        return Err(format!(
            "webhook_id {:?} is not this app's webhook",
            text("webhook_id")
        ));
    }
    let own_cert = format!("{}/certs/{CERT_NAME}", state.base);
    if text("cert_url") != own_cert {
        return Err(format!(
            "cert_url {:?} is not PayPal's certificate",
            text("cert_url")
        ));
    }
    let id = text("transmission_id");
    let delivered = state
        .transmissions
        .get(id)
        .ok_or_else(|| format!("PayPal never sent a transmission {id:?}"))?;
    let event: Value = serde_json::from_slice(delivered).expect("the fake's own body is JSON");
    if event != sent["webhook_event"] {
        return Err("webhook_event is not the event PayPal delivered".to_owned());
    }
    let message = format!(
        "{id}|{}|{}|{}",
        text("transmission_time"),
        text("webhook_id"),
        crc32(delivered)
    );
    if !key(Key::PaypalCert)
        .verifying()
        .verify_base64(message.as_bytes(), text("transmission_sig"))
    {
        return Err("transmission_sig does not verify with PayPal's certificate".to_owned());
    }
    Ok(())
}

fn verify(req: &Request, body: &str, state: &mut State) -> Outcome {
    state.postbacks += 1;
    api::bearer(req, state)?;
    let sent: Value = serde_json::from_str(body)
        .map_err(|e| Refusal::invalid("MALFORMED_REQUEST_JSON", e.to_string()))?;
    for name in [
        "auth_algo",
        "cert_url",
        "transmission_id",
        "transmission_sig",
        "transmission_time",
        "webhook_id",
    ] {
        if sent[name].as_str().is_none_or(str::is_empty) {
            return Err(Refusal::invalid(
                "MISSING_REQUIRED_PARAMETER",
                format!("no {name}"),
            ));
        }
    }
    if !sent["webhook_event"].is_object() {
        return Err(Refusal::invalid(
            "MISSING_REQUIRED_PARAMETER",
            "no webhook_event".to_owned(),
        ));
    }
    let checked = check_transmission(&sent, state);
    let status = if checked.is_ok() {
        "SUCCESS"
    } else {
        "FAILURE"
    };
    let id = sent["transmission_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    state.verifications.push((id, checked));
    Ok((StatusCode::OK, json!({ "verification_status": status })))
}

/// `POST /v1/notifications/verify-webhook-signature`.
#[handler]
pub(super) async fn post_verify(
    req: &Request,
    body: String,
    Data(orders): Data<&Orders>,
    Data(shared): Data<&Shared>,
) -> Response {
    let (mut ledger, mut state) = lock_both(orders, shared);
    let outcome = verify(req, &body, &mut state);
    respond(
        &mut ledger,
        "POST",
        target(req),
        "notifications.verify-webhook-signature",
        outcome,
    )
}
