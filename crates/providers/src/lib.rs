//! The payment providers' protocols as pure code: Alipay's gateway protocol (RSA2) and WeChat
//! Pay API v3 (Native).
//!
//! Nothing here does I/O, talks HTTP or reads a clock: every function takes the time it needs,
//! so the server's adapters and the local fakes share one implementation of each rule, and
//! each rule is testable alone (shared/providers.md §1, §2).
//!
//! - [`keys`]: RSA keys in the formats the providers hand out, SHA256withRSA sign and verify.
//! - [`alipay`]: the string to sign, signed gateway URLs and forms, notify and response checks.
//! - [`paypal`]: Orders v2 request bodies and answers, the OAuth `Basic` header, and webhook
//!   self-verification (CRC-32 message, cert-URL allow-list, the certificate's RSA signature).
//! - [`stripe`]: the `Stripe-Signature` webhook HMAC-SHA256 (sign, constant-time verify),
//!   Checkout Session and off-session PaymentIntent forms, and the JSON shapes.
//! - [`wechat_pay`]: the `Authorization` header, `Wechatpay-*` response/callback verification,
//!   AES-256-GCM callback resources, and the JSON shapes.
//!
//! Signing uses `ring` (constant-time); the `rsa` crate only parses and converts key formats
//! and, in tests, generates keys (RUSTSEC-2023-0071 concerns its private-key operations).

pub mod alipay;
pub mod keys;
pub mod paypal;
pub mod stripe;
pub mod wechat_pay;

pub use keys::{KeyError, SigningKey, VerifyingKey};
