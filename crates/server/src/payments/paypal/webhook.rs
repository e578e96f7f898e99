//! Verifying PayPal's webhooks: self-verification against the signing certificate (fetched
//! only from an allowed prefix, without following redirects, and cached by URL) or PayPal's
//! `verify-webhook-signature` postback, with the event's bytes as received.

use entitle_providers::paypal as protocol;
use poem::http::HeaderMap;

use super::{PaypalProvider, PaypalVerify};
use crate::payments::CallbackRejection;

impl PaypalProvider {
    /// The certificate at `url`, from the cache or fetched — only from an allowed prefix.
    pub(super) async fn certificate(
        &self,
        url: &str,
    ) -> Result<protocol::Certificate, CallbackRejection> {
        if !protocol::cert_url_allowed(url, &self.cert_url_prefixes) {
            tracing::warn!(
                cert_url = url,
                "a PayPal webhook names a certificate outside the allowed prefixes"
            );
            return Err(CallbackRejection::BadSignature);
        }
        let cached = self
            .certificates
            .lock()
            .ok()
            .and_then(|certs| certs.get(url).cloned());
        if let Some(cert) = cached {
            return Ok(cert);
        }
        let pem = self
            .api
            .fetch_text(url)
            .await
            .map_err(|e| CallbackRejection::Unconfirmed(e.to_string()))?;
        let cert =
            protocol::Certificate::from_pem(&pem).map_err(|_| CallbackRejection::BadSignature)?;
        if let Ok(mut certs) = self.certificates.lock() {
            certs.insert(url.to_owned(), cert.clone());
        }
        Ok(cert)
    }

    /// Verifies a webhook's transmission by the configured way.
    pub(super) async fn verify_transmission(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), CallbackRejection> {
        let transmission = protocol::Transmission::from_headers(|name| {
            headers.get(name).and_then(|v| v.to_str().ok())
        })
        .map_err(|e| match e {
            protocol::WebhookError::MissingHeader(_) => CallbackRejection::MissingSignature,
            _ => CallbackRejection::BadSignature,
        })?;
        match self.verify {
            PaypalVerify::SelfCheck => {
                let cert = self.certificate(&transmission.cert_url).await?;
                cert.verify(
                    transmission.message(&self.webhook_id, body).as_bytes(),
                    &transmission.sig,
                )
                .map_err(|_| CallbackRejection::BadSignature)
            }
            PaypalVerify::Postback => {
                let event = std::str::from_utf8(body)
                    .ok()
                    .and_then(|text| serde_json::value::RawValue::from_string(text.to_owned()).ok())
                    .ok_or_else(|| CallbackRejection::Malformed("not JSON".to_owned()))?;
                let verified = self
                    .api
                    .verify_webhook(&protocol::VerifyWebhookSignature {
                        auth_algo: transmission.auth_algo,
                        cert_url: transmission.cert_url,
                        transmission_id: transmission.id,
                        transmission_sig: transmission.sig,
                        transmission_time: transmission.time,
                        webhook_id: self.webhook_id.clone(),
                        webhook_event: event,
                    })
                    .await
                    .map_err(|e| CallbackRejection::Unconfirmed(e.to_string()))?;
                if verified {
                    Ok(())
                } else {
                    Err(CallbackRejection::BadSignature)
                }
            }
        }
    }
}
