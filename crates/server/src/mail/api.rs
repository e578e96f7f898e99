//! `/v1/accounts/{id}/messages`, `/v1/admin/messages/{id}/resend`, and the pay link
//! `/mail/pay/{message}` (a plain page, not an API operation: a customer's browser opens it
//! from an email, with no key).

use entitle_domain::api::{Message, MessagePage};
use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{IntoResponse, Response, handler};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{OpenApi, Tags};
use uuid::Uuid;

use crate::auth::ApiKey;
use crate::orders::{checkout, store as orders};
use crate::pagination::PageRequest;
use crate::payments::pay_page;
use crate::problem::{Refused, can};
use crate::state::AppState;

#[derive(Tags)]
enum MessageTags {
    /// Emails to an account's billing contact: receipts, renewals, reminders, invoices.
    Messages,
}

pub struct MessagesApi;

#[OpenApi(tag = "MessageTags::Messages")]
impl MessagesApi {
    /// List an account's messages, oldest first.
    ///
    /// What was sent to its billing contact (or is waiting, or failed): kind, subject, to,
    /// status, attempts, when it was sent.
    #[oai(
        path = "/v1/accounts/:id/messages",
        method = "get",
        operation_id = "list_messages"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The account's id.
        id: Path<Uuid>,
        /// Items per page, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<Uuid>>,
    ) -> Result<Json<MessagePage>, Refused<{ can::ONE | can::LIST }>> {
        let page = PageRequest::parse(limit.0, cursor.0)?;
        Ok(Json(
            super::service::list(&state.db, principal, id.0, page).await?,
        ))
    }

    /// Send a message again (admin).
    ///
    /// A failed (or kept) message waits to be sent from now, its attempts counted afresh,
    /// under the same `Message-ID`.
    #[oai(
        path = "/v1/admin/messages/:id/resend",
        method = "post",
        operation_id = "resend_message"
    )]
    async fn resend(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The message's id.
        id: Path<Uuid>,
    ) -> Result<Json<Message>, Refused<{ can::ADMIN | can::NOT_FOUND | can::BAD_REQUEST }>> {
        Ok(Json(
            super::service::resend(&state.db, state.clock.as_ref(), principal, id.0).await?,
        ))
    }
}

/// A message's pay link: a fresh checkout of its order (never the expired one the email was
/// written with), or the order's state when there is nothing left to pay.
#[handler]
pub async fn pay(state: Data<&AppState>, poem::web::Path(id): poem::web::Path<Uuid>) -> Response {
    let (order_id, waiting) = match super::service::order_to_pay(&state.db, id).await {
        Ok(found) => found,
        Err(_) => {
            return pay_page::message(
                StatusCode::NOT_FOUND,
                "Link not found",
                "This pay link names nothing to pay.",
            );
        }
    };
    if let Some(row) = waiting {
        match checkout::fresh_for_link(
            &state.db,
            state.clock.as_ref(),
            &state.config,
            &state.payments,
            &row,
        )
        .await
        {
            Ok(url) => {
                return Response::builder()
                    .status(StatusCode::SEE_OTHER)
                    .header(header::LOCATION, url)
                    .finish();
            }
            Err(err) => {
                tracing::warn!(order = %order_id, error = %err, "a pay link could not open a checkout");
                return pay_page::message(
                    StatusCode::BAD_GATEWAY,
                    "Payment unavailable",
                    "The payment provider could not be reached; try again shortly.",
                );
            }
        }
    }
    match orders::load_view(&state.db, order_id).await {
        Ok(order) => pay_page::outcome(&order),
        Err(_) => pay_page::message(StatusCode::NOT_FOUND, "Order not found", "No such order."),
    }
    .into_response()
}
