//! The REST API's data types, defined once for the server and every client.
//!
//! Serde gives the wire format to the client; with the `openapi` feature (the server's) the
//! same types derive poem-openapi's schemas, and the two agree because field names are used as
//! written and enums are spelled `snake_case` (currencies `UPPERCASE`) on both sides.

/// For a type that travels as a JSON string (an amount, a problem code): poem-openapi's
/// `ParseFromJSON` by its `FromStr`, its `ToJSON` by its `Display`, and the raw-value methods
/// every such `Type` writes alike. `wire_text!(impl Name)` gives the two traits;
/// `wire_text!(raw)` inside `impl Type for Name` gives the methods.
#[cfg(feature = "openapi")]
macro_rules! wire_text {
    (impl $name:ty) => {
        impl poem_openapi::types::ParseFromJSON for $name {
            fn parse_from_json(
                value: Option<serde_json::Value>,
            ) -> poem_openapi::types::ParseResult<Self> {
                match value {
                    Some(serde_json::Value::String(text)) => text
                        .parse()
                        .map_err(poem_openapi::types::ParseError::custom),
                    other => Err(poem_openapi::types::ParseError::expected_type(
                        other.unwrap_or_default(),
                    )),
                }
            }
        }

        impl poem_openapi::types::ToJSON for $name {
            fn to_json(&self) -> Option<serde_json::Value> {
                Some(serde_json::Value::String(self.to_string()))
            }
        }
    };
    (raw) => {
        fn as_raw_value(&self) -> Option<&Self::RawValueType> {
            Some(self)
        }

        fn raw_element_iter<'a>(
            &'a self,
        ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
            Box::new(self.as_raw_value().into_iter())
        }
    };
}

pub mod accounts;
pub mod admin;
pub mod amount;
pub mod audit;
pub mod catalog;
pub mod instant;
pub mod invoices;
pub mod licenses;
pub mod limits;
pub mod machines;
pub mod messages;
pub mod nullable;
pub mod operators;
pub mod orders;
pub mod problem;
pub mod quotes;

pub use accounts::{
    Account, AccountInput, AccountPage, AccountSummary, AccountUpdate, ApiKeyInput, ApiKeyList,
    ApiKeyView, CreatedApiKey, ProductCount, WhoAmI,
};
pub use admin::{
    ClockAdvance, ClockView, JobList, JobRun, JobStatus, WebhookAttempt, WebhookDelivery,
    WebhookDeliveryPage, WebhookEndpoint, WebhookEndpointInput, WebhookEndpointList,
};
pub use amount::Amount;
pub use audit::{AuditEvent, AuditPage};
pub use catalog::{Bonus, PriceEntry, ProductInput, ProductList, ProductView};
pub use invoices::{Invoice, InvoicePage, InvoiceRequest};
pub use licenses::{
    ActivateLicense, ConsumeLicense, License, LicensePage, Subscription, SubscriptionPage,
    SubscriptionPatch,
};
pub use machines::{
    Activation, Heartbeat, LicenseFacts, LicenseFile, LicenseFileRequest, LicensingInput,
    LicensingView, Machine, MachineInput, MachineList, RunConsume, SigningKey, SigningKeyList,
    StaleFile, StaleFileList, ValidateRequest, Validity,
};
pub use messages::{Message, MessagePage};
pub use operators::{AccountOverview, AccountOverviewPage, InvoiceQueue};
pub use orders::{
    AddSeatsOrder, Checkout, Order, OrderPage, OrderRequest, PaymentChoice, PurchaseOrder,
    TrialOrder, UpgradeOrder,
};
pub use problem::{Problem, ProblemCode};
pub use quotes::{
    AddSeatsRequest, Period, PurchaseRequest, QuoteLineView, QuoteRequest, QuoteView,
    UpgradeRequest,
};

/// The most items one page of a list may hold.
pub const MAX_PAGE_LIMIT: u32 = 200;
/// Items per page when the request does not say.
pub const DEFAULT_PAGE_LIMIT: u32 = 50;
