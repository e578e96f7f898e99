//! Charging a renewal order to the subscription's saved method (DESIGN.md §4, §8), at the
//! provider that takes the method (`PaymentProvider::charge_saved`, idempotent per order, so a
//! renewal resumed after a crash is never charged twice).

use entitle_domain::PaymentMethod;

use crate::error::{ServiceError, ServiceResult};
use crate::orders::store as order_store;
use crate::payments::Providers;
use crate::payments::SavedCharge;
use crate::store::entity::{order, subscription};

/// Charges the renewal order `row` to the saved method of `sub`.
pub(super) async fn charge(
    payments: &Providers,
    sub: &subscription::Model,
    row: &order::Model,
) -> ServiceResult<SavedCharge> {
    let method = sub
        .payment_method
        .ok_or_else(|| ServiceError::Corrupt("a saved method vanished".to_owned()))?;
    charge_saved(payments, row, method).await
}

/// Charges `method` for the renewal order `row` at the provider that takes it.
pub(super) async fn charge_saved(
    payments: &Providers,
    row: &order::Model,
    method: PaymentMethod,
) -> ServiceResult<SavedCharge> {
    let provider = payments
        .for_method(method)
        .ok_or_else(|| ServiceError::ProviderUnavailable(format!("no provider takes {method}")))?;
    provider
        .charge_saved(row.id, order_store::total(row)?, method)
        .await
        .map_err(|e| ServiceError::ProviderUnavailable(e.to_string()))
}
