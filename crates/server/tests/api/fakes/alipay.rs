//! A fake of the Alipay open-platform gateway (`gateway.do`, providers.md §1).
//!
//! - `GET /gateway.do?…`: `alipay.trade.page.pay`, the page the customer's browser is sent to.
//!   The request's RSA2 signature (over every parameter but `sign`, `sign_type` included,
//!   sorted, raw values) is checked with the app's public key, and its fields too; the trade is
//!   then known to the fake, which shows a cashier page.
//! - `POST /gateway.do` (form): `alipay.trade.query`, answered as Alipay does, the
//!   `alipay_trade_query_response` object signed with Alipay's key over its exact text.
//! - [`AlipayFake::pay`] marks a trade paid; [`AlipayFake::notify`] sends the async notify
//!   (form, signed over everything but `sign` and `sign_type`) to the trade's `notify_url`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Utc};
use entitle_server::payments::alipay::AlipaySettings;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{EndpointExt, IntoResponse, Request, Response, Route, handler};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{Answer, Delivery, Fake, Forgery, Key, Ledger, key, nonce};

pub const APP_ID: &str = "2021000000000001";
pub const SELLER_ID: &str = "2088000000000001";

/// A trade the fake knows, from the page.pay that opened it.
#[derive(Debug, Clone)]
pub struct Trade {
    pub out_trade_no: String,
    pub total_amount: String,
    pub subject: String,
    pub notify_url: String,
    pub return_url: String,
    /// Set once paid.
    pub trade_no: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
}

/// The fake; clones share it.
pub type AlipayFake = Fake<Trade>;

fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

fn beijing_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&beijing())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// What Alipay signs: the parameters but `exclude`, empty values dropped, sorted by key,
/// joined `k=v&…` with raw values.
fn content(params: &BTreeMap<String, String>, exclude: &[&str]) -> String {
    params
        .iter()
        .filter(|(k, v)| !v.is_empty() && !exclude.contains(&k.as_str()))
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn parse_form(text: &[u8]) -> Result<BTreeMap<String, String>, String> {
    let mut params = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(text) {
        if params.insert(k.to_string(), v.to_string()).is_some() {
            return Err(format!("parameter {k} twice"));
        }
    }
    Ok(params)
}

/// Checks a request as the gateway does: the common parameters, and the RSA2 signature with
/// the app's public key. Returns the parsed `biz_content`.
fn check_request(params: &BTreeMap<String, String>, method: &str) -> Result<Value, String> {
    let field = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
    for (name, wanted) in [
        ("app_id", APP_ID),
        ("method", method),
        ("format", "JSON"),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("version", "1.0"),
    ] {
        if field(name) != wanted {
            return Err(format!("{name} is {:?}, not {wanted:?}", field(name)));
        }
    }
    let sent = NaiveDateTime::parse_from_str(field("timestamp"), "%Y-%m-%d %H:%M:%S")
        .map_err(|_| {
            format!(
                "timestamp {:?} is not yyyy-MM-dd HH:mm:ss",
                field("timestamp")
            )
        })?
        .and_local_timezone(beijing())
        .single()
        .ok_or_else(|| "timestamp".to_owned())?;
    if (Utc::now() - sent.with_timezone(&Utc)).abs() > Duration::minutes(10) {
        return Err(format!(
            "timestamp {} is not Beijing time now",
            field("timestamp")
        ));
    }
    // Requests sign `sign_type` too; only `sign` is left out.
    let signed = content(params, &["sign"]);
    if !key(Key::AlipayApp)
        .verifying()
        .verify_base64(signed.as_bytes(), field("sign"))
    {
        return Err("the signature does not verify with the app's public key".to_owned());
    }
    serde_json::from_str(field("biz_content")).map_err(|e| format!("biz_content: {e}"))
}

/// Checks page.pay's order fields; the trade it opens.
fn check_page_pay(params: &BTreeMap<String, String>, biz: &Value) -> Result<Trade, String> {
    let text = |name: &str| biz[name].as_str().unwrap_or_default().to_owned();
    if text("product_code") != "FAST_INSTANT_TRADE_PAY" {
        return Err(format!("product_code {:?}", text("product_code")));
    }
    let out_trade_no = text("out_trade_no");
    if out_trade_no.is_empty()
        || out_trade_no.len() > 64
        || !out_trade_no
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(format!("out_trade_no {out_trade_no:?}"));
    }
    let total_amount = text("total_amount");
    let amount: Decimal = total_amount
        .parse()
        .map_err(|_| format!("total_amount {total_amount:?}"))?;
    if amount.scale() != 2 || amount < Decimal::new(1, 2) {
        return Err(format!(
            "total_amount {total_amount:?} is not yuan with 2 decimals"
        ));
    }
    let subject = text("subject");
    if subject.is_empty() || subject.len() > 256 || subject.contains(['/', '=', '&']) {
        return Err(format!("subject {subject:?}"));
    }
    let url = |name: &str| {
        params
            .get(name)
            .filter(|u| u.starts_with("http"))
            .cloned()
            .ok_or(format!("no {name}"))
    };
    Ok(Trade {
        out_trade_no,
        total_amount,
        subject,
        notify_url: url("notify_url")?,
        return_url: url("return_url")?,
        trade_no: None,
        paid_at: None,
    })
}

