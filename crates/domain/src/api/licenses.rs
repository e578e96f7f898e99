//! Licenses and subscriptions on the wire.

use super::nullable::Nullable;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::calendar::Cycle;
use crate::licenses::{LicenseSource, LicenseState, LicenseStatus};
use crate::region::PaymentMethod;
use crate::subscription::SubscriptionStatus;

// The server writes licenses straight through serde (their lists are the hot read path), so
// their instants are written by `super::instant`, as the OpenAPI layer writes them.
/// A license. Its expiry date is always given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct License {
    /// The license's id.
    pub id: Uuid,
    /// The license key the product is activated with.
    pub key: String,
    /// The product's code.
    pub product: String,
    /// `active`, `expired` or `consumed`, as of the answer (a license past its end is expired).
    pub status: LicenseStatus,
    /// When it became valid: the moment of payment, or its term's start.
    #[serde(serialize_with = "super::instant::serialize")]
    pub valid_from: DateTime<Utc>,
    /// When it stops being valid (always given).
    #[serde(serialize_with = "super::instant::serialize")]
    pub valid_until: DateTime<Utc>,
    /// How it came: `order`, `renewal`, `bonus` or `trial`.
    pub source: LicenseSource,
    /// The order that paid for it (for a bonus, the order of its term).
    pub order_id: Nullable<Uuid>,
    /// The subscription whose term it belongs to; `null` for a one-time purchase.
    pub subscription_id: Nullable<Uuid>,
    /// The host it is activated on (host-bound products).
    pub host: Nullable<String>,
    /// When a one-time license was consumed; `null` until then.
    #[serde(serialize_with = "super::instant::option::serialize")]
    pub consumed_at: Nullable<DateTime<Utc>>,
    /// What consumed it (a failback run's reference).
    pub consumed_reference: Nullable<String>,
}

impl License {
    /// Its facts as the license rules take them ([`LicenseState`]), so a client asks the
    /// domain what the license allows before the server is asked.
    pub fn state(&self) -> LicenseState {
        LicenseState {
            stored: self.status,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
        }
    }
}

/// One page of licenses, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct LicensePage {
    /// This page's licenses, oldest first.
    pub items: Vec<License>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Nullable<String>,
}

/// Activates a host-bound license on a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ActivateLicense {
    /// Host name or address: letters, digits, `.`, `-`, `_`, `:`.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 253)))]
    pub host: String,
    /// The machine's fingerprint (`entitle fingerprint`); without one, the host stands for
    /// the machine (a fingerprint made from its name).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(nullable, validator(max_length = 128)))]
    pub fingerprint: Option<String>,
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
    /// The subscription's id.
    pub id: Uuid,
    /// The account that holds it.
    pub account_id: Uuid,
    /// The product's code: after an upgrade, the edition upgraded to.
    pub product: String,
    /// How often it bills and renews: `month` or `year`.
    pub cycle: Cycle,
    /// Units, or seats.
    pub quantity: u32,
    /// `active`, `past_due` (a renewal charge failed; retries run over a grace) or `expired`.
    pub status: SubscriptionStatus,
    /// A free trial: never paid, cannot be upgraded.
    pub trial: bool,
    /// Whether it renews at `current_period_end`; off, it runs to that end and stops.
    pub auto_renew: bool,
    /// When the current period began.
    pub current_period_start: DateTime<Utc>,
    /// When the current period ends: the next renewal, or else the expiry.
    pub current_period_end: DateTime<Utc>,
    /// The saved method renewals are charged to; absent when none is saved (a trial).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub payment_method: Option<PaymentMethod>,
}

/// One page of subscriptions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct SubscriptionPage {
    /// This page's subscriptions, oldest first.
    pub items: Vec<Subscription>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Nullable<String>,
}

/// Changes a subscription. Turning auto-renew off is not a cancellation: the subscription
/// runs to its period's end and then does not renew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct SubscriptionPatch {
    /// `false` stops renewal at the period's end; `true` turns it back on.
    pub auto_renew: bool,
}
