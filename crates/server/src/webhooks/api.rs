//! `/v1/admin/webhook-endpoints` and `/v1/admin/webhook-deliveries`.

use entitle_domain::api::{
    WebhookDeliveryPage, WebhookEndpoint, WebhookEndpointInput, WebhookEndpointList,
};
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi, Tags};
use uuid::Uuid;

use crate::auth::ApiKey;
use crate::pagination::PageRequest;
use crate::problem::{Refused, can};
use crate::state::AppState;

#[derive(Tags)]
enum WebhookTags {
    /// Outbound webhooks: signed, at least once, every attempt visible.
    Webhooks,
}

#[derive(ApiResponse)]
enum EndpointCreated {
    /// Registered; events from now on are delivered to it.
    #[oai(status = 201)]
    Created(
        Json<WebhookEndpoint>,
        /// Where the new endpoint is listed: `/v1/admin/webhook-endpoints`.
        #[oai(header = "Location")]
        String,
    ),
}

pub struct WebhooksApi;

#[OpenApi(
    tag = "WebhookTags::Webhooks",
    response_header(
        name = "X-Request-Id",
        ty = "String",
        description = "The request's id, as in the server's log: the caller's own when it sent a sane one"
    )
)]
impl WebhooksApi {
    /// Register a webhook endpoint (admin).
    #[oai(
        path = "/v1/admin/webhook-endpoints",
        method = "post",
        operation_id = "create_webhook_endpoint"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        body: Json<WebhookEndpointInput>,
    ) -> Result<EndpointCreated, Refused<{ can::ADMIN | can::BODY }>> {
        let endpoint = super::register(&state.db, state.clock.as_ref(), principal, body.0).await?;
        Ok(EndpointCreated::Created(
            Json(endpoint),
            "/v1/admin/webhook-endpoints".to_owned(),
        ))
    }

    /// List webhook endpoints (admin).
    #[oai(
        path = "/v1/admin/webhook-endpoints",
        method = "get",
        operation_id = "list_webhook_endpoints"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
    ) -> Result<Json<WebhookEndpointList>, Refused<{ can::ADMIN }>> {
        Ok(Json(WebhookEndpointList {
            items: super::endpoints(&state.db, principal).await?,
        }))
    }

    /// List webhook deliveries (admin).
    ///
    /// With every attempt, oldest first.
    #[oai(
        path = "/v1/admin/webhook-deliveries",
        method = "get",
        operation_id = "list_webhook_deliveries"
    )]
    async fn deliveries(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// Items per page, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<Uuid>>,
    ) -> Result<Json<WebhookDeliveryPage>, Refused<{ can::ADMIN | can::LIST }>> {
        let page = PageRequest::parse(limit.0, cursor.0)?;
        Ok(Json(super::deliveries(&state.db, principal, page).await?))
    }
}
