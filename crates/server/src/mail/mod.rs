//! Customers hear from Entitle (issue 21): receipts, renewals due, renewals charged or failed,
//! expiry reminders, expiries and issued invoices, emailed to the account's billing contact in
//! its language.
//!
//! - `outbox`: a message is written in the transaction of the change it reports (the event's,
//!   the invoice batch's), with the facts its templates show.
//! - `templates`: the files under `crates/server/templates/mail/`, rendered with minijinja.
//! - `send`: the `mail` job, SMTP over lettre; claimed once, retried with backoff.
//! - `service` and `api`: an account's messages, an admin's resend, and the pay link
//!   (`/mail/pay/{message}`), which opens a fresh checkout of the order to pay.

pub mod api;
pub mod outbox;
pub mod send;
pub mod service;
mod templates;
pub mod view;

pub use send::Mailer;
