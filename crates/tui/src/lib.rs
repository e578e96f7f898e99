//! `entitle tui`: the operator console.
//!
//! Built as The Elm Architecture: one [`model::Model`], a [`model::Msg`] for everything that
//! happens (a key, a reply from the server, a tick), [`update::update`] that turns a message
//! into a new model and [`model::Command`]s (requests to run, a URL to open), and
//! [`views::draw`] that renders the model. Only [`runtime`] touches the terminal and the
//! network, and it never blocks: requests run on tasks and come back as messages, so the
//! console's logic is tested without a terminal and the screen never freezes.
//!
//! Each view ([`account`], [`operator`]) and each dialog ([`dialogs`]) is a module that owns
//! its table of keys ([`keys`]), its key handling and its drawing; [`update`] only routes.

pub mod account;
pub mod browser;
pub mod config;
pub mod dialogs;
pub mod filter;
pub mod global;
pub mod invoice_form;
pub mod keys;
pub mod machines;
pub mod model;
pub mod names;
pub mod operator;
pub mod paged;
pub mod remote;
pub mod requests;
pub mod runtime;
pub mod theme;
pub mod update;
pub mod views;
pub mod widgets;
pub mod wizard;

pub use runtime::{Options, run};
