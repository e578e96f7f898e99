//! `POST /v2/checkout/orders`, `GET /v2/checkout/orders/{id}` and
//! `POST /v2/checkout/orders/{id}/capture`.

use chrono::Utc;
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Request, Response, handler};
use serde_json::Value;

use super::checks::{Kind, check_create};
use super::types::order_json;
use super::{
    Capture, CaptureOutcome, Order, OrderStatus, Orders, Outcome, Refusal, Replay, Shared, State,
    VaultedCharge, api, lock_both, problem_body, respond, target,
};
use crate::fakes::{Ledger, nonce};

fn request_id(req: &Request) -> Result<String, Refusal> {
    req.header("paypal-request-id")
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            Refusal::invalid(
                "PAYPAL_REQUEST_ID_REQUIRED",
                "no PayPal-Request-Id header".to_owned(),
            )
        })
}

fn not_found(id: &str) -> Refusal {
    Refusal::new(
        StatusCode::NOT_FOUND,
        "RESOURCE_NOT_FOUND",
        "INVALID_RESOURCE_ID",
        format!("no order {id}"),
    )
}

fn create(req: &Request, body: &str, ledger: &mut Ledger<Order>, state: &mut State) -> Outcome {
    api::bearer(req, state)?;
    let request_id = request_id(req)?;
    let content_type = req.content_type().unwrap_or_default();
    if !content_type.starts_with("application/json") {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "UNSUPPORTED_MEDIA_TYPE",
            format!("Content-Type {content_type:?} is not application/json"),
        ));
    }
    let sent: Value = serde_json::from_str(body)
        .map_err(|e| Refusal::invalid("MALFORMED_REQUEST_JSON", e.to_string()))?;
    if let Some(replay) = state.creates.get(&request_id) {
        if replay.body == sent {
            return Ok((replay.status, replay.answer.clone()));
        }
        return Err(Refusal::unprocessable(
            "PAYPAL_REQUEST_ID_PREVIOUSLY_USED",
            format!("PayPal-Request-Id {request_id} was used for another order"),
        ));
    }
    let asked = check_create(&sent)?;
    let now = Utc::now();
    let mut order = Order {
        id: nonce(17).to_ascii_uppercase(),
        request_id: request_id.clone(),
        body: sent.clone(),
        reference_id: asked.reference_id,
        custom_id: asked.custom_id,
        invoice_id: asked.invoice_id,
        value: asked.value,
        return_url: None,
        cancel_url: None,
        vault: false,
        vault_id: None,
        customer_id: None,
        renewal: false,
        status: OrderStatus::PayerActionRequired,
        payer_id: None,
        capture: None,
        create_time: now,
        update_time: now,
    };
    let (status, answer) = match asked.kind {
        Kind::Checkout {
            return_url,
            cancel_url,
            vault,
        } => {
            order.return_url = Some(return_url);
            order.cancel_url = Some(cancel_url);
            order.vault = vault;
            (StatusCode::CREATED, order_json(&order, &state.base))
        }
        Kind::Renewal { vault_id } => {
            let customer = state.vaults.get(&vault_id).cloned().ok_or_else(|| {
                Refusal::unprocessable(
                    "INVALID_RESOURCE_ID",
                    format!("vault_id {vault_id} was never issued by PayPal"),
                )
            })?;
            order.renewal = true;
            order.vault_id = Some(vault_id);
            order.customer_id = Some(customer);
            match state.vaulted {
                VaultedCharge::Decline => {
                    state.declined.push(order.clone());
                    let refused = problem_body(
                        "UNPROCESSABLE_ENTITY",
                        "INSTRUMENT_DECLINED",
                        "The instrument presented was either declined by the processor or bank, \
                         or it can't be used for this payment.",
                    );
                    (StatusCode::UNPROCESSABLE_ENTITY, refused)
                }
                VaultedCharge::Complete => {
                    order.status = OrderStatus::Completed;
                    order.payer_id = Some(nonce(13).to_ascii_uppercase());
                    order.capture = Some(Capture {
                        id: nonce(17).to_ascii_uppercase(),
                        status: CaptureOutcome::Completed,
                        request_id: None,
                        create_time: now,
                        update_time: now,
                    });
                    (StatusCode::CREATED, order_json(&order, &state.base))
                }
            }
        }
    };
    state.creates.insert(
        request_id,
        Replay {
            body: sent,
            status,
            answer: answer.clone(),
        },
    );
    if status.is_success() {
        ledger.trades.insert(order.id.clone(), order);
    }
    Ok((status, answer))
}

