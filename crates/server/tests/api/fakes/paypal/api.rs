//! The routes; the OAuth token grant and the bearer check; the buyer's pages on PayPal; the
//! signing certificate.

use std::sync::Arc;

use chrono::{TimeDelta, Utc};
use poem::http::{Method, StatusCode};
use poem::web::{Data, Path};
use poem::{Endpoint, EndpointExt, Request, Response, Route, handler};
use serde_json::json;

use super::{
    APP_ID, CERT_NAME, CLIENT_ID, CLIENT_SECRET, Orders, Outcome, Refusal, Shared, State,
    approve_order, certificate, lock_both, orders, respond, target, time, webhooks,
};
use crate::fakes::nonce;

/// The fake's routes, on its ledger and state; every `GET` path is noted as it arrives.
pub(super) fn routes(ledger: Orders, shared: Shared) -> impl Endpoint + 'static {
    let fetches = Arc::clone(&shared);
    Route::new()
        .at("/v1/oauth2/token", poem::post(post_token))
        .at("/v2/checkout/orders", poem::post(orders::post_order))
        .at("/v2/checkout/orders/:id", poem::get(orders::get_order))
        .at(
            "/v2/checkout/orders/:id/capture",
            poem::post(orders::post_capture),
        )
        .at(
            "/v1/notifications/verify-webhook-signature",
            poem::post(webhooks::post_verify),
        )
        .at("/checkoutnow", poem::get(get_checkout))
        .at("/checkoutnow/approve", poem::get(get_approve))
        .at("/certs/:name", poem::get(get_cert))
        .at("/elsewhere/:name", poem::get(get_cert))
        .data(ledger)
        .data(shared)
        .around(move |ep, req| {
            if *req.method() == Method::GET {
                let mut state = fetches.lock().expect("the PayPal fake's state");
                state.fetches.push(req.uri().path().to_owned());
            }
            async move { ep.call(req).await }
        })
}

/// Standard base64 with padding (written here, so the fake checks Entitle's own encoding).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `POST /v1/oauth2/token`: the client credentials grant.
fn grant(req: &Request, body: &[u8], state: &mut State) -> Outcome {
    let expected = base64(format!("{CLIENT_ID}:{CLIENT_SECRET}").as_bytes());
    let header = req.header("authorization").unwrap_or_default();
    let credentials = header
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, credentials)| credentials.trim());
    if credentials != Some(expected.as_str()) {
        return Err(Refusal {
            status: StatusCode::UNAUTHORIZED,
            body: json!({
                "error": "invalid_client",
                "error_description": "Client Authentication failed",
            }),
            why: format!("Authorization {header:?} is not Basic base64(client_id:client_secret)"),
        });
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let content_type = req.content_type().unwrap_or_default();
    let is_grant = matches!(form.as_slice(),
        [(name, value)] if name == "grant_type" && value == "client_credentials");
    if !is_grant || !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(Refusal {
            status: StatusCode::BAD_REQUEST,
            body: json!({
                "error": "unsupported_grant_type",
                "error_description": "Grant Type is NULL",
            }),
            why: format!(
                "body {:?} ({content_type}) is not the form grant_type=client_credentials",
                String::from_utf8_lossy(body)
            ),
        });
    }
    let token = format!("A21AA{}", nonce(94));
    let lifetime = state.token_lifetime;
    state
        .tokens
        .insert(token.clone(), Utc::now() + TimeDelta::seconds(lifetime));
    state.tokens_issued += 1;
    Ok((
        StatusCode::OK,
        json!({
            "scope": "https://uri.paypal.com/services/payments/payment/authcapture \
                https://uri.paypal.com/services/payments/refund \
                https://uri.paypal.com/services/vault/payment-tokens/readwrite openid",
            "access_token": token,
            "token_type": "Bearer",
            "app_id": APP_ID,
            "expires_in": lifetime,
            "nonce": format!("{}{}", time(Utc::now()), nonce(43)),
        }),
    ))
}

#[handler]
async fn post_token(
    req: &Request,
    body: Vec<u8>,
    Data(orders): Data<&Orders>,
    Data(shared): Data<&Shared>,
) -> Response {
    let (mut ledger, mut state) = lock_both(orders, shared);
    let outcome = grant(req, &body, &mut state);
    respond(&mut ledger, "POST", target(req), "oauth2.token", outcome)
}

/// Checks `Authorization: Bearer <token>`: one the fake granted, not expired nor revoked.
pub(super) fn bearer(req: &Request, state: &State) -> Result<(), Refusal> {
    let header = req.header("authorization").unwrap_or_default();
    let token = header
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let why = match token.map(|t| state.tokens.get(t)) {
        None => "no Authorization: Bearer header".to_owned(),
        Some(None) => "a bearer token the fake never granted, or revoked".to_owned(),
        Some(Some(expiry)) if *expiry <= Utc::now() => {
            format!("a bearer token that expired at {}", time(*expiry))
        }
        Some(Some(_)) => return Ok(()),
    };
    Err(Refusal {
        status: StatusCode::UNAUTHORIZED,
        body: json!({
            "name": "AUTHENTICATION_FAILURE",
            "message": "Authentication failed due to invalid authentication credentials or a \
                missing Authorization header.",
            "links": [{ "href": "https://developer.paypal.com/api/rest/authentication/",
                "rel": "information_link" }],
            "details": [],
        }),
        why,
    })
}

/// A query parameter, decoded (empty if absent).
fn query(req: &Request, name: &str) -> String {
    form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html(status: StatusCode, page: String) -> Response {
    Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .body(page)
}

/// `GET /checkoutnow?token={order id}`: the buyer's approval page (the `payer-action` link).
#[handler]
async fn get_checkout(req: &Request, Data(orders): Data<&Orders>) -> Response {
    let token = query(req, "token");
    let order = orders
        .lock()
        .expect("the PayPal fake's orders")
        .trades
        .get(&token)
        .cloned();
    match order {
        None => html(
            StatusCode::NOT_FOUND,
            format!("<h1>PayPal (fake)</h1><p>No order {}.</p>", escape(&token)),
        ),
        Some(order) => html(
            StatusCode::OK,
            format!(
                "<!doctype html><title>PayPal (fake)</title><h1>Pay with PayPal (fake)</h1>\
                 <p>Order {id}: ${value} USD</p>\
                 <p><a href=\"/checkoutnow/approve?token={id}\">Pay now</a> \
                 <a href=\"{cancel}\">Cancel and return to the merchant</a></p>",
                id = escape(&order.id),
                value = escape(&order.value),
                cancel = escape(order.cancel_url.as_deref().unwrap_or_default()),
            ),
        ),
    }
}

/// `GET /checkoutnow/approve?token={order id}`: the buyer approves; 302 to the `return_url`.
#[handler]
async fn get_approve(req: &Request, Data(orders): Data<&Orders>) -> Response {
    let token = query(req, "token");
    let approved = approve_order(
        &mut orders.lock().expect("the PayPal fake's orders"),
        &token,
    );
    match approved {
        Ok(url) => Response::builder()
            .status(StatusCode::FOUND)
            .header("location", url)
            .finish(),
        Err(why) => html(StatusCode::BAD_REQUEST, format!("<p>{}</p>", escape(&why))),
    }
}

/// `GET /certs/{name}` and `GET /elsewhere/{name}`: PayPal's signing certificate (PEM).
#[handler]
async fn get_cert(Path(name): Path<String>) -> Response {
    if name != CERT_NAME {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(format!("no certificate {name}"));
    }
    Response::builder()
        .content_type("application/x-pem-file")
        .body(certificate())
}
