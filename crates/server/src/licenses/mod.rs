//! Licenses an account holds (DESIGN.md §3): granted by fulfilment, consumed once (one-time
//! products), activated on one host at a time (host-bound products).

pub mod api;
pub mod service;
pub mod store;
