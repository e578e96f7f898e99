//! Outbound webhooks (DESIGN.md §4): the endpoints events are signed and sent to, and the
//! deliveries made.

use entitle_domain::api::{
    WebhookDeliveryPage, WebhookEndpoint, WebhookEndpointInput, WebhookEndpointList,
};

use crate::{Client, ClientError, page_query};

impl Client {
    /// `POST /v1/admin/webhook-endpoints` (admin).
    pub async fn create_webhook_endpoint(
        &self,
        endpoint: &WebhookEndpointInput,
    ) -> Result<WebhookEndpoint, ClientError> {
        self.post("/v1/admin/webhook-endpoints", endpoint).await
    }

    /// `GET /v1/admin/webhook-endpoints` (admin): every endpoint, oldest first.
    pub async fn list_webhook_endpoints(&self) -> Result<WebhookEndpointList, ClientError> {
        self.get("/v1/admin/webhook-endpoints").await
    }

    /// `GET /v1/admin/webhook-deliveries` (admin), one page.
    pub async fn list_webhook_deliveries(
        &self,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<WebhookDeliveryPage, ClientError> {
        self.get_page("/v1/admin/webhook-deliveries", &page_query(limit, cursor))
            .await
    }
}
