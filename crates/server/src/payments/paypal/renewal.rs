//! Renewals charged to a vaulted PayPal payment (issue 20, `ENTITLE_PAYPAL_VAULT`): an order
//! with the vault id as its payment source, keyed `renew-{order}` (each attempt of a renewal
//! is an order of its own), captured if PayPal did not complete it at once.
//!
//! Known limit: a vaulted capture PayPal leaves `PENDING` (an eCheck) is reported as not yet
//! taken; the renewal is resumed with the same `PayPal-Request-Id`, which PayPal remembers for
//! 6 hours, and fulfilled by the capture's webhook (its `custom_id` names the order).

use chrono::Utc;
use entitle_providers::paypal as protocol;

use super::calls::Captured;
use super::{NAME, PaypalProvider, dollars, time_of};
use crate::payments::{
    PaymentOutcome, ProviderError, ProviderResult, SavedCharge, SavedMethodCharge,
};

/// PayPal's issues that decline a vaulted payment (the retry schedule follows); any other
/// refusal (vaulting not approved, a request id reused) is the merchant's to fix, not a decline.
const DECLINES: [&str; 3] = [
    "INSTRUMENT_DECLINED",
    "PAYER_CANNOT_PAY",
    "TRANSACTION_REFUSED",
];

impl PaypalProvider {
    /// Charges the vaulted payment of `charge`.
    pub(super) async fn charge_vault(
        &self,
        charge: &SavedMethodCharge<'_>,
    ) -> ProviderResult<SavedCharge> {
        let Some(vault_id) = charge.token.filter(|_| self.vault) else {
            return Err(ProviderError::NeedsCustomer {
                provider: NAME,
                detail: "no PayPal payment is saved for this subscription".to_owned(),
            });
        };
        let value = dollars(charge.amount)?;
        // Prefixed, so that it is never read as a checkout session's number.
        let reference = format!("renew-{}", charge.order_id.simple());
        let order_id = charge.order_id.to_string();
        let body = protocol::VaultedOrder {
            reference_id: &reference,
            custom_id: &order_id,
            invoice_id: &reference,
            currency_code: "USD",
            value: &value,
            vault_id,
        }
        .to_json();
        let declined = || SavedCharge {
            payment_id: format!("declined-{order_id}"),
            outcome: PaymentOutcome::Declined,
            occurred_at: Utc::now(),
        };
        let order = match self.api.create_order(&body, &reference).await? {
            Ok(order) => order,
            Err(refusal) if DECLINES.iter().any(|issue| refusal.contains(issue)) => {
                tracing::info!(order = %charge.order_id, "PayPal declined the vaulted payment");
                return Ok(declined());
            }
            Err(refusal) => {
                return Err(ProviderError::Refused {
                    provider: NAME,
                    detail: refusal,
                });
            }
        };
        if order.status == "PAYER_ACTION_REQUIRED" {
            return Err(ProviderError::NeedsCustomer {
                provider: NAME,
                detail: format!("order {} needs the payer", order.id),
            });
        }
        let order = match order.status.as_str() {
            "COMPLETED" => order,
            _ => match self.api.capture(&order.id).await? {
                Captured::Order(order) => order,
                Captured::Declined => return Ok(declined()),
            },
        };
        match order.capture() {
            Some(capture) if capture.status == "COMPLETED" => Ok(SavedCharge {
                payment_id: capture.id.clone(),
                outcome: PaymentOutcome::Succeeded,
                occurred_at: time_of(capture.create_time.as_deref()),
            }),
            // Neither taken nor declined yet: the renewal is resumed later (the same request
            // id finds the same order), or fulfilled by the capture's webhook.
            Some(capture) if capture.status == "PENDING" => Err(ProviderError::Pending {
                provider: NAME,
                detail: format!("capture {} is pending", capture.id),
            }),
            _ => Ok(declined()),
        }
    }
}
