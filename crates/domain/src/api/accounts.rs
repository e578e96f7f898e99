//! Accounts and their API keys on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::account::AccountKind;
use crate::money::Currency;
use crate::region::{PaymentMethod, Region};

/// Registers a customer. Kind and region are chosen now and never change (DESIGN.md §2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct AccountInput {
    /// The customer's display name.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 200)))]
    pub name: String,
    pub kind: AccountKind,
    pub region: Region,
}

/// A customer account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Account {
    pub id: Uuid,
    pub name: String,
    pub kind: AccountKind,
    pub region: Region,
    pub currency: Currency,
    /// The payment methods its region offers.
    pub payment_methods: Vec<PaymentMethod>,
    pub created_at: DateTime<Utc>,
}

/// One page of accounts, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct AccountPage {
    pub items: Vec<Account>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub next_cursor: Option<String>,
}

/// Creates an API key for an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ApiKeyInput {
    /// What the key is for ("billing integration", "alice's console").
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 200)))]
    pub name: String,
}

/// A key just created. `key` is shown this once: the server keeps only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct CreatedApiKey {
    pub id: Uuid,
    pub name: String,
    /// The key's first characters, enough to recognise it in a list.
    pub prefix: String,
    /// The secret, to send as `Authorization: Bearer <key>`.
    pub key: String,
    pub created_at: DateTime<Utc>,
    /// The account the key acts for; `null` for an admin's key.
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub account_id: Option<Uuid>,
}

impl CreatedApiKey {
    /// Where the key is listed (no operation reads one key alone): its account's keys, or
    /// the admins'.
    pub fn listed_at(&self) -> String {
        match self.account_id {
            Some(account) => format!("/v1/accounts/{account}/api-keys"),
            None => "/v1/admin/api-keys".to_owned(),
        }
    }
}

/// How many active licenses an account holds of one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ProductCount {
    pub product: String,
    pub count: u64,
}

/// An account at a glance: what the console's Home view shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct AccountSummary {
    pub account: Account,
    /// Active licenses per product.
    pub active_licenses: Vec<ProductCount>,
    /// Active licenses whose validity ends within 30 days.
    pub expiring_within_30_days: u64,
    /// Orders waiting for payment.
    pub unpaid_orders: u64,
    /// Renewals waiting for the customer to pay them (pay to renew, DESIGN.md §8), the one due
    /// first first.
    pub renewals_due: Vec<crate::api::Order>,
}

/// Who a key belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct WhoAmI {
    /// `admin` or `account`.
    pub role: String,
    /// The key's account, for an account key.
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub account_id: Option<Uuid>,
    /// Whether the server runs in test mode (`--sandbox`): the sandbox provider takes
    /// payments and no real money moves. Consoles say SANDBOX.
    pub sandbox: bool,
}

/// An API key as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    /// The key's first characters, enough to recognise it.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    /// Set once revoked: the key stops working at once.
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An account's API keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ApiKeyList {
    pub items: Vec<ApiKeyView>,
}
