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
//! - [`fulfillment`]: what a paid order grants.
//! - [`licenses`]: license states, consuming and host activation.
//! - [`renewal`]: the next period, retries after a failed charge, reminders.
//! - [`return_url`]: where a payment page may send the browser back to.
//! - [`clock`]: the injectable source of "now".
//! - [`text`]: free text a client sends: length limits, no control characters.
//! - [`api`]: the REST API's data types, shared by the server and its clients.

pub mod account;
pub mod api;
pub mod calendar;
pub mod catalog;
pub mod clock;
pub mod eligibility;
pub mod fulfillment;
pub mod invoices;
pub mod licenses;
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

pub use account::AccountKind;
pub use calendar::{Cycle, add_months, months_left};
pub use catalog::{Product, ProductCode, ProductKind};
pub use clock::Clock;
pub use money::{Currency, Money};
pub use quote::{Quote, QuoteLine};
pub use refusal::{Refusal, UpgradeRefusal};
pub use region::{PaymentMethod, Region};
