//! Checkouts: one attempt to pay an order at a provider (DESIGN.md §8), and what became of it.
//!
//! An order may have several checkouts (a fresh one supersedes the open one). The provider may
//! still take a superseded checkout until it expires, and a customer may pay a moment before
//! canceling, so which checkouts are still asked about is a rule of its own.

use crate::orders::OrderStatus;
use crate::stored::stored_enum;

stored_enum! {
    "snake_case";
    /// Where a checkout stands.
    pub enum CheckoutStatus {
        /// The customer is shown it and may pay.
        Open,
        /// A fresh checkout replaced it; the provider may still take it until it expires.
        Superseded,
        /// Paid: its order is fulfilled.
        Paid,
        /// Its order was canceled.
        Canceled,
        /// Its order's payment was declined.
        Declined,
        /// The provider, asked after the checkout's own expiry, still said unpaid: closed there.
        Expired,
    }
}

impl CheckoutStatus {
    /// The checkouts a customer may still pay through Entitle's pages.
    pub const PAYABLE: [CheckoutStatus; 2] = [CheckoutStatus::Open, CheckoutStatus::Superseded];

    /// The checkouts a provider may still report paid, which reconciliation keeps asking
    /// about: the payable ones, and a canceled order's (the customer may have paid at the
    /// provider a moment before canceling, or the provider did not take the close).
    pub const ASKED: [CheckoutStatus; 3] = [
        CheckoutStatus::Open,
        CheckoutStatus::Superseded,
        CheckoutStatus::Canceled,
    ];

    /// What an order's payable checkouts become when the order moves to `to` without being
    /// paid: a canceled order's are canceled, a declined one's declined; an expiring order's
    /// stay as they are, for reconciliation to ask the provider about (`None`).
    pub fn when_order_moves_to(to: OrderStatus) -> Option<CheckoutStatus> {
        match to {
            OrderStatus::Canceled => Some(CheckoutStatus::Canceled),
            OrderStatus::Failed => Some(CheckoutStatus::Declined),
            // A paid order's checkout is marked by the payment itself, not by the order.
            OrderStatus::Paid | OrderStatus::PendingPayment | OrderStatus::Expired => None,
        }
    }
}

stored_enum! {
    "snake_case";
    /// What a provider reports about one payment.
    pub enum PaymentOutcome {
        Succeeded,
        Declined,
    }
}

stored_enum! {
    "snake_case";
    /// How a payment's news reached the server first: the provider's callback, the customer's
    /// return, or the reconciliation job asking.
    pub enum FoundBy {
        Callback,
        Return,
        Reconcile,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_canceled_orders_checkouts_are_still_asked_about_but_not_payable() {
        assert!(CheckoutStatus::ASKED.contains(&CheckoutStatus::Canceled));
        assert!(!CheckoutStatus::PAYABLE.contains(&CheckoutStatus::Canceled));
        for payable in CheckoutStatus::PAYABLE {
            assert!(CheckoutStatus::ASKED.contains(&payable));
        }
    }

    #[test]
    fn an_expiring_order_leaves_its_checkouts_open_for_reconciliation() {
        assert_eq!(
            CheckoutStatus::when_order_moves_to(OrderStatus::Expired),
            None
        );
        assert_eq!(
            CheckoutStatus::when_order_moves_to(OrderStatus::Canceled),
            Some(CheckoutStatus::Canceled)
        );
        assert_eq!(
            CheckoutStatus::when_order_moves_to(OrderStatus::Failed),
            Some(CheckoutStatus::Declined)
        );
    }
}
