//! The server's API tests: the real server over real HTTP, on SQLite and PostgreSQL.

mod harness;

mod accounts;
mod catalog;
mod errors;
mod health;
mod quotes;
mod spec;

pub(crate) use harness::on_both_databases;
