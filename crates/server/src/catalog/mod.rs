//! The catalog: products and prices as data (DESIGN.md §1), read by anyone with a key and
//! edited by admins.

pub mod api;
pub mod service;
pub mod store;
