//! The server's API tests: the real server over real HTTP, on SQLite and PostgreSQL.

mod fakes;
mod harness;
mod smtp_sink;

mod accounts;
mod admin_keys;
mod audit;
mod audit_atomic;
mod catalog;
mod edge;
mod edge_limits;
mod errors;
mod health;
mod invoice_pdf;
mod invoices;
mod licenses;
mod lifecycle;
mod live_payments;
mod machines;
mod mail;
mod open_doors;
mod operators;
mod orders;
mod paid_once;
mod payments;
mod purchase;
mod quotes;
mod spec;
mod subscriptions;

pub(crate) use harness::{on_both_databases, on_both_databases_with};
