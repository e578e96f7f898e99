//! Quotes: the server prices a purchase, upgrade or seat addition before anything is created
//! (DESIGN.md §3). Clients never send prices.

pub mod api;
pub mod service;
