//! Charging a renewal order to the subscription's saved method (DESIGN.md §4, §8), at the
//! provider that takes the method (`PaymentProvider::charge_saved`, idempotent per order, so a
//! renewal resumed after a crash is never charged twice).

use crate::error::{ServiceError, ServiceResult};
use crate::orders::store as order_store;
use crate::payments::{ProviderError, Providers, SavedCharge, SavedMethodCharge};
use crate::store::entity::{order, subscription};

/// What charging a saved method came to.
pub(super) enum Charged {
    /// The provider charged it, or declined it (the retry schedule follows).
    Done(SavedCharge),
    /// The provider will not charge it without the customer (Stripe's
    /// `authentication_required`): the renewal becomes pay to renew at once.
    NeedsCustomer,
}

/// Charges the renewal order `row` to the saved method of `sub` at the provider that takes it.
pub(super) async fn charge(
    payments: &Providers,
    sub: &subscription::Model,
    row: &order::Model,
) -> ServiceResult<Charged> {
    let method = sub
        .payment_method
        .ok_or_else(|| ServiceError::Corrupt("a saved method vanished".to_owned()))?;
    let provider = payments
        .for_method(method)
        .ok_or_else(|| ServiceError::ProviderUnavailable(format!("no provider takes {method}")))?;
    let charge = SavedMethodCharge {
        order_id: row.id,
        amount: order_store::total(row)?,
        method,
        token: sub.payment_token.as_deref(),
    };
    match provider.charge_saved(&charge).await {
        Ok(charged) => Ok(Charged::Done(charged)),
        Err(ProviderError::NeedsCustomer { detail, .. }) => {
            tracing::info!(subscription = %sub.id, order = %row.id, detail,
                "the saved method needs the customer: pay to renew");
            Ok(Charged::NeedsCustomer)
        }
        Err(err) => Err(ServiceError::ProviderUnavailable(err.to_string())),
    }
}
