//! Accounts and their API keys on the wire.

use super::nullable::Nullable;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::account::{AccountKind, KeyRole};
use crate::mail::Language;
use crate::money::Currency;
use crate::region::{PaymentMethod, Region};

/// Registers a customer. Kind and region are chosen now and never change (DESIGN.md §2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct AccountInput {
    /// The customer's display name.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 200)))]
    pub name: String,
    /// `individual` or `enterprise`: chosen now, it can never be changed.
    pub kind: AccountKind,
    /// `cn` (inside China) or `intl`: chosen now for good; it sets currency and payment methods.
    pub region: Region,
    /// The billing contact: receipts, renewals due, reminders and invoices are emailed here.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(nullable, validator(max_length = 254)))]
    pub email: Option<String>,
    /// The language of its messages; by default its region's (`cn`: `zh_hans`, `intl`: `en`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub language: Option<Language>,
}

/// Changes an account's billing contact (`PATCH /v1/accounts/{id}`, by the account or an
/// admin). A field left out (or `null`) stays as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct AccountUpdate {
    /// The billing contact's email address.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(nullable, validator(max_length = 254)))]
    pub email: Option<String>,
    /// The language of its messages.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(nullable))]
    pub language: Option<Language>,
}

/// A customer account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Account {
    /// The account's id.
    pub id: Uuid,
    /// Its display name.
    pub name: String,
    /// `individual` or `enterprise`, fixed when it registered.
    pub kind: AccountKind,
    /// Its storage region, `cn` or `intl`, fixed when it registered.
    pub region: Region,
    /// Every price and charge for it is in this currency: `CNY` in `cn`, `USD` in `intl`.
    pub currency: Currency,
    /// The payment methods its region offers.
    pub payment_methods: Vec<PaymentMethod>,
    /// The billing contact, `null` until one is given (then nothing is emailed).
    pub email: Nullable<String>,
    /// The language its messages are written in.
    pub language: Language,
    /// When it registered.
    pub created_at: DateTime<Utc>,
}

/// One page of accounts, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct AccountPage {
    /// This page's accounts, oldest first.
    pub items: Vec<Account>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Nullable<String>,
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
    /// The key's id, to rotate or revoke it with.
    pub id: Uuid,
    /// What the key is for, as given.
    pub name: String,
    /// The key's first characters, enough to recognise it in a list.
    pub prefix: String,
    /// The secret, to send as `Authorization: Bearer <key>`.
    pub key: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// The account the key acts for; `null` for an admin's key.
    pub account_id: Nullable<Uuid>,
}

impl CreatedApiKey {
    /// Where the key is listed (no operation reads one key alone): its account's keys, or
    /// the admins'.
    pub fn listed_at(&self) -> String {
        match *self.account_id {
            Some(account) => format!("/v1/accounts/{account}/api-keys"),
            None => "/v1/admin/api-keys".to_owned(),
        }
    }
}

/// How many active licenses an account holds of one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ProductCount {
    /// The product's code.
    pub product: String,
    /// How many of the account's licenses of it are active.
    pub count: u64,
}

/// An account at a glance: what the console's Home view shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct AccountSummary {
    /// The account itself.
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
    /// The latest messages to its billing contact, newest first.
    pub latest_messages: Vec<crate::api::Message>,
}

/// Who a key belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct WhoAmI {
    /// `admin` or `account`.
    pub role: KeyRole,
    /// The key's account, for an account key.
    pub account_id: Nullable<Uuid>,
    /// Whether the server runs in test mode (`--sandbox`): the sandbox provider takes
    /// payments and no real money moves. Consoles say SANDBOX.
    pub sandbox: bool,
}

/// An API key as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ApiKeyView {
    /// Names the key in the rotate and revoke operations.
    pub id: Uuid,
    /// What it is for, as given when it was created.
    pub name: String,
    /// The key's first characters, enough to recognise it.
    pub prefix: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Set once revoked: the key stops working at once.
    pub revoked_at: Nullable<DateTime<Utc>>,
}

/// An account's API keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ApiKeyList {
    /// The keys, revoked ones included, oldest first.
    pub items: Vec<ApiKeyView>,
}
