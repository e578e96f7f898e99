//! The webhook events the Stripe fake sends: a `checkout.session.*` event whose
//! `data.object` is the session (its `payment_intent` an id), signed as Stripe signs:
//! `Stripe-Signature: t={unix},v1={hex(HMAC-SHA256(secret, "{t}.{body}"))}`. The HMAC is
//! computed here, independently of Entitle's code.

use chrono::Utc;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use super::calls::session_json;
use super::{API_VERSION, StripeFake, StripeForgery, WEBHOOK_SECRET};
use crate::fakes::{Delivery, nonce};

/// A secret that is not the endpoint's: what an intruder signs with.
const INTRUDER_SECRET: &str = "whsec_intruder_not_entitles_fedcba9876543210";

/// A `v1` signature: hex(HMAC-SHA256(`secret`, `"{t}.{payload}"`)).
fn sign(secret: &str, t: i64, payload: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    hex::encode(mac.finalize().into_bytes())
}

impl StripeFake {
    /// The `checkout.session.completed` event of the session, as it stands (pay it first),
    /// ready to send to `url` as Stripe would (or forged so).
    pub fn event_delivery(&self, session_id: &str, url: &str, forgery: &StripeForgery) -> Delivery {
        self.event(session_id, url, "checkout.session.completed", forgery)
    }

    /// An honest event of another `kind` about the session (`checkout.session.expired`, …),
    /// the session as it stands.
    pub fn event_delivery_of_kind(&self, session_id: &str, url: &str, kind: &str) -> Delivery {
        self.event(session_id, url, kind, &StripeForgery::Honest)
    }

    /// Sends the `checkout.session.completed` event: Entitle's answer's status and body.
    pub async fn deliver(
        &self,
        session_id: &str,
        url: &str,
        forgery: StripeForgery,
    ) -> (u16, String) {
        self.event_delivery(session_id, url, &forgery).send().await
    }

    fn event(&self, session_id: &str, url: &str, kind: &str, forgery: &StripeForgery) -> Delivery {
        let session = self.session(session_id).unwrap_or_else(|| {
            panic!("no checkout session {session_id}: Entitle never created it")
        });
        let now = Utc::now().timestamp();
        let mut event = json!({
            "id": format!("evt_{}", nonce(24)),
            "object": "event",
            "api_version": API_VERSION,
            "created": now,
            "type": kind,
            "livemode": false,
            "pending_webhooks": 1,
            "request": { "id": null, "idempotency_key": null },
            "data": { "object": session_json(&session, json!(session.payment_intent)) },
        });
        let body = event.to_string().into_bytes();
        let t = if *forgery == StripeForgery::Stale {
            now - 301
        } else {
            now
        };
        let right = sign(WEBHOOK_SECRET, t, &body);
        let signature = match forgery {
            StripeForgery::BadSignature => {
                let mut other = body.clone();
                other.extend_from_slice(b" ");
                format!("t={t},v1={}", sign(WEBHOOK_SECRET, t, &other))
            }
            StripeForgery::WrongSecret => format!("t={t},v1={}", sign(INTRUDER_SECRET, t, &body)),
            StripeForgery::ExtraSignatures => format!(
                "t={t},v1={},v1={right},v0={}",
                sign(INTRUDER_SECRET, t, &body),
                hex::encode(nonce(32)),
            ),
            StripeForgery::Honest | StripeForgery::TamperedAmount | StripeForgery::Stale => {
                format!("t={t},v1={right}")
            }
        };
        // Changed after signing: the body sent is not the body signed.
        let sent = if *forgery == StripeForgery::TamperedAmount {
            event["data"]["object"]["amount_total"] = json!(1);
            event["data"]["object"]["amount_subtotal"] = json!(1);
            event.to_string().into_bytes()
        } else {
            body
        };
        Delivery {
            url: url.to_owned(),
            headers: vec![
                (
                    "content-type".to_owned(),
                    "application/json; charset=utf-8".to_owned(),
                ),
                ("Stripe-Signature".to_owned(), signature),
                (
                    "user-agent".to_owned(),
                    "Stripe/1.0 (+https://stripe.com/docs/webhooks)".to_owned(),
                ),
            ],
            body: sent,
        }
    }
}
