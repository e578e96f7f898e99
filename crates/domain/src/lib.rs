//! Entitle's rules as pure code.
//!
//! This crate decides; the server stores, guards and exposes; the console shows and asks
//! (DESIGN.md §9). Nothing here does I/O: every function takes what it needs, including the
//! current time, so each rule is testable on its own and lives in exactly one place.
//!
//! - [`money`]: amounts with their currency, rounded once at the line total.
//! - [`region`]: where an account stores its data, which fixes currency and payment methods.
//! - [`calendar`]: month arithmetic with end-of-month clamping, and `months_left`.
//! - [`catalog`]: products as data — kinds, cycles, prices, editions, seats, bonus grants.
//! - [`eligibility`]: who may buy what, how, and how many (typed refusals).
//! - [`pricing`]: quotes for a new purchase.
//! - [`proration`]: billable months, upgrade and seat-addition quotes.
//! - [`quote`]: the priced answer every quote returns.
//! - [`orders`]: order states and what may move them.
//! - [`checkout`]: checkout states, payment outcomes, which checkouts are still asked about.
//! - [`fulfillment`]: what a paid order grants.
//! - [`licenses`]: license states, consuming and host activation.
//! - [`machines`]: how licenses bind to machines, grace, heartbeats, moves, validation codes.
//! - [`renewal`]: the next period, retries after a failed charge, reminders.
//! - [`return_url`]: where a payment page may send the browser back to.
//! - [`jobs`], [`webhooks`]: how a job run ended; where a webhook delivery stands.
//! - [`clock`]: the injectable source of "now".
//! - [`text`]: free text a client sends: length limits, no control characters.
//! - [`api`]: the REST API's data types, shared by the server and its clients.

mod stored;

pub mod account;
pub mod api;
pub mod calendar;
pub mod catalog;
pub mod checkout;
pub mod clock;
pub mod eligibility;
pub mod fulfillment;
pub mod invoices;
pub mod jobs;
pub mod licenses;
pub mod machines;
pub mod mail;
pub mod money;
pub mod orders;
pub mod pricing;
pub mod proration;
pub mod quote;
pub mod refusal;
pub mod region;
pub mod renewal;
pub mod return_url;
pub mod subscription;
pub mod text;
pub mod webhooks;

pub use account::AccountKind;
pub use calendar::{Cycle, add_months, months_left};
pub use catalog::{Product, ProductCode, ProductKind};
pub use clock::Clock;
pub use money::{Currency, Money};
pub use quote::{Quote, QuoteLine};
pub use refusal::{Refusal, UpgradeRefusal};
pub use region::{PaymentMethod, Region};

/// Every stored enum is spelled the same in storage (strum, which the `sea-orm` feature's value
/// types use) as on the wire (serde): a row written by one release reads back in the next, and
/// an API field and its column never disagree.
#[cfg(test)]
mod stored_spellings {
    use std::fmt::{Debug, Display};
    use std::str::FromStr;

    use serde::Serialize;
    use strum::IntoEnumIterator;

    fn same_everywhere<T>()
    where
        T: IntoEnumIterator + Serialize + Display + FromStr + PartialEq + Debug + Copy,
    {
        for value in T::iter() {
            let wire = serde_json::to_value(value).expect("serializes");
            assert_eq!(
                wire,
                serde_json::Value::String(value.to_string()),
                "{value:?}"
            );
            assert_eq!(value.to_string().parse::<T>().ok(), Some(value));
        }
    }

    #[test]
    fn storage_and_wire_spell_every_variant_alike() {
        same_everywhere::<crate::AccountKind>();
        same_everywhere::<crate::account::KeyRole>();
        same_everywhere::<crate::Region>();
        same_everywhere::<crate::PaymentMethod>();
        same_everywhere::<crate::Cycle>();
        same_everywhere::<crate::Currency>();
        same_everywhere::<crate::ProductKind>();
        same_everywhere::<crate::orders::OrderType>();
        same_everywhere::<crate::orders::OrderStatus>();
        same_everywhere::<crate::subscription::SubscriptionStatus>();
        same_everywhere::<crate::licenses::LicenseStatus>();
        same_everywhere::<crate::licenses::LicenseSource>();
        same_everywhere::<crate::invoices::InvoiceType>();
        same_everywhere::<crate::invoices::InvoiceStatus>();
        same_everywhere::<crate::checkout::CheckoutStatus>();
        same_everywhere::<crate::checkout::PaymentOutcome>();
        same_everywhere::<crate::checkout::FoundBy>();
        same_everywhere::<crate::jobs::Job>();
        same_everywhere::<crate::jobs::JobOutcome>();
        same_everywhere::<crate::webhooks::DeliveryStatus>();
        same_everywhere::<crate::machines::Binding>();
        same_everywhere::<crate::machines::MachineStatus>();
        same_everywhere::<crate::machines::MachineActor>();
        same_everywhere::<crate::machines::SigningKeyStatus>();
        same_everywhere::<crate::machines::ValidationCode>();
    }
}
