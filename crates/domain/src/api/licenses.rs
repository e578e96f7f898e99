//! Licenses and subscriptions on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::calendar::Cycle;
use crate::licenses::{LicenseSource, LicenseStatus};
use crate::region::PaymentMethod;
use crate::subscription::SubscriptionStatus;

// The server writes licenses straight through serde (their lists are the hot read path), so
// their instants are written by `super::instant`, as the OpenAPI layer writes them.
/// A license. Its expiry date is always given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct License {
    pub id: Uuid,
    /// The license key the product is activated with.
    pub key: String,
    pub product: String,
    pub status: LicenseStatus,
    #[serde(serialize_with = "super::instant::serialize")]
    pub valid_from: DateTime<Utc>,
    #[serde(serialize_with = "super::instant::serialize")]
    pub valid_until: DateTime<Utc>,
    pub source: LicenseSource,
    /// The order that paid for it (for a bonus, the order of its term).
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub order_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub subscription_id: Option<Uuid>,
    /// The host it is activated on (host-bound products).
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub host: Option<String>,
    #[serde(serialize_with = "super::instant::option::serialize")]
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub consumed_at: Option<DateTime<Utc>>,
    /// What consumed it (a failback run's reference).
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub consumed_reference: Option<String>,
}

/// One page of licenses, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct LicensePage {
    pub items: Vec<License>,
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub next_cursor: Option<String>,
}

/// Activates a host-bound license on a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ActivateLicense {
    /// Host name or address: letters, digits, `.`, `-`, `_`, `:`.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 253)))]
    pub host: String,
}

/// Consumes a one-time license for one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ConsumeLicense {
    /// What consumed it, e.g. the failback run's id.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 200)))]
    pub reference: String,
}

/// A subscription. `payment_method` is the saved method renewals are charged to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Subscription {
    pub id: Uuid,
    pub account_id: Uuid,
    pub product: String,
    pub cycle: Cycle,
    /// Units, or seats.
    pub quantity: u32,
    pub status: SubscriptionStatus,
    /// A free trial: never paid, cannot be upgraded.
    pub trial: bool,
    pub auto_renew: bool,
    pub current_period_start: DateTime<Utc>,
    pub current_period_end: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub payment_method: Option<PaymentMethod>,
}

/// One page of subscriptions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct SubscriptionPage {
    pub items: Vec<Subscription>,
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub next_cursor: Option<String>,
}

/// Changes a subscription. Turning auto-renew off is not a cancellation: the subscription
/// runs to its period's end and then does not renew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct SubscriptionPatch {
    pub auto_renew: bool,
}
