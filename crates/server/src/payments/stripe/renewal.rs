//! Renewals charged to the card a Checkout saved (issue 20): a PaymentIntent
//! `off_session=true, confirm=true` on the saved customer and payment method, keyed
//! `renew-{order}` (each attempt of a renewal is an order of its own, so a retry after a
//! decline is a new charge and a resumed one is not), and its `payment_intent.succeeded`
//! event, which fulfils a charge whose answer was lost.

use chrono::Utc;
use entitle_domain::{Currency, Money};
use entitle_providers::stripe as protocol;
use uuid::Uuid;

use super::{NAME, StripeProvider, at, cents, refused, unreachable};
use crate::payments::{
    CallbackOutcome, CallbackRejection, PaymentNotice, PaymentOutcome, ProviderError,
    ProviderResult, SavedCharge, SavedMethodCharge,
};

impl StripeProvider {
    /// Charges the saved card of `charge` off-session.
    pub(super) async fn charge_off_session(
        &self,
        charge: &SavedMethodCharge<'_>,
    ) -> ProviderResult<SavedCharge> {
        let Some((customer, payment_method)) = charge.token.and_then(|t| t.split_once('/')) else {
            return Err(ProviderError::NeedsCustomer {
                provider: NAME,
                detail: "no card is saved for this subscription".to_owned(),
            });
        };
        let order_id = charge.order_id.to_string();
        let form = protocol::OffSessionPaymentParams {
            amount: cents(charge.amount)?,
            currency: "usd",
            customer,
            payment_method,
            order_id: &order_id,
        }
        .to_form();
        let (status, body) = self
            .post(
                "/v1/payment_intents",
                &form,
                &protocol::renewal_idempotency_key(&order_id),
            )
            .await?;
        if status.is_success() {
            let intent: protocol::PaymentIntent =
                serde_json::from_str(&body).map_err(unreachable)?;
            return match intent.status.as_str() {
                "succeeded" => Ok(SavedCharge {
                    payment_id: intent.id,
                    outcome: PaymentOutcome::Succeeded,
                    occurred_at: at(intent.created),
                }),
                "requires_action" => Err(ProviderError::NeedsCustomer {
                    provider: NAME,
                    detail: format!("PaymentIntent {} requires action", intent.id),
                }),
                // Neither taken nor declined yet: the renewal is resumed with the same key, or
                // fulfilled by `payment_intent.succeeded` (its metadata names the order).
                "processing" => Err(ProviderError::Pending {
                    provider: NAME,
                    detail: format!("PaymentIntent {} is processing", intent.id),
                }),
                _ => Ok(SavedCharge {
                    payment_id: intent.id,
                    outcome: PaymentOutcome::Declined,
                    occurred_at: Utc::now(),
                }),
            };
        }
        let error = serde_json::from_str::<protocol::ErrorBody>(&body)
            .map_err(|_| refused(status, &body))?
            .error;
        if error.needs_customer() {
            return Err(ProviderError::NeedsCustomer {
                provider: NAME,
                detail: error.message.unwrap_or_default(),
            });
        }
        if error.is_decline() {
            let payment_id = error
                .payment_intent
                .map_or_else(|| format!("declined-{order_id}"), |intent| intent.id);
            return Ok(SavedCharge {
                payment_id,
                outcome: PaymentOutcome::Declined,
                occurred_at: Utc::now(),
            });
        }
        Err(refused(status, &body))
    }
}

/// A renewal's off-session charge that succeeded, told by `payment_intent.succeeded`: a payment
/// for the order its metadata names (`metadata[charge]=renewal`, set by
/// `OffSessionPaymentParams`). A Checkout's PaymentIntent is told by its session's
/// event, which carries the saved card; anything else is acknowledged.
pub(super) fn intent_succeeded(
    object: serde_json::Value,
    created: i64,
) -> Result<CallbackOutcome, CallbackRejection> {
    let intent: protocol::PaymentIntent =
        serde_json::from_value(object).map_err(|e| CallbackRejection::Malformed(e.to_string()))?;
    let (Some(order_id), Some("renewal")) = (
        intent.metadata.get("order_id"),
        intent.metadata.get("charge").map(String::as_str),
    ) else {
        return Ok(CallbackOutcome::Ignored("not a renewal's charge"));
    };
    let order_id = Uuid::try_parse(order_id)
        .map_err(|_| CallbackRejection::Mismatch("metadata names no order".into()))?;
    if !intent.currency.eq_ignore_ascii_case("usd") || !intent.succeeded() {
        return Err(CallbackRejection::Mismatch(
            "not a USD payment that succeeded".into(),
        ));
    }
    Ok(CallbackOutcome::Payment(PaymentNotice {
        payment_id: intent.id,
        outcome: PaymentOutcome::Succeeded,
        session_id: None,
        order_id: Some(order_id),
        amount: Money::from_minor(intent.amount, Currency::Usd),
        occurred_at: at(created),
        saved_method: None,
    }))
}
