//! Errors on the wire: RFC 9457 `application/problem+json` with a stable `code`.

use serde::{Deserialize, Serialize};

/// Declares [`ProblemCode`] from one table: each code's spelling, its meaning (the spec's
/// description lists them all, issue 19) and its variant.
macro_rules! problem_codes {
    ($($(#[doc = $doc:literal])+ $variant:ident = $code:literal,)+) => {
        $crate::stored::closed_set! {
            /// The stable, machine-readable code of a problem: a closed set, each documented.
            pub enum ProblemCode {
                $(
                    $(#[doc = $doc])+
                    #[serde(rename = $code)]
                    #[strum(serialize = $code)]
                    $variant,
                )+
            }
        }

        impl ProblemCode {
            /// What the code means, and what to do about it.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(ProblemCode::$variant => concat!($($doc),+),)+
                }
            }
        }
    };
}

problem_codes! {
    /// No such resource, or not visible to this key.
    NotFound = "not_found",
    /// No API key, or one that is unknown or revoked.
    Unauthorized = "unauthorized",
    /// The key may not do this (an account key on an admin operation).
    Forbidden = "forbidden",
    /// A parameter or the body does not fit the spec, or a text is refused; `detail` names it.
    ValidationFailed = "validation_failed",
    /// The body has a field the request does not take; `detail` names it.
    UnknownField = "unknown_field",
    /// The path exists but not with this method; `Allow` lists the ones it takes.
    MethodNotAllowed = "method_not_allowed",
    /// The body needs a `Content-Length`.
    LengthRequired = "length_required",
    /// The body is larger than 1 MiB.
    PayloadTooLarge = "payload_too_large",
    /// The body is not `application/json`.
    UnsupportedMediaType = "unsupported_media_type",
    /// Too many requests: retry after `Retry-After` seconds.
    RateLimited = "rate_limited",
    /// The request was refused by the HTTP layer.
    RequestFailed = "request_failed",
    /// The server failed; nothing was changed by half.
    InternalError = "internal_error",
    /// A dependency (the database) is unavailable.
    Unavailable = "unavailable",
    /// The payment provider could not be reached or its answer did not verify; nothing was created.
    ProviderUnavailable = "provider_unavailable",
    /// The `Idempotency-Key` was used before with another body.
    IdempotencyKeyReused = "idempotency_key_reused",
    /// No product has this code.
    UnknownProduct = "unknown_product",
    /// A product with this code exists already.
    ProductExists = "product_exists",
    /// The product is not sold (any more).
    ProductUnavailable = "product_unavailable",
    /// The product is not sold to this kind of account.
    AccountKindNotAllowed = "account_kind_not_allowed",
    /// A term product needs a `cycle`.
    CycleRequired = "cycle_required",
    /// A one-time product takes no `cycle`, or the product is not sold by that cycle.
    CycleNotAllowed = "cycle_not_allowed",
    /// The product has no price in this currency and cycle.
    PriceNotSet = "price_not_set",
    /// The quantity is outside what the product allows.
    QuantityOutOfRange = "quantity_out_of_range",
    /// More cycles up front than three years' worth, or none.
    PeriodsOutOfRange = "periods_out_of_range",
    /// The currency is not the account's region's.
    CurrencyMismatch = "currency_mismatch",
    /// The account's region does not offer this payment method.
    PaymentMethodNotAllowed = "payment_method_not_allowed",
    /// No provider takes this payment method on this server.
    PaymentMethodUnavailable = "payment_method_unavailable",
    /// The account has this subscription already: upgrade or add seats instead.
    AlreadySubscribed = "already_subscribed",
    /// Not an upgrade of this subscription; `reason` says why (`downgrade`, `trial`, …).
    UpgradeNotAllowed = "upgrade_not_allowed",
    /// The subscription's product is not sold by the seat.
    SeatsNotAllowed = "seats_not_allowed",
    /// The seats would pass the product's maximum.
    SeatsOverMaximum = "seats_over_maximum",
    /// The subscription is not active.
    SubscriptionNotActive = "subscription_not_active",
    /// No such subscription on this account.
    UnknownSubscription = "unknown_subscription",
    /// The total is outside what can be charged.
    AmountOutOfRange = "amount_out_of_range",
    /// The product or the payment method does not renew by itself.
    AutoRenewNotAllowed = "auto_renew_not_allowed",
    /// The product has no trial.
    TrialNotOffered = "trial_not_offered",
    /// The account has had its trial.
    TrialAlreadyUsed = "trial_already_used",
    /// The `return_url` is not an allowed address.
    ReturnUrlNotAllowed = "return_url_not_allowed",
    /// An unpaid order for the same thing is open: pay or cancel it first.
    OrderPending = "order_pending",
    /// A renewal of this subscription is waiting for payment.
    RenewalPending = "renewal_pending",
    /// The order is paid: payments are final and never refunded.
    OrderNonRefundable = "order_non_refundable",
    /// The order can no longer be canceled.
    OrderNotCancelable = "order_not_cancelable",
    /// The order can no longer be paid.
    OrderNotPayable = "order_not_payable",
    /// The one-time license was consumed before.
    LicenseAlreadyConsumed = "license_already_consumed",
    /// The license is past its validity.
    LicenseExpired = "license_expired",
    /// The license is not a one-time license.
    LicenseNotConsumable = "license_not_consumable",
    /// The license is not bound to a host.
    LicenseNotHostBound = "license_not_host_bound",
    /// The license is active on another host: deactivate it there first.
    LicenseActiveElsewhere = "license_active_elsewhere",
    /// The license is consumed.
    LicenseConsumed = "license_consumed",
    /// The license changed while this request ran: read it and try again.
    LicenseChanged = "license_changed",
    /// `Entitle-License-Key` names no license: check the key the software was given.
    LicenseKeyInvalid = "license_key_invalid",
    /// The license moved to new machines by itself as often as its product allows in the
    /// window; `Retry-After` says when it may again (an operator may release a host sooner).
    MachineTransferLimit = "machine_transfer_limit",
    /// This machine's floating seat was released after its heartbeats stopped: activate again.
    MachineDead = "machine_dead",
    /// The license has no active machine with this fingerprint or id.
    MachineNotFound = "machine_not_found",
    /// A fingerprint is 32 to 128 characters of letters, digits, `-` and `_`.
    FingerprintInvalid = "fingerprint_invalid",
    /// The signing key is not in a state this step of the rotation starts from (activate a
    /// `next` key, retire one that is not `active`).
    SigningKeyState = "signing_key_state",
    /// The key is revoked.
    ApiKeyRevoked = "api_key_revoked",
    /// The account's region does not issue this invoice type.
    InvoiceTypeNotAllowed = "invoice_type_not_allowed",
    /// The buyer details miss what the invoice type needs, or a taxpayer ID is malformed.
    InvoiceDetailsInvalid = "invoice_details_invalid",
    /// Only a paid order is invoiced.
    OrderNotPaid = "order_not_paid",
    /// The order charged nothing.
    NothingToInvoice = "nothing_to_invoice",
    /// The order has its invoice already.
    InvoiceExists = "invoice_exists",
    /// The invoice is issued and can no longer change.
    InvoiceIssued = "invoice_issued",
    /// The invoice is not issued yet: the weekly batch issues it.
    InvoiceNotIssued = "invoice_not_issued",
    /// A provider's callback is unsigned or its signature does not verify.
    InvalidSignature = "invalid_signature",
    /// A provider's callback is too old.
    StaleCallback = "stale_callback",
    /// A provider's callback cannot be read.
    MalformedCallback = "malformed_callback",
    /// A provider's callback does not match the payment it names.
    CallbackMismatch = "callback_mismatch",
}

#[cfg(feature = "openapi")]
mod openapi {
    //! `ProblemCode` in the spec: a closed `enum` whose description lists every code with
    //! its meaning, from the one table above (poem-openapi's `Enum` derive has no place for
    //! a value's own text).

    use std::borrow::Cow;
    use std::fmt::Write;
    use std::sync::OnceLock;

    use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
    use poem_openapi::types::Type;
    use serde_json::Value;
    use strum::IntoEnumIterator;

    use super::ProblemCode;

    impl Type for ProblemCode {
        const IS_REQUIRED: bool = true;
        type RawValueType = Self;
        type RawElementValueType = Self;

        fn name() -> Cow<'static, str> {
            "ProblemCode".into()
        }

        fn schema_ref() -> MetaSchemaRef {
            MetaSchemaRef::Reference("ProblemCode".to_owned())
        }

        fn register(registry: &mut Registry) {
            static DESCRIPTION: OnceLock<String> = OnceLock::new();
            let description = DESCRIPTION.get_or_init(|| {
                let mut text = String::from(
                    "The stable, machine-readable code of a problem, for programs to act on:\n",
                );
                for code in ProblemCode::iter() {
                    let _ = write!(text, "\n- `{code}`: {}", code.meaning());
                }
                text
            });
            registry.create_schema::<Self, _>("ProblemCode".to_owned(), |_| {
                let mut schema = MetaSchema::new("string");
                schema.description = Some(description.as_str());
                schema.enum_items = ProblemCode::iter()
                    .map(|code| Value::String(code.to_string()))
                    .collect();
                schema
            });
        }

        wire_text!(raw);
    }

    wire_text!(impl ProblemCode);
}

/// A problem report. `code` is stable and meant for programs; `detail` is for people and says
/// what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Problem {
    /// A URI naming the kind of problem (`urn:entitle:problem:<code>`).
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", oai(rename = "type"))]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this request, and what to do instead.
    pub detail: String,
    /// The stable, machine-readable code: one of the closed set, each documented.
    pub code: ProblemCode,
    /// A finer reason for codes that several refusals share (`trial`, `downgrade`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    use super::ProblemCode;

    #[test]
    fn every_code_is_spelled_once_and_means_something() {
        let mut seen = std::collections::HashSet::new();
        for code in ProblemCode::iter() {
            let spelled = code.to_string();
            assert!(seen.insert(spelled.clone()), "{spelled} twice");
            assert_eq!(spelled.parse::<ProblemCode>(), Ok(code));
            assert_eq!(
                serde_json::to_value(code).expect("json"),
                serde_json::Value::String(spelled.clone())
            );
            assert!(
                code.meaning().ends_with('.'),
                "{spelled}: {}",
                code.meaning()
            );
        }
    }
}
