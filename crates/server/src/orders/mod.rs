//! Orders (DESIGN.md §3): priced by the server from a quote, paid on the provider's hosted
//! page, fulfilled in the transaction that marks them paid, and final once paid.

pub mod api;
pub mod batch_fulfillment;
pub mod checkout;
mod claims;
pub mod fulfillment;
pub mod service;
pub mod store;
pub mod transitions;
