//! What the rules need to know about a subscription an account already holds.

use chrono::{DateTime, Utc};

use crate::calendar::Cycle;
use crate::catalog::ProductCode;
use crate::stored::stored_enum;

stored_enum! {
    "snake_case";
    /// Where a subscription stands.
    pub enum SubscriptionStatus {
        /// Paid (or trialing) and inside its current period.
        Active,
        /// A renewal charge failed; retries run over a grace period (DESIGN.md §4).
        PastDue,
        /// Ended without renewal; nothing about it can change any more.
        Expired,
    }
}

/// Whether a subscription is renewed by the renewal job at its period's end (DESIGN.md §4): a
/// paid one with auto-renew on. A trial, or a subscription with auto-renew off, ends at its
/// period's end instead, and the expiry job expires it.
pub fn renews_itself(auto_renew: bool, trial: bool) -> bool {
    auto_renew && !trial
}

/// The facts about a held subscription that upgrade and seat quotes decide on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldSubscription {
    pub product: ProductCode,
    pub cycle: Cycle,
    /// Units, or seats for a seat-based product.
    pub quantity: u32,
    pub status: SubscriptionStatus,
    /// A free trial, running or ended: never paid.
    pub trial: bool,
    pub current_period_end: DateTime<Utc>,
}

impl HeldSubscription {
    /// Paid, not past due, and with time left at `now`: the only state that can be upgraded
    /// or given more seats.
    pub fn is_live_at(&self, now: DateTime<Utc>) -> bool {
        self.status == SubscriptionStatus::Active && self.current_period_end > now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_paid_auto_renewing_subscription_renews_itself() {
        assert!(renews_itself(true, false));
        assert!(!renews_itself(false, false));
        assert!(!renews_itself(true, true));
        assert!(!renews_itself(false, true));
    }
}
