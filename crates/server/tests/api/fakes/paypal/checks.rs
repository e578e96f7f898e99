//! What PayPal checks in a create-order body (for what Entitle may send).

use serde_json::Value;

use super::Refusal;

/// What a create-order call asks for, once checked.
pub(super) struct Asked {
    pub(super) reference_id: String,
    pub(super) custom_id: String,
    pub(super) invoice_id: Option<String>,
    pub(super) value: String,
    pub(super) kind: Kind,
}

pub(super) enum Kind {
    /// The buyer approves on PayPal, then comes back to `return_url`.
    Checkout {
        return_url: String,
        cancel_url: String,
        vault: bool,
    },
    /// Charged against a saved PayPal account.
    Renewal { vault_id: String },
}

fn absolute(url: &str) -> bool {
    reqwest::Url::parse(url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// USD with exactly two decimals, more than zero.
fn check_value(value: &str) -> Result<(), Refusal> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let syntax = || {
        Refusal::unprocessable(
            "INVALID_PARAMETER_SYNTAX",
            format!("amount.value {value:?} is not a decimal string"),
        )
    };
    let (whole, cents) = value.split_once('.').ok_or_else(syntax)?;
    if !digits(whole)
        || !digits(cents)
        || whole.len() > 10
        || (whole.len() > 1 && whole.starts_with('0'))
    {
        return Err(syntax());
    }
    if cents.len() != 2 {
        return Err(Refusal::unprocessable(
            "DECIMAL_PRECISION",
            format!("amount.value {value:?} does not have two decimals"),
        ));
    }
    if value.bytes().all(|b| b == b'0' || b == b'.') {
        return Err(Refusal::unprocessable(
            "CANNOT_BE_ZERO_OR_NEGATIVE",
            format!("amount.value {value:?} is zero"),
        ));
    }
    Ok(())
}

/// Checks a create-order body as PayPal does (for what Entitle may send).
pub(super) fn check_create(sent: &Value) -> Result<Asked, Refusal> {
    let missing =
        |what: &str| Refusal::unprocessable("MISSING_REQUIRED_PARAMETER", format!("no {what}"));
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    if sent["intent"] != "CAPTURE" {
        return Err(Refusal::unprocessable(
            "INVALID_PARAMETER_VALUE",
            format!("intent {} is not \"CAPTURE\"", sent["intent"]),
        ));
    }
    let units = sent["purchase_units"]
        .as_array()
        .ok_or_else(|| missing("purchase_units"))?;
    let [unit] = units.as_slice() else {
        return Err(Refusal::unprocessable(
            "INVALID_ARRAY_MAX_ITEMS",
            format!("{} purchase units, not one", units.len()),
        ));
    };
    if unit["amount"]["currency_code"] != "USD" {
        return Err(Refusal::unprocessable(
            "CURRENCY_NOT_SUPPORTED",
            format!(
                "currency_code {} is not \"USD\"",
                unit["amount"]["currency_code"]
            ),
        ));
    }
    let value = text(&unit["amount"]["value"]);
    check_value(&value)?;
    let reference_id = text(&unit["reference_id"]);
    if reference_id.is_empty() || reference_id.len() > 256 {
        return Err(missing("purchase_units[0].reference_id"));
    }
    let custom_id = text(&unit["custom_id"]);
    if custom_id.is_empty() || custom_id.len() > 127 {
        return Err(missing("purchase_units[0].custom_id"));
    }
    let invoice_id = match &unit["invoice_id"] {
        Value::Null => None,
        Value::String(id) if !id.is_empty() && id.len() <= 127 => Some(id.clone()),
        other => {
            return Err(Refusal::unprocessable(
                "INVALID_PARAMETER_SYNTAX",
                format!("invoice_id {other}"),
            ));
        }
    };
    let paypal = &sent["payment_source"]["paypal"];
    if !paypal.is_object() {
        return Err(missing("payment_source.paypal"));
    }
    let kind = if let Some(given) = paypal.get("vault_id") {
        let vault_id = given.as_str().filter(|v| !v.is_empty()).ok_or_else(|| {
            Refusal::unprocessable("INVALID_PARAMETER_SYNTAX", format!("vault_id {given}"))
        })?;
        Kind::Renewal {
            vault_id: vault_id.to_owned(),
        }
    } else {
        let context = &paypal["experience_context"];
        let url = |name: &str| {
            let url = text(&context[name]);
            if absolute(&url) {
                Ok(url)
            } else {
                Err(Refusal::unprocessable(
                    "INVALID_PARAMETER_SYNTAX",
                    format!("experience_context.{name} {url:?} is not an absolute URL"),
                ))
            }
        };
        let asked_vault = &paypal["attributes"]["vault"];
        let vault = match asked_vault {
            Value::Null => false,
            _ if asked_vault["store_in_vault"] == "ON_SUCCESS" => true,
            _ => {
                return Err(Refusal::unprocessable(
                    "INVALID_PARAMETER_VALUE",
                    format!("attributes.vault {asked_vault} does not store_in_vault ON_SUCCESS"),
                ));
            }
        };
        Kind::Checkout {
            return_url: url("return_url")?,
            cancel_url: url("cancel_url")?,
            vault,
        }
    };
    Ok(Asked {
        reference_id,
        custom_id,
        invoice_id,
        value,
        kind,
    })
}
