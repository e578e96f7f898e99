//! What the rules need to know about a subscription an account already holds.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Cycle;
use crate::catalog::ProductCode;

/// Where a subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum SubscriptionStatus {
    /// Paid (or trialing) and inside its current period.
    Active,
    /// A renewal charge failed; retries run over a grace period (DESIGN.md §4).
    PastDue,
    /// Ended without renewal; nothing about it can change any more.
    Expired,
}

impl SubscriptionStatus {
    /// The wire and storage spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::PastDue => "past_due",
            SubscriptionStatus::Expired => "expired",
        }
    }

    /// Parses the wire and storage spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(SubscriptionStatus::Active),
            "past_due" => Some(SubscriptionStatus::PastDue),
            "expired" => Some(SubscriptionStatus::Expired),
            _ => None,
        }
    }
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
