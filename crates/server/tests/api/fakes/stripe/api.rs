//! The Stripe fake's HTTP side: the routes, the API key, idempotency, Stripe's error objects,
//! and the hosted page. What each call does is in `calls.rs`.

use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Endpoint, EndpointExt, Request, Response, Route, handler};
use serde_json::{Value, json};

use super::calls;
use super::checks::{self, Invalid};
use super::{Locked, SECRET_KEY, Shared, Stored};
use crate::fakes::nonce;

pub(super) fn routes(shared: Shared) -> impl Endpoint + 'static {
    Route::new()
        .at(
            "/v1/checkout/sessions",
            poem::post(Api("checkout.sessions.create", calls::create_session)),
        )
        .at(
            "/v1/checkout/sessions/:id",
            poem::get(Api("checkout.sessions.retrieve", calls::retrieve_session)),
        )
        .at(
            "/v1/checkout/sessions/:id/expire",
            poem::post(Api("checkout.sessions.expire", calls::expire_session)),
        )
        .at(
            "/v1/payment_intents",
            poem::post(Api("payment_intents.create", calls::create_intent)),
        )
        .at(
            "/v1/payment_intents/:id",
            poem::get(Api("payment_intents.retrieve", calls::retrieve_intent)),
        )
        .at("/pay/:id", poem::get(hosted_page))
        .data(shared)
}

/// A call's parameters (the form of a POST, the query of a GET), the id in its path, and the
/// idempotency key of a POST.
pub(super) struct Ctx {
    pub params: Vec<(String, String)>,
    pub id: String,
    pub key: String,
}

/// What a call answers, and the verdict on it.
pub(super) struct Outcome {
    pub status: StatusCode,
    pub body: Value,
    pub verdict: Result<(), String>,
    pub replayed: bool,
}

impl Outcome {
    pub(super) fn ok(body: Value) -> Outcome {
        Outcome {
            status: StatusCode::OK,
            body,
            verdict: Ok(()),
            replayed: false,
        }
    }

    /// Stripe's error object; the verdict is `Err`.
    fn error(
        status: StatusCode,
        kind: &str,
        code: Option<&str>,
        param: Option<&str>,
        message: String,
    ) -> Outcome {
        let why = match param {
            Some(param) => format!("{param}: {message}"),
            None => message.clone(),
        };
        let mut error = json!({ "type": kind, "message": message });
        if let Some(code) = code {
            error["code"] = json!(code);
        }
        if let Some(param) = param {
            error["param"] = json!(param);
        }
        Outcome {
            status,
            body: json!({ "error": error }),
            verdict: Err(why),
            replayed: false,
        }
    }

    pub(super) fn invalid(param: Option<&str>, message: String) -> Outcome {
        Outcome::error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            None,
            param,
            message,
        )
    }

    fn respond(self) -> Response {
        let mut response = Response::builder()
            .status(self.status)
            .content_type("application/json")
            .header("Request-Id", format!("req_{}", nonce(14)));
        if self.replayed {
            response = response.header("Idempotent-Replayed", "true");
        }
        response.body(self.body.to_string())
    }
}

impl From<Invalid> for Outcome {
    fn from(invalid: Invalid) -> Outcome {
        Outcome::error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            invalid.code,
            invalid.param.as_deref(),
            invalid.message,
        )
    }
}

/// A `resource_missing` answer about the `object` `id`.
pub(super) fn missing(object: &str, id: &str) -> Outcome {
    Outcome::error(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        Some("resource_missing"),
        Some("id"),
        format!("No such {object}: '{id}'"),
    )
}

