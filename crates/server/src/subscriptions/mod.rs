//! Subscriptions an account holds: created by fulfilment (the purchase flow), read by the
//! rules to price upgrades and seats and to keep editions one per account, and changed by the
//! customer only in whether they renew; the saved method renewals are charged to is kept and
//! forgotten by `saved_method`.

pub mod api;
pub mod saved_method;
pub mod service;
pub mod store;
