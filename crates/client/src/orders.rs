//! Orders (DESIGN.md §3): placed once per `Idempotency-Key`, paid at their checkout.

use entitle_domain::api::{Order, OrderPage, OrderRequest};
use entitle_domain::orders::OrderStatus;
use reqwest::Method;
use uuid::Uuid;

use crate::{Client, ClientError, page_query, spelled};

impl Client {
    /// `POST /v1/accounts/{id}/orders` with an `Idempotency-Key`.
    pub async fn create_order(
        &self,
        account_id: Uuid,
        idempotency_key: &str,
        request: &OrderRequest,
    ) -> Result<Order, ClientError> {
        Self::send(
            self.request(Method::POST, &format!("/v1/accounts/{account_id}/orders"))
                .header("Idempotency-Key", idempotency_key)
                .json(request),
        )
        .await
    }

    /// `GET /v1/orders/{id}`.
    pub async fn get_order(&self, id: Uuid) -> Result<Order, ClientError> {
        self.get(&format!("/v1/orders/{id}")).await
    }

    /// `GET /v1/accounts/{id}/orders`, one page.
    pub async fn list_orders(
        &self,
        account_id: Uuid,
        status: Option<OrderStatus>,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<OrderPage, ClientError> {
        let mut query = page_query(limit, cursor);
        if let Some(status) = status {
            query.push(("status", spelled(&status)));
        }
        self.get_page(&format!("/v1/accounts/{account_id}/orders"), &query)
            .await
    }

    /// `POST /v1/orders/{id}/cancel`.
    pub async fn cancel_order(&self, id: Uuid) -> Result<Order, ClientError> {
        self.post_action(&format!("/v1/orders/{id}/cancel")).await
    }

    /// `POST /v1/orders/{id}/checkout`: a fresh checkout for an order waiting for payment.
    pub async fn reopen_checkout(&self, id: Uuid) -> Result<Order, ClientError> {
        self.post_action(&format!("/v1/orders/{id}/checkout")).await
    }
}
