//! What the vendor's operators read across accounts (issue 23): accounts with what they
//! hold and owe, and the week's invoice queue.

use super::nullable::Nullable;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::accounts::Account;
use super::invoices::Invoice;

/// An account as an operator finds it: with its live subscriptions and unpaid orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct AccountOverview {
    /// The account.
    pub account: Account,
    /// Subscriptions not expired (active or past due).
    pub live_subscriptions: u64,
    /// Orders waiting for payment.
    pub unpaid_orders: u64,
}

/// One page of accounts, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct AccountOverviewPage {
    /// This page's accounts, oldest first.
    pub items: Vec<AccountOverview>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Nullable<String>,
}

/// The invoice queue across accounts: what the next weekly batch issues, and what the last
/// ones issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct InvoiceQueue {
    /// Invoices requested and not issued yet, oldest first (at most 200): the next batch
    /// issues them.
    pub requested: Vec<Invoice>,
    /// The latest issued invoices, newest first (at most 20), with their numbers.
    pub issued: Vec<Invoice>,
    /// When the next weekly batch runs.
    pub next_batch_at: Nullable<DateTime<Utc>>,
}
