//! Stripe's rules for the parameters Entitle sends: the bracketed form keys
//! (`line_items[0][price_data][currency]`), which of them a call knows, and their values; the
//! rules of an off-session charge and of a retrieve. A Checkout Session's are in `checkout.rs`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What Stripe answers 400 `invalid_request_error` with.
#[derive(Debug)]
pub(super) struct Invalid {
    pub param: Option<String>,
    pub code: Option<&'static str>,
    pub message: String,
}

pub(super) fn invalid(param: &str, message: impl Into<String>) -> Invalid {
    Invalid {
        param: Some(param.to_owned()),
        code: None,
        message: message.into(),
    }
}

pub(super) fn no_such(param: &str, message: String) -> Invalid {
    Invalid {
        param: Some(param.to_owned()),
        code: Some("resource_missing"),
        message,
    }
}

/// A form (or query) decoded into pairs; a key sent twice is refused, but for `…[]` arrays.
pub(super) fn parse_pairs(bytes: &[u8]) -> Result<Vec<(String, String)>, Invalid> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (key, value) in form_urlencoded::parse(bytes) {
        let (key, value) = (key.into_owned(), value.into_owned());
        if !key.ends_with("[]") && pairs.iter().any(|(seen, _)| *seen == key) {
            return Err(invalid(&key, format!("Received the parameter {key} twice")));
        }
        pairs.push((key, value));
    }
    Ok(pairs)
}

/// `a[b][c]` as `["a", "b", "c"]`; `None` when the brackets do not close.
pub(super) fn segments(key: &str) -> Option<Vec<&str>> {
    let (head, mut rest) = match key.find('[') {
        Some(at) => key.split_at(at),
        None => (key, ""),
    };
    if head.is_empty() {
        return None;
    }
    let mut parts = vec![head];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let end = inner.find(']')?;
        parts.push(&inner[..end]);
        rest = &inner[end + 1..];
    }
    Some(parts)
}

pub(super) fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

pub(super) fn required<'a>(pairs: &'a [(String, String)], key: &str) -> Result<&'a str, Invalid> {
    get(pairs, key)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| invalid(key, format!("Missing required param: {key}.")))
}

/// A positive integer, written in digits alone, at most `max`.
pub(super) fn positive(pairs: &[(String, String)], key: &str, max: i64) -> Result<i64, Invalid> {
    let value = required(pairs, key)?;
    value
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0 && *n <= max && value.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            invalid(
                key,
                format!("Invalid positive integer: {value:?} (at most {max})"),
            )
        })
}

/// An absolute `http`/`https` URL.
pub(super) fn absolute_url<'a>(
    pairs: &'a [(String, String)],
    key: &str,
) -> Result<&'a str, Invalid> {
    let url = required(pairs, key)?;
    match reqwest::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => Ok(url),
        _ => Err(invalid(key, format!("Not a valid URL: {url:?}"))),
    }
}

/// Refuses any parameter `known` does not name, as Stripe does.
pub(super) fn all_known(
    pairs: &[(String, String)],
    known: fn(&[&str]) -> bool,
) -> Result<(), Invalid> {
    for (key, _) in pairs {
        if !segments(key).is_some_and(|s| known(&s)) {
            return Err(invalid(key, format!("Received unknown parameter: {key}")));
        }
    }
    Ok(())
}

fn intent_param(key: &[&str]) -> bool {
    matches!(
        key,
        ["amount"
            | "currency"
            | "customer"
            | "payment_method"
            | "off_session"
            | "confirm"
            | "description"
            | "statement_descriptor_suffix"]
            | ["metadata" | "payment_method_types" | "expand", _]
    )
}

/// The `prefix[name]` pairs, with Stripe's limits (50 keys, 40-character keys, 500-character
/// values).
pub(super) fn metadata(
    pairs: &[(String, String)],
    prefix: &[&str],
) -> Result<BTreeMap<String, String>, Invalid> {
    let mut map = BTreeMap::new();
    for (key, value) in pairs {
        let Some(parts) = segments(key) else { continue };
        if parts.len() != prefix.len() + 1 || !parts.starts_with(prefix) {
            continue;
        }
        let name = parts[prefix.len()];
        if name.is_empty() || name.chars().count() > 40 {
            return Err(invalid(
                key,
                "Metadata keys must be 1 to 40 characters long",
            ));
        }
        if value.chars().count() > 500 {
            return Err(invalid(
                key,
                "Metadata values must be at most 500 characters long",
            ));
        }
        map.insert(name.to_owned(), value.clone());
    }
    if map.len() > 50 {
        return Err(invalid(prefix[0], "At most 50 metadata keys"));
    }
    Ok(map)
}

/// The `order_id` a metadata must carry.
pub(super) fn order_id(map: &BTreeMap<String, String>, param: &str) -> Result<(), Invalid> {
    if map.get("order_id").is_none_or(|v| v.is_empty()) {
        return Err(invalid(param, format!("Missing required param: {param}.")));
    }
    Ok(())
}

/// An off-session charge, as checked.
pub(super) struct Charge {
    pub amount: i64,
    pub customer: String,
    pub payment_method: String,
    pub metadata: BTreeMap<String, String>,
}

/// `POST /v1/payment_intents` as Stripe checks it: a saved card of a known customer, charged
/// without the customer (`off_session=true`, `confirm=true`).
pub(super) fn off_session_charge(
    pairs: &[(String, String)],
    customers: &HashMap<String, BTreeSet<String>>,
) -> Result<Charge, Invalid> {
    all_known(pairs, intent_param)?;
    let amount = positive(pairs, "amount", 99_999_999)?;
    let currency = required(pairs, "currency")?;
    if currency != "usd" {
        return Err(invalid(
            "currency",
            format!("Invalid currency: {currency:?} (the fake takes usd)"),
        ));
    }
    let customer = required(pairs, "customer")?;
    let Some(methods) = customers.get(customer) else {
        return Err(no_such(
            "customer",
            format!("No such customer: '{customer}'"),
        ));
    };
    let payment_method = required(pairs, "payment_method")?;
    if !methods.contains(payment_method) {
        return Err(no_such(
            "payment_method",
            format!(
                "The customer does not have a payment method with the ID {payment_method}. \
                 The payment method must be attached to the customer."
            ),
        ));
    }
    for flag in ["off_session", "confirm"] {
        if get(pairs, flag) != Some("true") {
            return Err(invalid(
                flag,
                format!("{flag} must be true: a renewal charges the saved card at once"),
            ));
        }
    }
    let metadata = metadata(pairs, &["metadata"])?;
    order_id(&metadata, "metadata[order_id]")?;
    Ok(Charge {
        amount,
        customer: customer.to_owned(),
        payment_method: payment_method.to_owned(),
        metadata,
    })
}

/// The parameters of a retrieve (or an expire): `expand[]` alone. Whether it expands the
/// `payment_intent`; any other expansion is refused (the fake has none), and with
/// `can_expand_intent` false, that one too.
pub(super) fn expands_intent(
    pairs: &[(String, String)],
    can_expand_intent: bool,
) -> Result<bool, Invalid> {
    let mut expands = false;
    for (key, value) in pairs {
        if !segments(key).is_some_and(|s| matches!(s.as_slice(), ["expand", _])) {
            return Err(invalid(key, format!("Received unknown parameter: {key}")));
        }
        if !can_expand_intent || value != "payment_intent" {
            return Err(invalid(
                key,
                format!("The fake cannot expand {value:?} here"),
            ));
        }
        expands = true;
    }
    Ok(expands)
}
