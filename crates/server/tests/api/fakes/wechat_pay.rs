//! A fake of WeChat Pay API v3, Native, in public-key mode (providers.md §2).
//!
//! - `POST /v3/pay/transactions/native` and `GET /v3/pay/transactions/out-trade-no/{no}?mchid=…`:
//!   the `Authorization: WECHATPAY2-SHA256-RSA2048 …` header is checked with the merchant's
//!   public key over `METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY\n`, and the order's fields too;
//!   every answer carries `Wechatpay-*` headers signed with WeChat Pay's key over
//!   `TIMESTAMP\nNONCE\nBODY\n`.
//! - [`WechatFake::pay`] marks an order paid; [`WechatFake::notify`] sends the
//!   `TRANSACTION.SUCCESS` callback, its resource encrypted with the APIv3 key.
//!
//! A little over 400 lines: the fake speaks the whole protocol Entitle uses, in one place.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use entitle_providers::wechat_pay::encrypt_resource;
use entitle_server::payments::wechat_pay::WechatPaySettings;
use poem::http::{HeaderMap, StatusCode};
use poem::web::{Data, Path};
use poem::{EndpointExt, Request, Response, Route, handler};
use serde_json::{Value, json};

use super::{Answer, Delivery, Fake, Forgery, Key, Ledger, key, nonce};

pub const APPID: &str = "wxd678efh567hg6787";
pub const MCHID: &str = "1230000109";
pub const SERIAL_NO: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
pub const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0112300001092025010100000000000001";
pub const APIV3_KEY: &str = "0123456789abcdefABCDEF0123456789";
const SCHEMA: &str = "WECHATPAY2-SHA256-RSA2048";

/// An order the fake knows, from the Native order that opened it.
#[derive(Debug, Clone)]
pub struct Trade {
    pub out_trade_no: String,
    /// Fen.
    pub total: i64,
    pub description: String,
    pub notify_url: String,
    pub code_url: String,
    pub transaction_id: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    /// Closed by the merchant: the code no longer pays.
    pub closed: bool,
}

/// The fake; clones share it.
pub type WechatFake = Fake<Trade>;

