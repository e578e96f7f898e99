//! Entitle's REST server.
//!
//! A request flows one way: handler (`*/api.rs`, HTTP only) → service (`*/service.rs`, loads
//! what the rules need) → `entitle_domain` decides → store writes → response. Errors are
//! typed per layer ([`error::ServiceError`]) and mapped to problem+json once, in [`problem`].

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod client;
pub mod config;
pub mod edge;
pub mod error;
pub mod events;
mod health;
pub mod invoices;
pub mod jobs;
pub mod licenses;
pub mod machines;
pub mod mail;
mod openapi_document;
pub mod orders;
mod pagination;
pub mod payments;
pub mod problem;
pub mod quotes;
pub mod routes;
pub mod serve;
pub mod signature;
pub mod signing;
pub mod state;
pub mod store;
pub mod subscriptions;
pub mod webhooks;

pub use config::Config;
pub use routes::{api_service, app, openapi_json, openapi_yaml};
pub use serve::{bind, local_addr, serve};
pub use state::{AppState, StartError};
