//! The server's API tests: the real server over real HTTP, on SQLite and PostgreSQL.

mod fakes;
mod harness;

mod accounts;
mod catalog;
mod edge;
mod errors;
mod health;
mod invoices;
mod licenses;
mod lifecycle;
mod live_payments;
mod orders;
mod payments;
mod purchase;
mod quotes;
mod spec;
mod subscriptions;

pub(crate) use harness::{on_both_databases, on_both_databases_with};
