//! Subscriptions an account holds. They are created by fulfilment (the purchase flow); the
//! rules read them to price upgrades and seats and to keep editions one per account.

pub mod store;
