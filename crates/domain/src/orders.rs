//! Orders and their states (DESIGN.md §3).
//!
//! `pending_payment` → `paid` (final: fulfilled) | `expired` (unpaid past its checkout's
//! lifetime) | `canceled` (by the customer, only while unpaid) | `failed` (the payment was
//! declined). Purchases are final: a paid order can never be canceled, refunded or revoked.

use crate::api::ProblemCode;
use thiserror::Error;

use crate::stored::stored_enum;

stored_enum! {
    "snake_case";
    /// What an order buys.
    pub enum OrderType {
        /// New units of a product.
        Purchase,
        /// An edition upgrade of a held subscription.
        Upgrade,
        /// Seats added to a seat-based subscription.
        AddSeats,
        /// A free trial, started at once without payment.
        Trial,
        /// The next term of an auto-renewing subscription, charged to its saved method.
        Renewal,
    }
}

stored_enum! {
    "snake_case";
    /// Where an order stands.
    pub enum OrderStatus {
        PendingPayment,
        Paid,
        Expired,
        Canceled,
        Failed,
    }
}

/// Why an order cannot move as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum OrderRefusal {
    #[error(
        "a paid order is final: licenses are delivered on payment and cannot be refunded, canceled or revoked; turn auto-renew off to stop renewals"
    )]
    NonRefundable,
    #[error("only an unpaid order can be canceled; this one is {}", .0)]
    NotCancelable(OrderStatus),
    #[error("only an order waiting for payment gets a fresh checkout; this one is {}", .0)]
    NotPayable(OrderStatus),
}

impl OrderRefusal {
    /// The stable code the API answers with.
    pub fn code(self) -> ProblemCode {
        match self {
            OrderRefusal::NonRefundable => ProblemCode::OrderNonRefundable,
            OrderRefusal::NotCancelable(_) => ProblemCode::OrderNotCancelable,
            OrderRefusal::NotPayable(_) => ProblemCode::OrderNotPayable,
        }
    }
}

/// What an order holds exclusively (DESIGN.md §3, §5: one thing is paid once). The store keeps
/// at most one order waiting for payment per account and claim, and one trial per account and
/// family ever, by unique indexes on [`OrderClaim::key`]; so two requests at once (different
/// `Idempotency-Key`s, a double click in two windows) leave one order, whichever wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderClaim {
    /// A product sold once per account: its edition family (Premium and Premium Plus share
    /// `cloud`). No second order while one waits; a live subscription refuses it as well.
    Edition { family: String },
    /// An upgrade of a subscription: one waiting at a time.
    Upgrade { subscription: uuid::Uuid },
    /// Seats for a subscription: one order waiting at a time, so the seats quoted against the
    /// product's maximum are still within it when granted.
    Seats { subscription: uuid::Uuid },
    /// A free trial: one per account and family, ever.
    Trial { family: String },
}

impl OrderClaim {
    /// The claim of a new order of `kind` for `product` (on `subscription`, for an upgrade or
    /// seats): a purchase claims its edition only when the product is sold once per account;
    /// renewals claim nothing (their own key, one per term, keeps them single).
    pub fn for_order(
        kind: OrderType,
        product: &crate::catalog::Product,
        subscription: Option<uuid::Uuid>,
    ) -> Option<OrderClaim> {
        match (kind, subscription) {
            (OrderType::Purchase, _) => product.one_per_account.then(|| OrderClaim::Edition {
                family: product.family.clone(),
            }),
            (OrderType::Trial, _) => Some(OrderClaim::Trial {
                family: product.family.clone(),
            }),
            (OrderType::Upgrade, Some(subscription)) => Some(OrderClaim::Upgrade { subscription }),
            (OrderType::AddSeats, Some(subscription)) => Some(OrderClaim::Seats { subscription }),
            _ => None,
        }
    }

    /// The stored form, unique per account.
    pub fn key(&self) -> String {
        match self {
            OrderClaim::Edition { family } => format!("edition:{family}"),
            OrderClaim::Upgrade { subscription } => format!("upgrade:{subscription}"),
            OrderClaim::Seats { subscription } => format!("seats:{subscription}"),
            OrderClaim::Trial { family } => format!("trial:{family}"),
        }
    }
}

/// The stored form of a customer's `Idempotency-Key`: in a space of its own (`request:…`), apart
/// from the keys Entitle makes for its own orders (`renewal:…`), so a customer's key can never
/// name, block or replay one of those.
pub fn customer_idempotency_key(key: &str) -> String {
    format!("request:{key}")
}

/// Whether paying an order saves the payment method for renewals charged off-session
/// (DESIGN.md §8, issue 20): a purchase or a renewal of a subscription that renews by itself.
/// Upgrades and seats keep the subscription's method as it is, and trials pay nothing.
pub fn saves_payment_method(kind: OrderType, auto_renew: Option<bool>) -> bool {
    matches!(kind, OrderType::Purchase | OrderType::Renewal) && auto_renew == Some(true)
}

