//! Stripe's rules for `POST /v1/checkout/sessions`, in payment mode, priced inline
//! (`line_items[i][price_data]`).

use std::collections::{BTreeSet, HashMap};

use super::checks::{
    Invalid, absolute_url, all_known, get, invalid, metadata, no_such, order_id, positive,
    required, segments,
};
use super::{LineItem, Session};

fn checkout_param(key: &[&str]) -> bool {
    matches!(
        key,
        ["mode"
            | "success_url"
            | "cancel_url"
            | "client_reference_id"
            | "customer"
            | "customer_creation"
            | "customer_email"
            | "expires_at"
            | "locale"
            | "submit_type"
            | "billing_address_collection"]
            | ["metadata" | "payment_method_types" | "expand", _]
            | ["line_items", _, "quantity"]
            | ["line_items", _, "price_data", "currency" | "unit_amount"]
            | [
                "line_items",
                _,
                "price_data",
                "product_data",
                "name" | "description"
            ]
            | [
                "payment_intent_data",
                "setup_future_usage" | "description" | "statement_descriptor_suffix"
            ]
            | ["payment_intent_data", "metadata", _]
    )
}

/// `line_items[i][…]`, indices 0, 1, 2, … without gaps, each priced in `usd`.
fn line_items(pairs: &[(String, String)]) -> Result<Vec<LineItem>, Invalid> {
    let mut indices = BTreeSet::new();
    for (key, _) in pairs {
        if let Some(parts) = segments(key)
            && parts[0] == "line_items"
        {
            let index = parts.get(1).copied().unwrap_or_default();
            let parsed = index
                .parse::<usize>()
                .ok()
                .filter(|_| index.bytes().all(|b| b.is_ascii_digit()));
            let Some(parsed) = parsed else {
                return Err(invalid(key, format!("Invalid array index {index:?}")));
            };
            indices.insert(parsed);
        }
    }
    let count = indices.len();
    if count == 0 {
        return Err(invalid("line_items", "Missing required param: line_items."));
    }
    if indices.last().copied() != Some(count - 1) {
        return Err(invalid(
            "line_items",
            format!("Invalid array: the indices must run from 0 without gaps, not {indices:?}"),
        ));
    }
    if count > 100 {
        return Err(invalid("line_items", "At most 100 line items"));
    }
    let mut items = Vec::with_capacity(count);
    for index in 0..count {
        let at = |rest: &str| format!("line_items[{index}]{rest}");
        let currency_key = at("[price_data][currency]");
        let currency = required(pairs, &currency_key)?;
        if currency != "usd" {
            return Err(invalid(
                &currency_key,
                format!("Invalid currency: {currency:?} (the fake takes usd)"),
            ));
        }
        items.push(LineItem {
            unit_amount: positive(pairs, &at("[price_data][unit_amount]"), 99_999_999)?,
            name: required(pairs, &at("[price_data][product_data][name]"))?.to_owned(),
            quantity: positive(pairs, &at("[quantity]"), 999_999)?,
            currency: currency.to_owned(),
        });
    }
    Ok(items)
}

/// `POST /v1/checkout/sessions` as Stripe checks it, `now` on the system clock: the session it
/// opens, but for its `id` and `url`, which the caller gives it.
pub(super) fn check(
    pairs: &[(String, String)],
    customers: &HashMap<String, BTreeSet<String>>,
    now: i64,
) -> Result<Session, Invalid> {
    all_known(pairs, checkout_param)?;
    let mode = required(pairs, "mode")?;
    if mode != "payment" {
        return Err(invalid(
            "mode",
            format!("The fake takes mode=payment, not {mode:?}"),
        ));
    }
    let line_items = line_items(pairs)?;
    let amount_total: i64 = line_items
        .iter()
        .map(|item| item.unit_amount * item.quantity)
        .sum();
    if amount_total > 99_999_999 {
        return Err(invalid(
            "line_items",
            "The total must be no more than $999,999.99",
        ));
    }
    let success_url = absolute_url(pairs, "success_url")?;
    let cancel_url = absolute_url(pairs, "cancel_url")?;
    let client_reference_id = required(pairs, "client_reference_id")?;
    if client_reference_id.chars().count() > 200 {
        return Err(invalid(
            "client_reference_id",
            "client_reference_id must be at most 200 characters long",
        ));
    }
    let intent_metadata = metadata(pairs, &["payment_intent_data", "metadata"])?;
    let metadata = metadata(pairs, &["metadata"])?;
    order_id(&metadata, "metadata[order_id]")?;

    let raw = required(pairs, "expires_at")?;
    let expires_at: i64 = raw
        .parse()
        .map_err(|_| invalid("expires_at", format!("Invalid integer: {raw:?}")))?;
    // Stripe's window, 30 minutes to 24 hours from now, with a minute's slack each side.
    const SLACK: i64 = 60;
    if !(now + 30 * 60 - SLACK..=now + 24 * 3600 + SLACK).contains(&expires_at) {
        return Err(invalid(
            "expires_at",
            format!(
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from \
                 Checkout Session creation, not {} s from now",
                expires_at - now
            ),
        ));
    }

    let saves = match get(pairs, "payment_intent_data[setup_future_usage]") {
        None | Some("on_session") => false,
        Some("off_session") => true,
        Some(other) => {
            return Err(invalid(
                "payment_intent_data[setup_future_usage]",
                format!("Invalid setup_future_usage {other:?}: on_session or off_session"),
            ));
        }
    };
    let customer_creation = match get(pairs, "customer_creation") {
        None => None,
        Some(value @ ("always" | "if_required")) => Some(value.to_owned()),
        Some(other) => {
            return Err(invalid(
                "customer_creation",
                format!("Invalid customer_creation {other:?}: always or if_required"),
            ));
        }
    };
    let customer = match get(pairs, "customer") {
        None => None,
        Some(_) if customer_creation.is_some() => {
            return Err(invalid(
                "customer_creation",
                "You may only specify one of these parameters: customer, customer_creation.",
            ));
        }
        Some(id) if customers.contains_key(id) => Some(id.to_owned()),
        Some(id) => return Err(no_such("customer", format!("No such customer: '{id}'"))),
    };

    Ok(Session {
        id: String::new(),
        form: pairs.to_vec(),
        line_items,
        amount_total,
        currency: "usd".to_owned(),
        success_url: success_url.to_owned(),
        cancel_url: cancel_url.to_owned(),
        client_reference_id: client_reference_id.to_owned(),
        metadata,
        intent_metadata,
        expires_at,
        saves,
        customer_creation,
        url: String::new(),
        created: now,
        status: "open".to_owned(),
        payment_status: "unpaid".to_owned(),
        payment_intent: None,
        customer,
    })
}
