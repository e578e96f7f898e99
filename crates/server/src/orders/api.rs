//! `/v1/orders` and `/v1/accounts/{id}/orders`: HTTP in, service call, HTTP out.

use entitle_domain::api::{Order, OrderPage, OrderRequest};
use entitle_domain::orders::OrderStatus;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi, Tags};
use uuid::Uuid;

use super::service;
use crate::auth::ApiKey;
use crate::pagination::PageRequest;
use crate::problem::{Refused, can};
use crate::state::AppState;

#[derive(Tags)]
enum OrderTags {
    /// Buying: orders, their checkout, their state.
    Orders,
}

#[derive(ApiResponse)]
enum OrderCreated {
    /// The order, in `pending_payment` with its `checkout` (a trial: `paid`, started). A
    /// repeat with the same `Idempotency-Key` and body answers the same order.
    #[oai(status = 201)]
    Created(
        Json<Order>,
        /// Where the new order is read: `/v1/orders/{id}`.
        #[oai(header = "Location")]
        String,
    ),
}

pub struct OrdersApi;

#[OpenApi(
    tag = "OrderTags::Orders",
    response_header(
        name = "X-Request-Id",
        ty = "String",
        description = "The request's id, as in the server's log: the caller's own when it sent a sane one"
    )
)]
impl OrdersApi {
    /// Create an order.
    ///
    /// Priced by the server, paid on the provider's hosted page at `checkout.url`.
    /// `{"type":"trial","product":"premium"}` starts a trial at once.
    #[oai(
        path = "/v1/accounts/:id/orders",
        method = "post",
        operation_id = "create_order"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The account's id.
        id: Path<Uuid>,
        /// Makes the request safe to repeat: the same key and body answer the same order; the
        /// same key with another body is refused with `idempotency_key_reused`.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<String>,
        body: Json<OrderRequest>,
    ) -> Result<OrderCreated, Refused<{ can::ONE | can::BODY | can::CONFLICT | can::BAD_GATEWAY }>>
    {
        let order = service::create(&state, principal, id.0, &idempotency_key.0, &body.0).await?;
        let location = format!("/v1/orders/{}", order.id);
        Ok(OrderCreated::Created(Json(order), location))
    }

    /// List an account's orders.
    ///
    /// Oldest first.
    #[oai(
        path = "/v1/accounts/:id/orders",
        method = "get",
        operation_id = "list_orders"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The account's id.
        id: Path<Uuid>,
        /// Only orders in this status.
        status: Query<Option<OrderStatus>>,
        /// Items per page, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<Uuid>>,
    ) -> Result<Json<OrderPage>, Refused<{ can::ONE | can::LIST }>> {
        let page = PageRequest::parse(limit.0, cursor.0)?;
        Ok(Json(
            service::list(&state.db, principal, id.0, status.0, page).await?,
        ))
    }

    /// Get an order.
    #[oai(path = "/v1/orders/:id", method = "get", operation_id = "get_order")]
    async fn get(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The order's id.
        id: Path<Uuid>,
    ) -> Result<Json<Order>, Refused<{ can::ONE }>> {
        Ok(Json(
            service::get(&state.db, state.clock.as_ref(), principal, id.0).await?,
        ))
    }

    /// Cancel an unpaid order.
    ///
    /// A paid order is final and answers 409 `order_non_refundable`; there is no refund
    /// operation.
    #[oai(
        path = "/v1/orders/:id/cancel",
        method = "post",
        operation_id = "cancel_order"
    )]
    async fn cancel(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The order's id.
        id: Path<Uuid>,
    ) -> Result<Json<Order>, Refused<{ can::ONE | can::CONFLICT | can::BAD_GATEWAY }>> {
        Ok(Json(
            service::cancel(
                &state.db,
                state.clock.as_ref(),
                &state.payments,
                principal,
                id.0,
            )
            .await?,
        ))
    }

    /// Open a fresh checkout for an unpaid order.
    ///
    /// The order with a new `checkout`. Providers' QR codes live minutes while an order (a
    /// pay-to-renew renewal) lives days, so open this whenever the customer is about to pay.
    /// Another state answers 409 (`order_non_refundable` when paid, `order_not_payable`
    /// otherwise); a provider that cannot be reached, 502 `provider_unavailable`.
    #[oai(
        path = "/v1/orders/:id/checkout",
        method = "post",
        operation_id = "reopen_checkout"
    )]
    async fn reopen_checkout(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The order's id.
        id: Path<Uuid>,
    ) -> Result<
        Json<Order>,
        Refused<{ can::ONE | can::CONFLICT | can::UNPROCESSABLE | can::BAD_GATEWAY }>,
    > {
        Ok(Json(
            service::reopen_checkout(
                &state.db,
                state.clock.as_ref(),
                &state.config,
                &state.payments,
                principal,
                id.0,
            )
            .await?,
        ))
    }
}