/// What a call does once its key, form and idempotency are checked.
type Work = fn(&mut Locked<'_>, &Ctx) -> Outcome;

/// Serves one `/v1` call: checks it, answers it, and records it with the verdict.
fn call(
    shared: &Shared,
    req: &Request,
    body: &[u8],
    api: &str,
    id: String,
    work: Work,
) -> Response {
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let mut locked = shared.lock();
    let outcome = answer(&mut locked, req, body, id, work);
    locked
        .ledger
        .saw(req.method().as_str(), target, api, &outcome.verdict);
    outcome.respond()
}

fn authorize(req: &Request) -> Result<(), Outcome> {
    let message = match req.header("authorization") {
        Some(header) if header.strip_prefix("Bearer ") == Some(SECRET_KEY) => return Ok(()),
        Some(_) => "Invalid API Key provided.".to_owned(),
        None => "You did not provide an API key. You need to provide your API key in the \
                 Authorization header, using Bearer auth (e.g. 'Authorization: Bearer \
                 YOUR_SECRET_KEY')."
            .to_owned(),
    };
    Err(Outcome::error(
        StatusCode::UNAUTHORIZED,
        "invalid_request_error",
        None,
        None,
        message,
    ))
}

fn answer(locked: &mut Locked<'_>, req: &Request, body: &[u8], id: String, work: Work) -> Outcome {
    if let Err(refused) = authorize(req) {
        return refused;
    }
    if req.method().as_str() != "POST" {
        let query = req.uri().query().unwrap_or_default();
        return match checks::parse_pairs(query.as_bytes()) {
            Ok(params) => work(
                locked,
                &Ctx {
                    params,
                    id,
                    key: String::new(),
                },
            ),
            Err(invalid) => invalid.into(),
        };
    }
    let content_type = req.header("content-type").unwrap_or_default();
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Outcome::invalid(
            None,
            format!("Stripe takes a form-encoded body, not {content_type:?}"),
        );
    }
    let params = match checks::parse_pairs(body) {
        Ok(params) => params,
        Err(invalid) => return invalid.into(),
    };
    let Some(key) = req
        .header("idempotency-key")
        .filter(|k| !k.trim().is_empty())
        .map(str::to_owned)
    else {
        return Outcome::invalid(
            None,
            "The fake wants an Idempotency-Key header on every POST".to_owned(),
        );
    };
    let mut sorted = params.clone();
    sorted.sort();
    let path = req.uri().path().to_owned();
    if let Some(stored) = locked.books.idempotency.get(&key).cloned() {
        if stored.path != path || stored.params != sorted {
            return Outcome::error(
                StatusCode::BAD_REQUEST,
                "idempotency_error",
                None,
                None,
                format!(
                    "Keys for idempotent requests can only be used with the same parameters \
                     they were first used with. Try using a key other than '{key}' if you \
                     meant to execute a different request."
                ),
            );
        }
        for charge in locked
            .books
            .charges
            .iter_mut()
            .filter(|c| c.idempotency_key == key)
        {
            charge.requests += 1;
        }
        return Outcome {
            status: stored.status,
            body: stored.body,
            verdict: Ok(()),
            replayed: true,
        };
    }
    let outcome = work(
        locked,
        &Ctx {
            params,
            id,
            key: key.clone(),
        },
    );
    // Stripe keeps the answers of calls that ran (a declined card's too), not of refused ones.
    if outcome.status.is_success() || outcome.status == StatusCode::PAYMENT_REQUIRED {
        let stored = Stored {
            path,
            params: sorted,
            status: outcome.status,
            body: outcome.body.clone(),
        };
        locked.books.idempotency.insert(key, stored);
    }
    outcome
}

/// One of Stripe's calls: its name as Stripe's request log says it, and what it does.
struct Api(&'static str, Work);

impl Endpoint for Api {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let body = req.take_body().into_vec().await?;
        let id = req.raw_path_param("id").unwrap_or_default().to_owned();
        let shared = req
            .data::<Shared>()
            .ok_or_else(|| poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR))?;
        Ok(call(shared, &req, &body, self.0, id, self.1))
    }
}

/// `$12.34 USD`.
fn money(cents: i64, currency: &str) -> String {
    format!(
        "${}.{:02} {}",
        cents / 100,
        cents % 100,
        currency.to_ascii_uppercase()
    )
}

/// `GET /pay/{id}`: the hosted page, as a browser sees it (not recorded as a call: it is not
/// Entitle's).
#[handler]
async fn hosted_page(Path(id): Path<String>, shared: Data<&Shared>) -> Response {
    let locked = shared.0.lock();
    let (status, html) = match locked.ledger.trades.get(&id) {
        None => (
            StatusCode::NOT_FOUND,
            "<h1>Something went wrong</h1><p>The page you were looking for could not be found.</p>"
                .to_owned(),
        ),
        Some(session) => {
            let lines: Vec<String> = session
                .line_items
                .iter()
                .map(|item| {
                    format!(
                        "<li>{} × {} — {}</li>",
                        html_escape::encode_text(&item.name),
                        item.quantity,
                        money(item.unit_amount, &item.currency)
                    )
                })
                .collect();
            let state = match session.status.as_str() {
                "open" => "<button>Pay</button>",
                "complete" => "<p>Paid. Thank you!</p>",
                _ => "<p>This Checkout Session is no longer active.</p>",
            };
            let html = format!(
                "<!doctype html><title>Stripe Checkout (fake)</title>\
                 <h1>Pay {}</h1><ul>{}</ul>{state}",
                money(session.amount_total, &session.currency),
                lines.join("")
            );
            (StatusCode::OK, html)
        }
    };
    Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .body(html)
}