#[handler]
pub(super) async fn post_order(
    req: &Request,
    body: String,
    Data(orders): Data<&Orders>,
    Data(shared): Data<&Shared>,
) -> Response {
    let (mut ledger, mut state) = lock_both(orders, shared);
    let outcome = create(req, &body, &mut ledger, &mut state);
    respond(&mut ledger, "POST", target(req), "orders.create", outcome)
}

fn show(req: &Request, id: &str, ledger: &Ledger<Order>, state: &State) -> Outcome {
    api::bearer(req, state)?;
    let order = ledger.trades.get(id).ok_or_else(|| not_found(id))?;
    Ok((StatusCode::OK, order_json(order, &state.base)))
}

#[handler]
pub(super) async fn get_order(
    req: &Request,
    Path(id): Path<String>,
    Data(orders): Data<&Orders>,
    Data(shared): Data<&Shared>,
) -> Response {
    let (mut ledger, state) = lock_both(orders, shared);
    let outcome = show(req, &id, &ledger, &state);
    respond(&mut ledger, "GET", target(req), "orders.get", outcome)
}

fn capture(
    req: &Request,
    id: &str,
    body: &str,
    ledger: &mut Ledger<Order>,
    state: &mut State,
) -> Outcome {
    api::bearer(req, state)?;
    let request_id = request_id(req)?;
    if !body.trim().is_empty() {
        let sent: Value = serde_json::from_str(body)
            .map_err(|e| Refusal::invalid("MALFORMED_REQUEST_JSON", e.to_string()))?;
        if !sent.is_object() {
            return Err(Refusal::invalid(
                "MALFORMED_REQUEST_JSON",
                format!("body {sent} is not an object"),
            ));
        }
    }
    let replay_key = (id.to_owned(), request_id.clone());
    if let Some((status, answer)) = state.captures.get(&replay_key) {
        return Ok((*status, answer.clone()));
    }
    let order = ledger.trades.get_mut(id).ok_or_else(|| not_found(id))?;
    let issue = match order.status {
        OrderStatus::Approved => None,
        OrderStatus::Completed => Some((
            "ORDER_ALREADY_CAPTURED",
            "Order already captured. If 'intent=CAPTURE' only one capture per order is allowed.",
        )),
        OrderStatus::PayerActionRequired => Some((
            "ORDER_NOT_APPROVED",
            "Payer has not yet approved the Order for payment.",
        )),
    };
    if let Some((issue, description)) = issue {
        let refused = problem_body("UNPROCESSABLE_ENTITY", issue, description);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, refused));
    }
    let now = Utc::now();
    let outcome = state.capture;
    order.status = OrderStatus::Completed;
    order.update_time = now;
    order.capture = Some(Capture {
        id: nonce(17).to_ascii_uppercase(),
        status: outcome,
        request_id: Some(request_id),
        create_time: now,
        update_time: now,
    });
    if order.vault && outcome != CaptureOutcome::Declined {
        let vault_id = nonce(8).to_ascii_lowercase();
        let customer = nonce(10);
        state.vaults.insert(vault_id.clone(), customer.clone());
        order.vault_id = Some(vault_id);
        order.customer_id = Some(customer);
    }
    let answer = order_json(order, &state.base);
    state
        .captures
        .insert(replay_key, (StatusCode::CREATED, answer.clone()));
    Ok((StatusCode::CREATED, answer))
}

#[handler]
pub(super) async fn post_capture(
    req: &Request,
    Path(id): Path<String>,
    body: String,
    Data(orders): Data<&Orders>,
    Data(shared): Data<&Shared>,
) -> Response {
    let (mut ledger, mut state) = lock_both(orders, shared);
    let outcome = capture(req, &id, &body, &mut ledger, &mut state);
    respond(&mut ledger, "POST", target(req), "orders.capture", outcome)
}
