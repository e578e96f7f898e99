//! PayPal Orders v2 and webhook self-verification (providers.md §3).
//!
//! Our requests authenticate with an OAuth bearer token got from `POST /v1/oauth2/token` with
//! [`basic_auth`]; a checkout is an order created with [`CheckoutOrder`], approved by the buyer
//! at its `payer-action` link and then captured. Webhooks are verified here rather than by
//! PayPal's postback: the message is `id|time|webhook_id|crc32(body)`, signed SHA256withRSA by
//! the certificate at `PAYPAL-CERT-URL`, which must come from an allow-listed PayPal host
//! ([`cert_url_allowed`]). Fetching and caching that certificate is the server's job.
//!
//! Amounts travel as decimal strings (`"10.00"`); [`amount_value`] and [`minor_of`] convert
//! them from and to the minor units the rest of Entitle counts in.

pub mod types;
pub mod webhook;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

pub use types::*;
pub use webhook::*;

/// The live REST API host.
pub const LIVE_API_BASE: &str = "https://api-m.paypal.com";
/// The sandbox REST API host.
pub const SANDBOX_API_BASE: &str = "https://api-m.sandbox.paypal.com";

/// The hosts PayPal serves its webhook signing certificates from; each ends in '/', so
/// `https://api.paypal.com.evil.example/` does not pass.
pub const DEFAULT_CERT_URL_PREFIXES: &[&str] = &[
    "https://api.paypal.com/",
    "https://api-m.paypal.com/",
    "https://api.sandbox.paypal.com/",
    "https://api-m.sandbox.paypal.com/",
];

/// `Basic base64(client_id:secret)` for `POST /v1/oauth2/token` (with the form body
/// `grant_type=client_credentials`): the client credentials grant, standard base64 with padding.
pub fn basic_auth(client_id: &str, client_secret: &str) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{client_id}:{client_secret}"))
    )
}

/// The value PayPal writes as an amount: two decimals for USD given minor units, e.g.
/// 12345 -> "123.45", 5 -> "0.05". A negative amount is refused with None: we only ever ask
/// PayPal for money, never send it a negative charge.
pub fn amount_value(minor: i64) -> Option<String> {
    if minor < 0 {
        return None;
    }
    Some(format!("{}.{:02}", minor / 100, minor % 100))
}

/// Minor units of a PayPal amount string ("123.45" -> 12345, "10" -> 1000, "1.5" -> 150,
/// ".5" -> 50, as PayPal's `money.value` pattern allows). More than 2 decimals (not a
/// two-decimal currency's amount, or a rounding we would silently lose), a sign, a trailing
/// '.', an overflow or any other junk -> None.
pub fn minor_of(value: &str) -> Option<i64> {
    let (whole, fraction) = match value.split_once('.') {
        Some((whole, fraction)) if !fraction.is_empty() && fraction.len() <= 2 => (whole, fraction),
        Some(_) => return None,
        None if !value.is_empty() => (value, ""),
        None => return None,
    };
    let all_digits = |text: &str| text.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let units: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let cents: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()? * 10,
        _ => fraction.parse().ok()?,
    };
    units.checked_mul(100)?.checked_add(cents)
}

#[cfg(test)]
mod tests;
