//! Alipay's synchronous responses: `{"<method>_response":{…},"sign":"…"}`.
//!
//! The signature covers the exact text of the response object as sent, not a re-serialisation
//! (`DefaultAlipayClient.__parse_response`, Java `extractSignContent`), so the object is found
//! by scanning the body's top-level members, with strings (and their escapes) skipped so a `}`
//! inside a value cannot end the object early.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{AlipayError, parse_beijing_time};
use crate::keys::VerifyingKey;

/// A synchronous response: finds the exact text of the `"<method with dots as
/// underscores>_response"` object, verifies `sign` over that exact text with the Alipay public
/// key, and returns the parsed object. Refuses a missing `sign`, a bad one, a missing object
/// and malformed JSON.
pub fn verify_response(key: &VerifyingKey, method: &str, body: &str) -> Result<Value, AlipayError> {
    let name = format!("{}_response", method.replace('.', "_"));
    let members = top_level_members(body)?;
    let find = |wanted: &str| {
        members
            .iter()
            .find(|(key, _)| *key == wanted)
            .map(|(_, value)| *value)
    };
    let content = find(&name)
        .filter(|value| value.starts_with('{'))
        .ok_or_else(|| AlipayError::MissingResponse(name.clone()))?;
    let sign: String = match find("sign") {
        Some(raw) => serde_json::from_str(raw)
            .map_err(|_| AlipayError::Malformed("sign is not a string".to_owned()))?,
        None => return Err(AlipayError::MissingSign),
    };
    if sign.is_empty() {
        return Err(AlipayError::MissingSign);
    }
    if !key.verify_base64(content.as_bytes(), &sign) {
        return Err(AlipayError::BadSignature);
    }
    serde_json::from_str(content).map_err(|e| AlipayError::Malformed(e.to_string()))
}

/// What `alipay.trade.query` says about one trade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeQuery {
    /// `WAIT_BUYER_PAY`, `TRADE_CLOSED`, `TRADE_SUCCESS` or `TRADE_FINISHED`; see `is_paid`.
    pub trade_status: String,
    /// Alipay's trade id.
    pub trade_no: String,
    pub out_trade_no: String,
    /// Yuan, as Alipay writes it (e.g. `"88.00"`).
    pub total_amount: String,
    /// When the buyer paid, from Beijing time; None before payment.
    pub send_pay_date: Option<DateTime<Utc>>,
}

/// Reads `alipay.trade.query`'s (verified) response object: code `10000` gives the trade;
/// code `40004` with sub_code `ACQ.TRADE_NOT_EXIST` means Alipay has no such trade yet (the
/// buyer never opened the cashier), so None; any other code is an error.
pub fn read_trade_query(response: &Value) -> Result<Option<TradeQuery>, AlipayError> {
    let text = |name: &str| -> Option<String> {
        match response.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let required = |name: &str| {
        text(name).ok_or_else(|| AlipayError::Malformed(format!("trade query has no {name}")))
    };
    let code = required("code")?;
    let sub_code = text("sub_code");
    match (code.as_str(), sub_code.as_deref()) {
        ("10000", _) => Ok(Some(TradeQuery {
            trade_status: required("trade_status")?,
            trade_no: required("trade_no")?,
            out_trade_no: required("out_trade_no")?,
            total_amount: required("total_amount")?,
            send_pay_date: text("send_pay_date")
                .as_deref()
                .and_then(parse_beijing_time),
        })),
        ("40004", Some("ACQ.TRADE_NOT_EXIST")) => Ok(None),
        _ => Err(AlipayError::Business {
            code,
            msg: text("msg").unwrap_or_default(),
            sub_code,
            sub_msg: text("sub_msg"),
        }),
    }
}

/// The top-level members of a JSON object as (raw key text, exact value text) pairs.
fn top_level_members(body: &str) -> Result<Vec<(&str, &str)>, AlipayError> {
    let bytes = body.as_bytes();
    let malformed = |what: &str| AlipayError::Malformed(what.to_owned());
    let mut at = skip_whitespace(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return Err(malformed("body is not a JSON object"));
    }
    at = skip_whitespace(bytes, at + 1);
    let mut members = Vec::new();
    if bytes.get(at) == Some(&b'}') {
        return Ok(members);
    }
    loop {
        if bytes.get(at) != Some(&b'"') {
            return Err(malformed("expected a member name"));
        }
        let key_end = string_end(bytes, at).ok_or_else(|| malformed("unterminated string"))?;
        let key = &body[at + 1..key_end - 1];
        at = skip_whitespace(bytes, key_end);
        if bytes.get(at) != Some(&b':') {
            return Err(malformed("expected ':'"));
        }
        let value_start = skip_whitespace(bytes, at + 1);
        let value_end = value_end(bytes, value_start).ok_or_else(|| malformed("bad value"))?;
        members.push((key, &body[value_start..value_end]));
        at = skip_whitespace(bytes, value_end);
        match bytes.get(at) {
            Some(b',') => at = skip_whitespace(bytes, at + 1),
            Some(b'}') => return Ok(members),
            _ => return Err(malformed("expected ',' or '}'")),
        }
    }
}

fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while bytes
        .get(at)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        at += 1;
    }
    at
}

/// Given the index of an opening `"`, the index just past its closing `"` (escapes skipped).
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut at = start + 1;
    loop {
        match bytes.get(at)? {
            b'\\' => at += 2,
            b'"' => return Some(at + 1),
            _ => at += 1,
        }
    }
}

/// The index just past the JSON value starting at `start`: a string, a brace/bracket-matched
/// object or array (strings inside skipped whole), or a bare literal/number.
fn value_end(bytes: &[u8], start: usize) -> Option<usize> {
    match bytes.get(start)? {
        b'"' => string_end(bytes, start),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut at = start;
            loop {
                match bytes.get(at)? {
                    b'"' => {
                        at = string_end(bytes, at)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(at + 1);
                        }
                    }
                    _ => {}
                }
                at += 1;
            }
        }
        _ => {
            let mut at = start;
            while bytes
                .get(at)
                .is_some_and(|b| !matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
            {
                at += 1;
            }
            (at > start).then_some(at)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_keep_exact_text() {
        let body = r#" { "a_response" : {"x":"}\"{","y":[1,{"z":"]"}]} , "sign":"s", "n": 12 } "#;
        let members = top_level_members(body).expect("scans");
        assert_eq!(
            members,
            vec![
                ("a_response", r#"{"x":"}\"{","y":[1,{"z":"]"}]}"#),
                ("sign", r#""s""#),
                ("n", "12")
            ]
        );
    }

    #[test]
    fn truncated_bodies_are_malformed_not_panics() {
        for body in [
            "",
            "{",
            r#"{"a""#,
            r#"{"a":"#,
            r#"{"a":{"b":"}"#,
            r#"{"a":1"#,
            "[]",
            r#"{"a":"\"#,
        ] {
            assert!(
                matches!(top_level_members(body), Err(AlipayError::Malformed(_))),
                "{body}"
            );
        }
    }
}