fn beijing(at: DateTime<Utc>) -> String {
    at.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Checks a request's `Authorization` as WeChat Pay does, over what was sent.
fn check_authorization(
    headers: &HeaderMap,
    method: &str,
    target: &str,
    body: &str,
) -> Result<(), String> {
    let header = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or("no Authorization header")?;
    let fields = header
        .strip_prefix(SCHEMA)
        .and_then(|rest| rest.strip_prefix(' '))
        .ok_or_else(|| format!("Authorization is not {SCHEMA}"))?;
    let mut parts = HashMap::new();
    for field in fields.split(',') {
        let (name, value) = field.trim().split_once('=').ok_or("a field without =")?;
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or("an unquoted field")?;
        parts.insert(name.to_owned(), value.to_owned());
    }
    let part = |name: &str| parts.get(name).cloned().ok_or(format!("no {name}"));
    if part("mchid")? != MCHID {
        return Err(format!("mchid {}", part("mchid")?));
    }
    if part("serial_no")? != SERIAL_NO {
        return Err(format!("serial_no {}", part("serial_no")?));
    }
    let timestamp = part("timestamp")?;
    let sent: i64 = timestamp.parse().map_err(|_| "timestamp is not a number")?;
    if (Utc::now().timestamp() - sent).abs() > 300 {
        return Err("timestamp is more than 5 minutes off".to_owned());
    }
    let nonce = part("nonce_str")?;
    let message = format!("{method}\n{target}\n{timestamp}\n{nonce}\n{body}\n");
    if !key(Key::WechatMerchant)
        .verifying()
        .verify_base64(message.as_bytes(), &part("signature")?)
    {
        return Err("the signature does not verify with the merchant's public key".to_owned());
    }
    Ok(())
}

/// The Wechatpay-* headers over `body`, signed at `timestamp` by `signer`.
fn signature_headers(signer: Key, timestamp: i64, body: &[u8]) -> Vec<(String, String)> {
    let nonce = nonce(32);
    let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    let signature = key(signer).signing().sign_base64(&message);
    [
        ("Wechatpay-Timestamp", timestamp.to_string()),
        ("Wechatpay-Nonce", nonce),
        ("Wechatpay-Signature", signature),
        ("Wechatpay-Serial", PUBLIC_KEY_ID.to_owned()),
        ("Wechatpay-Signature-Type", SCHEMA.to_owned()),
    ]
    .map(|(k, v)| (k.to_owned(), v))
    .to_vec()
}

fn answer(state: &Ledger<Trade>, status: StatusCode, body: Value) -> Response {
    let body = body.to_string();
    let signer = match state.answer.unwrap_or(Answer::Honest) {
        Answer::Honest => Key::WechatPlatform,
        Answer::WrongKey => Key::Intruder,
    };
    let mut response = Response::builder()
        .status(status)
        .content_type("application/json");
    for (name, value) in signature_headers(signer, Utc::now().timestamp(), body.as_bytes()) {
        response = response.header(name, value);
    }
    response.body(body)
}

/// WeChat Pay's answer to a request whose signature, or whose merchant, is not ours.
fn sign_error(state: &Ledger<Trade>, why: String) -> Response {
    answer(
        state,
        StatusCode::UNAUTHORIZED,
        json!({ "code": "SIGN_ERROR", "message": why }),
    )
}

/// WeChat Pay's answer about an order it never opened.
fn order_not_exist(state: &Ledger<Trade>) -> Response {
    answer(
        state,
        StatusCode::NOT_FOUND,
        json!({ "code": "ORDER_NOT_EXIST", "message": "订单不存在" }),
    )
}

/// The path and query a request's `Authorization` signs.
fn signed_target(req: &Request) -> String {
    req.uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default()
}

/// Checks a Native order's fields; the order it opens.
fn check_order(body: &str) -> Result<Trade, String> {
    let order: Value = serde_json::from_str(body).map_err(|e| format!("body: {e}"))?;
    let text = |name: &str| order[name].as_str().unwrap_or_default().to_owned();
    if text("appid") != APPID || text("mchid") != MCHID {
        return Err("appid or mchid is not this merchant's".to_owned());
    }
    let out_trade_no = text("out_trade_no");
    if !(6..=32).contains(&out_trade_no.len())
        || !out_trade_no
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-|*".contains(c))
    {
        return Err(format!("out_trade_no {out_trade_no:?}"));
    }
    let description = text("description");
    if description.is_empty() || description.chars().count() > 127 {
        return Err("description".to_owned());
    }
    let total = order["amount"]["total"]
        .as_i64()
        .filter(|t| *t > 0)
        .ok_or("amount.total")?;
    if order["amount"]["currency"] != "CNY" {
        return Err("amount.currency".to_owned());
    }
    let notify_url = text("notify_url");
    // The real API wants HTTPS; the test server speaks plain HTTP on loopback.
    if !notify_url.starts_with("http") || notify_url.contains('?') {
        return Err(format!("notify_url {notify_url:?}"));
    }
    if let Some(expire) = order["time_expire"].as_str() {
        DateTime::parse_from_rfc3339(expire).map_err(|_| format!("time_expire {expire:?}"))?;
    }
    Ok(Trade {
        code_url: format!("weixin://wxpay/bizpayurl?pr={}", nonce(7)),
        out_trade_no,
        total,
        description,
        notify_url,
        transaction_id: None,
        paid_at: None,
        closed: false,
    })
}

#[handler]
async fn native(req: &Request, body: String, state: Data<&Arc<Mutex<Ledger<Trade>>>>) -> Response {
    let target = signed_target(req);
    let verdict = check_authorization(req.headers(), "POST", &target, &body)
        .and_then(|()| check_order(&body));
    let mut state = state.lock().expect("state");
    state.saw(
        "POST",
        target,
        "native",
        &verdict.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    match verdict {
        Ok(trade) => {
            let code_url = trade.code_url.clone();
            state.trades.insert(trade.out_trade_no.clone(), trade);
            answer(&state, StatusCode::OK, json!({ "code_url": code_url }))
        }
        Err(why) => sign_error(&state, why),
    }
}

fn transaction(trade: &Trade, trade_state: &str) -> Value {
    let mut tx = json!({
        "appid": APPID, "mchid": MCHID, "out_trade_no": trade.out_trade_no,
        "trade_type": "NATIVE", "trade_state": trade_state,
        "trade_state_desc": if trade_state == "SUCCESS" { "支付成功" } else { "订单未支付" },
        "amount": { "total": trade.total, "currency": "CNY" },
    });
    if let (Some(id), Some(at)) = (&trade.transaction_id, trade.paid_at) {
        tx["transaction_id"] = json!(id);
        tx["success_time"] = json!(beijing(at));
        tx["bank_type"] = json!("OTHERS");
        tx["payer"] = json!({ "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" });
        tx["amount"] = json!({ "total": trade.total, "payer_total": trade.total,
            "currency": "CNY", "payer_currency": "CNY" });
    }
    tx
}

#[handler]
async fn query(
    req: &Request,
    Path(no): Path<String>,
    state: Data<&Arc<Mutex<Ledger<Trade>>>>,
) -> Response {
    let target = signed_target(req);
    let verdict = check_authorization(req.headers(), "GET", &target, "").and_then(|()| {
        (req.uri().query() == Some(&format!("mchid={MCHID}")))
            .then_some(())
            .ok_or_else(|| "the query names no mchid of ours".to_owned())
    });
    let mut state = state.lock().expect("state");
    state.saw("GET", target, "query", &verdict);
    if let Err(why) = verdict {
        return sign_error(&state, why);
    }
    match state.trades.get(&no) {
        None => order_not_exist(&state),
        Some(trade) => {
            let trade_state = if trade.paid_at.is_some() {
                "SUCCESS"
            } else {
                "NOTPAY"
            };
            let body = transaction(trade, trade_state);
            answer(&state, StatusCode::OK, body)
        }
    }
}

/// `POST /v3/pay/transactions/out-trade-no/{no}/close`: 204, and the order takes no payment.
#[handler]
async fn close(
    req: &Request,
    Path(no): Path<String>,
    body: String,
    state: Data<&Arc<Mutex<Ledger<Trade>>>>,
) -> Response {
    let target = req.uri().path().to_owned();
    let verdict = check_authorization(req.headers(), "POST", &target, &body).and_then(|()| {
        let sent: Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
        (sent["mchid"] == MCHID)
            .then_some(())
            .ok_or_else(|| "the close names no mchid of ours".to_owned())
    });
    let mut state = state.lock().expect("state");
    state.saw("POST", target, "close", &verdict);
    if let Err(why) = verdict {
        return sign_error(&state, why);
    }
    match state.trades.get_mut(&no) {
        Some(trade) if trade.paid_at.is_none() => {
            trade.closed = true;
            Response::builder().status(StatusCode::NO_CONTENT).finish()
        }
        Some(_) => answer(
            &state,
            StatusCode::BAD_REQUEST,
            json!({ "code": "ORDERPAID", "message": "订单已支付" }),
        ),
        None => order_not_exist(&state),
    }
}

impl Fake<Trade> {
    pub async fn start() -> WechatFake {
        Fake::serve(|ledger| {
            Route::new()
                .at("/v3/pay/transactions/native", poem::post(native))
                .at("/v3/pay/transactions/out-trade-no/:no", poem::get(query))
                .at(
                    "/v3/pay/transactions/out-trade-no/:no/close",
                    poem::post(close),
                )
                .data(ledger)
        })
        .await
    }

    /// The settings that point Entitle at this fake.
    pub fn settings(&self) -> WechatPaySettings {
        WechatPaySettings {
            appid: APPID.to_owned(),
            mchid: MCHID.to_owned(),
            private_key: key(Key::WechatMerchant).private_pem.clone().into(),
            serial_no: SERIAL_NO.to_owned(),
            apiv3_key: APIV3_KEY.to_owned().into(),
            public_key: key(Key::WechatPlatform).public_pem.clone(),
            public_key_id: PUBLIC_KEY_ID.to_owned(),
            api_base: self.base_url().to_owned(),
        }
    }

    /// The customer scans the code and pays.
    pub fn pay(&self, out_trade_no: &str) -> Trade {
        let mut state = self.ledger();
        let trade = state
            .trades
            .get_mut(out_trade_no)
            .unwrap_or_else(|| panic!("no order {out_trade_no}: Entitle never opened it"));
        assert!(
            !trade.closed,
            "order {out_trade_no} was closed: the code no longer pays"
        );
        trade.transaction_id = Some(format!("4200{}", nonce(24).to_ascii_lowercase()));
        trade.paid_at = Some(Utc::now());
        trade.clone()
    }

    fn envelope(tx: &Value) -> Vec<u8> {
        let mut resource = encrypt_resource(
            APIV3_KEY,
            &nonce(12),
            "transaction",
            tx.to_string().as_bytes(),
        )
        .expect("encrypt the resource");
        resource.original_type = Some("transaction".to_owned());
        json!({
            "id": uuid::Uuid::new_v4(),
            "create_time": beijing(Utc::now()),
            "event_type": "TRANSACTION.SUCCESS",
            "resource_type": "encrypt-resource",
            "summary": "支付成功",
            "resource": resource,
        })
        .to_string()
        .into_bytes()
    }

    /// The payment callback of a paid order, as WeChat Pay would send it (or forged so).
    pub fn notify_delivery(&self, out_trade_no: &str, forgery: &Forgery) -> Delivery {
        let trade = self
            .trade(out_trade_no)
            .unwrap_or_else(|| panic!("no order {out_trade_no}"));
        assert!(
            trade.paid_at.is_some(),
            "order {out_trade_no} is not paid: pay it first"
        );
        let mut tx = transaction(&trade, "SUCCESS");
        if *forgery == Forgery::MisstatedAmount {
            tx["amount"]["total"] = json!(trade.total + 1);
            tx["amount"]["payer_total"] = json!(trade.total + 1);
        }
        let body = Self::envelope(&tx);
        let now = Utc::now().timestamp();
        let (signer, at, signed_body) = match forgery {
            Forgery::WrongKey => (Key::Intruder, now, body.clone()),
            Forgery::Stale => (Key::WechatPlatform, now - 301, body.clone()),
            Forgery::BadSignature => (Key::WechatPlatform, now, [&body[..], b" "].concat()),
            _ => (Key::WechatPlatform, now, body.clone()),
        };
        let mut headers = signature_headers(signer, at, &signed_body);
        // Changed after signing: the body sent is not the body signed.
        let sent = match forgery {
            Forgery::TamperedAmount => {
                tx["amount"]["total"] = json!(1);
                tx["amount"]["payer_total"] = json!(1);
                Self::envelope(&tx)
            }
            Forgery::TamperedOrder(other) => {
                tx["out_trade_no"] = json!(other);
                Self::envelope(&tx)
            }
            _ => body,
        };
        headers.push(("content-type".to_owned(), "application/json".to_owned()));
        Delivery {
            url: trade.notify_url,
            headers,
            body: sent,
        }
    }

    /// Sends the callback of a paid order: Entitle's answer's status and body.
    pub async fn notify(&self, out_trade_no: &str, forgery: Forgery) -> (u16, String) {
        self.notify_delivery(out_trade_no, &forgery).send().await
    }
}
