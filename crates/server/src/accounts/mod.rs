//! Accounts: customers, their kind and region, and their API keys (DESIGN.md §2, §7).

pub mod api;
pub mod keys;
pub mod overview;
pub mod service;