#[handler]
async fn page_pay(req: &Request, state: Data<&Arc<Mutex<Ledger<Trade>>>>) -> Response {
    let target = req.uri().to_string();
    let verdict = parse_form(req.uri().query().unwrap_or_default().as_bytes()).and_then(|p| {
        let biz = check_request(&p, "alipay.trade.page.pay")?;
        check_page_pay(&p, &biz)
    });
    let mut state = state.lock().expect("state");
    state.saw(
        "GET",
        target,
        "alipay.trade.page.pay",
        &verdict.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    match verdict {
        Ok(trade) => {
            let page = format!(
                "<h1>支付宝 (fake) cashier</h1><p>{} — ¥{}</p>",
                trade.subject, trade.total_amount
            );
            let known = state
                .trades
                .entry(trade.out_trade_no.clone())
                .or_insert(trade.clone());
            known.notify_url = trade.notify_url;
            known.return_url = trade.return_url;
            page.with_content_type("text/html; charset=utf-8")
                .into_response()
        }
        Err(why) => format!("<h1>错误 invalid-signature</h1><p>{why}</p>")
            .with_content_type("text/html; charset=utf-8")
            .with_status(StatusCode::BAD_REQUEST)
            .into_response(),
    }
}

/// The answer to `alipay.trade.query`: the response object's exact text, signed.
fn query_answer(state: &Ledger<Trade>, out_trade_no: Option<&str>) -> String {
    let trade = out_trade_no.and_then(|no| state.trades.get(no));
    let object = match trade {
        None => json!({
            "code": "40004", "msg": "Business Failed",
            "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在",
            "out_trade_no": out_trade_no.unwrap_or_default(),
        }),
        Some(trade) => match (&trade.trade_no, trade.paid_at) {
            (Some(trade_no), Some(paid_at)) => json!({
                "code": "10000", "msg": "Success",
                "trade_no": trade_no, "out_trade_no": trade.out_trade_no,
                "trade_status": "TRADE_SUCCESS", "total_amount": trade.total_amount,
                "buyer_logon_id": "158****1562", "buyer_pay_amount": trade.total_amount,
                "send_pay_date": beijing_time(paid_at),
            }),
            _ => json!({
                "code": "10000", "msg": "Success",
                "trade_no": "", "out_trade_no": trade.out_trade_no,
                "trade_status": "WAIT_BUYER_PAY", "total_amount": trade.total_amount,
            }),
        },
    };
    let text = object.to_string();
    let signer = match state.answer.unwrap_or(Answer::Honest) {
        Answer::Honest => key(Key::AlipayPlatform),
        Answer::WrongKey => key(Key::Intruder),
    };
    let sign = signer.signing().sign_base64(text.as_bytes());
    format!(r#"{{"alipay_trade_query_response":{text},"sign":"{sign}"}}"#)
}

#[handler]
async fn gateway_post(
    req: &Request,
    body: Vec<u8>,
    state: Data<&Arc<Mutex<Ledger<Trade>>>>,
) -> Response {
    let params = parse_form(&body);
    let method = params
        .as_ref()
        .ok()
        .and_then(|p| p.get("method").cloned())
        .unwrap_or_default();
    let checked = params.and_then(|p| check_request(&p, "alipay.trade.query"));
    let mut state = state.lock().expect("state");
    state.saw(
        "POST",
        req.uri().to_string(),
        &method,
        &checked.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    let body = match checked {
        Ok(biz) => query_answer(&state, biz["out_trade_no"].as_str()),
        Err(why) => json!({
            "error_response": {"code": "40002", "msg": "Invalid Arguments",
                "sub_code": "isv.invalid-signature", "sub_msg": why}
        })
        .to_string(),
    };
    body.with_content_type("application/json;charset=utf-8")
        .into_response()
}

impl Fake<Trade> {
    pub async fn start() -> AlipayFake {
        Fake::serve(|ledger| {
            Route::new()
                .at("/gateway.do", poem::get(page_pay).post(gateway_post))
                .data(ledger)
        })
        .await
    }

    /// The settings that point Entitle at this fake.
    pub fn settings(&self) -> AlipaySettings {
        AlipaySettings {
            app_id: APP_ID.to_owned(),
            private_key: key(Key::AlipayApp).private_pem.clone().into(),
            alipay_public_key: key(Key::AlipayPlatform).public_pem.clone(),
            gateway: self.gateway(),
        }
    }

    pub fn gateway(&self) -> String {
        format!("{}/gateway.do", self.base_url())
    }

    /// The customer pays the trade (opened by page.pay): Alipay records it as paid.
    pub fn pay(&self, out_trade_no: &str) -> Trade {
        let mut state = self.ledger();
        let trade = state
            .trades
            .get_mut(out_trade_no)
            .unwrap_or_else(|| panic!("no trade {out_trade_no}: open page.pay first"));
        trade.trade_no = Some(format!("2026{}", nonce(24).to_ascii_uppercase()));
        trade.paid_at = Some(Utc::now());
        trade.clone()
    }

    /// The async notify of a paid trade, as Alipay would send it (or forged so).
    pub fn notify_delivery(&self, out_trade_no: &str, forgery: &Forgery) -> Delivery {
        let trade = self
            .trade(out_trade_no)
            .unwrap_or_else(|| panic!("no trade {out_trade_no}"));
        let (Some(trade_no), Some(paid_at)) = (trade.trade_no.clone(), trade.paid_at) else {
            panic!("trade {out_trade_no} is not paid: pay it first");
        };
        let mut amount = trade.total_amount.clone();
        if *forgery == Forgery::MisstatedAmount {
            let stated: Decimal = amount.parse().expect("amount");
            amount = (stated + Decimal::new(1, 2)).to_string();
        }
        let mut params = BTreeMap::new();
        let now = beijing_time(Utc::now());
        for (k, v) in [
            ("notify_time", now.as_str()),
            ("notify_type", "trade_status_sync"),
            ("notify_id", &format!("2026{}", nonce(30))),
            ("app_id", APP_ID),
            ("charset", "utf-8"),
            ("version", "1.0"),
            ("sign_type", "RSA2"),
            ("trade_no", &trade_no),
            ("out_trade_no", &trade.out_trade_no),
            ("buyer_id", "2088102177846880"),
            ("seller_id", SELLER_ID),
            ("trade_status", "TRADE_SUCCESS"),
            ("total_amount", &amount),
            ("receipt_amount", &amount),
            ("buyer_pay_amount", &amount),
            ("gmt_create", &beijing_time(paid_at - Duration::seconds(20))),
            ("gmt_payment", &beijing_time(paid_at)),
            ("subject", &trade.subject),
            (
                "fund_bill_list",
                r#"[{"amount":"1.00","fundChannel":"ALIPAYACCOUNT"}]"#,
            ),
        ] {
            params.insert(k.to_owned(), v.to_owned());
        }
        // A notify's signature leaves out `sign` and `sign_type`.
        let signed = content(&params, &["sign", "sign_type"]);
        let sign = match forgery {
            Forgery::WrongKey => key(Key::Intruder).signing().sign_base64(signed.as_bytes()),
            Forgery::BadSignature => key(Key::AlipayPlatform)
                .signing()
                .sign_base64(format!("{signed}&extra=1").as_bytes()),
            _ => key(Key::AlipayPlatform)
                .signing()
                .sign_base64(signed.as_bytes()),
        };
        params.insert("sign".to_owned(), sign);
        match forgery {
            Forgery::TamperedAmount => {
                for k in ["total_amount", "receipt_amount", "buyer_pay_amount"] {
                    params.insert(k.to_owned(), "0.01".to_owned());
                }
            }
            Forgery::TamperedOrder(other) => {
                params.insert("out_trade_no".to_owned(), other.clone());
            }
            Forgery::Stale => panic!("Alipay documents no freshness window"),
            _ => {}
        }
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter())
            .finish();
        Delivery {
            url: trade.notify_url,
            headers: vec![(
                "content-type".to_owned(),
                "application/x-www-form-urlencoded; charset=utf-8".to_owned(),
            )],
            body: body.into_bytes(),
        }
    }

    /// Sends the notify of a paid trade: Entitle's answer's status and body.
    pub async fn notify(&self, out_trade_no: &str, forgery: Forgery) -> (u16, String) {
        self.notify_delivery(out_trade_no, &forgery).send().await
    }
}