impl OrderStatus {
    /// Every status, in a stable order.
    pub const ALL: [OrderStatus; 5] = [
        OrderStatus::PendingPayment,
        OrderStatus::Paid,
        OrderStatus::Expired,
        OrderStatus::Canceled,
        OrderStatus::Failed,
    ];

    /// Whether a confirmed payment fulfills an order in this state. Money that reached the
    /// provider is never lost: a payment for an expired, canceled or failed order still
    /// fulfills it. Only a paid order ignores it (a second delivery of the same payment).
    pub fn accepts_payment(self) -> bool {
        self != OrderStatus::Paid
    }

    /// The states a payment moves from, for the store's conditional update.
    pub fn payable() -> Vec<OrderStatus> {
        OrderStatus::ALL
            .into_iter()
            .filter(|s| s.accepts_payment())
            .collect()
    }

    /// A fresh checkout (DESIGN.md §8: a provider's QR code lives minutes, a pay-to-renew order
    /// days): only for an order waiting for payment. Decision: not for an expired, canceled or
    /// failed one, which the customer orders anew; a paid one is final.
    pub fn reopen_checkout(self) -> Result<(), OrderRefusal> {
        match self {
            OrderStatus::PendingPayment => Ok(()),
            OrderStatus::Paid => Err(OrderRefusal::NonRefundable),
            other => Err(OrderRefusal::NotPayable(other)),
        }
    }

    /// Canceling: only while unpaid; a paid order is non-refundable.
    pub fn cancel(self) -> Result<OrderStatus, OrderRefusal> {
        match self {
            OrderStatus::PendingPayment => Ok(OrderStatus::Canceled),
            OrderStatus::Paid => Err(OrderRefusal::NonRefundable),
            other => Err(OrderRefusal::NotCancelable(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_auto_renewing_purchases_and_renewals_save_the_method() {
        assert!(saves_payment_method(OrderType::Purchase, Some(true)));
        assert!(saves_payment_method(OrderType::Renewal, Some(true)));
        assert!(!saves_payment_method(OrderType::Purchase, Some(false)));
        assert!(!saves_payment_method(OrderType::Purchase, None));
        assert!(!saves_payment_method(OrderType::Upgrade, Some(true)));
        assert!(!saves_payment_method(OrderType::AddSeats, Some(true)));
        assert!(!saves_payment_method(OrderType::Trial, Some(true)));
    }

    #[test]
    fn a_paid_order_cannot_be_canceled() {
        assert_eq!(
            OrderStatus::Paid.cancel().map_err(OrderRefusal::code),
            Err(ProblemCode::OrderNonRefundable)
        );
    }

    #[test]
    fn only_an_unpaid_order_can_be_canceled() {
        assert_eq!(
            OrderStatus::PendingPayment.cancel(),
            Ok(OrderStatus::Canceled)
        );
        for closed in [
            OrderStatus::Expired,
            OrderStatus::Canceled,
            OrderStatus::Failed,
        ] {
            assert_eq!(
                closed.cancel().map_err(OrderRefusal::code),
                Err(ProblemCode::OrderNotCancelable)
            );
        }
    }

    #[test]
    fn claims_name_what_they_hold_and_customer_keys_live_apart() {
        let sub = uuid::Uuid::nil();
        assert_eq!(
            OrderClaim::Edition {
                family: "cloud".to_owned()
            }
            .key(),
            "edition:cloud"
        );
        assert_ne!(
            OrderClaim::Upgrade { subscription: sub }.key(),
            OrderClaim::Seats { subscription: sub }.key()
        );
        assert_eq!(
            OrderClaim::Trial {
                family: "cloud".to_owned()
            }
            .key(),
            "trial:cloud"
        );
        let hostile = customer_idempotency_key("renewal:x:1:0");
        assert!(!hostile.starts_with("renewal:"), "{hostile}");
    }

    #[test]
    fn only_an_order_waiting_for_payment_gets_a_fresh_checkout() {
        assert_eq!(OrderStatus::PendingPayment.reopen_checkout(), Ok(()));
        assert_eq!(
            OrderStatus::Paid
                .reopen_checkout()
                .map_err(OrderRefusal::code),
            Err(ProblemCode::OrderNonRefundable)
        );
        assert_eq!(
            OrderStatus::Expired
                .reopen_checkout()
                .map_err(OrderRefusal::code),
            Err(ProblemCode::OrderNotPayable)
        );
    }

    #[test]
    fn a_payment_is_never_lost_but_never_counted_twice() {
        assert!(OrderStatus::Expired.accepts_payment());
        assert!(OrderStatus::PendingPayment.accepts_payment());
        assert!(!OrderStatus::Paid.accepts_payment());
        assert!(!OrderStatus::payable().contains(&OrderStatus::Paid));
    }

    #[test]
    fn spellings_are_snake_case() {
        assert_eq!("pending_payment".parse(), Ok(OrderStatus::PendingPayment));
        assert_eq!("add_seats".parse(), Ok(OrderType::AddSeats));
        assert!("PendingPayment".parse::<OrderStatus>().is_err());
    }
}
