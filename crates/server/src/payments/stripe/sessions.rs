//! What a Checkout Session says: read with its PaymentIntent expanded, turned into a payment
//! notice (checked to be ours: our checkout session as `client_reference_id`, the order in
//! `metadata[order_id]`, USD), and the card it saved for renewals.

use chrono::{DateTime, Utc};
use entitle_domain::{Currency, Money};
use entitle_providers::stripe as protocol;
use uuid::Uuid;

use super::{StripeProvider, saved_card};
use crate::payments::{CallbackRejection, PaymentNotice, PaymentOutcome, ProviderResult};

impl StripeProvider {
    /// The session `id` with its PaymentIntent expanded.
    pub(super) async fn session(
        &self,
        id: &str,
    ) -> ProviderResult<Option<protocol::CheckoutSession>> {
        self.get(&format!(
            "/v1/checkout/sessions/{id}?expand%5B%5D=payment_intent"
        ))
        .await
    }

    /// The card a paid `session` saved, read from its PaymentIntent (fetched when the session
    /// names it only by id, as webhooks do). `None` when it saved none; a PaymentIntent that
    /// cannot be read leaves the subscription to pay to renew, and says so in the log.
    async fn saved_method(&self, session: &protocol::CheckoutSession) -> Option<String> {
        let customer = session.customer.as_deref()?;
        let intent = match session.payment_intent.as_ref()? {
            protocol::Expandable::Object(intent) => Some((**intent).clone()),
            protocol::Expandable::Id(id) => self
                .get::<protocol::PaymentIntent>(&format!("/v1/payment_intents/{id}"))
                .await
                .inspect_err(|e| {
                    tracing::warn!(error = %e, "the saved card could not be read; pay to renew")
                })
                .ok()
                .flatten(),
        }?;
        Some(saved_card(customer, intent.payment_method.as_deref()?))
    }

    /// What a paid (or failed) `session` says, as a payment notice.
    pub(super) async fn notice(
        &self,
        session: &protocol::CheckoutSession,
        outcome: PaymentOutcome,
        occurred_at: DateTime<Utc>,
    ) -> Result<PaymentNotice, CallbackRejection> {
        let session_id = session
            .client_reference_id
            .as_deref()
            .and_then(|id| Uuid::try_parse(id).ok())
            .ok_or_else(|| CallbackRejection::Mismatch("the session is not one of ours".into()))?;
        let order_id = session
            .metadata
            .get("order_id")
            .map(|id| {
                Uuid::try_parse(id)
                    .map_err(|_| CallbackRejection::Mismatch("metadata names no order".into()))
            })
            .transpose()?;
        if !session
            .currency
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case("usd"))
        {
            return Err(CallbackRejection::Mismatch(
                "the session is not in USD".into(),
            ));
        }
        let amount = session
            .amount_total
            .ok_or_else(|| CallbackRejection::Malformed("no amount_total".into()))?;
        let payment_id = session
            .payment_intent
            .as_ref()
            .map_or_else(|| session.id.clone(), |intent| intent.id().to_owned());
        let saved_method = match outcome {
            PaymentOutcome::Succeeded => self.saved_method(session).await,
            PaymentOutcome::Declined => None,
        };
        Ok(PaymentNotice {
            payment_id,
            outcome,
            session_id: Some(session_id),
            order_id,
            amount: Money::from_minor(amount, Currency::Usd),
            occurred_at,
            saved_method,
        })
    }
}
