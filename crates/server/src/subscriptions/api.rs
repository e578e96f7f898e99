//! `/v1/subscriptions` and `/v1/accounts/{id}/subscriptions`: HTTP in, service call, HTTP out.

use entitle_domain::api::{Subscription, SubscriptionPage, SubscriptionPatch};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{OpenApi, Tags};
use uuid::Uuid;

use super::service;
use crate::auth::ApiKey;
use crate::pagination::PageRequest;
use crate::problem::{Refused, can};
use crate::state::AppState;

#[derive(Tags)]
enum SubscriptionTags {
    /// Term products held: periods, quantity, auto-renew.
    Subscriptions,
}

pub struct SubscriptionsApi;

#[OpenApi(
    tag = "SubscriptionTags::Subscriptions",
    response_header(
        name = "X-Request-Id",
        ty = "String",
        description = "The request's id, as in the server's log: the caller's own when it sent a sane one"
    )
)]
impl SubscriptionsApi {
    /// List an account's subscriptions.
    ///
    /// Oldest first.
    #[oai(
        path = "/v1/accounts/:id/subscriptions",
        method = "get",
        operation_id = "list_subscriptions"
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
    ) -> Result<Json<SubscriptionPage>, Refused<{ can::ONE | can::LIST }>> {
        let page = PageRequest::parse(limit.0, cursor.0)?;
        Ok(Json(service::list(&state.db, principal, id.0, page).await?))
    }

    /// Get a subscription.
    #[oai(
        path = "/v1/subscriptions/:id",
        method = "get",
        operation_id = "get_subscription"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The subscription's id.
        id: Path<Uuid>,
    ) -> Result<Json<Subscription>, Refused<{ can::ONE }>> {
        Ok(Json(service::get(&state.db, principal, id.0).await?))
    }

    /// Turn auto-renew on or off.
    ///
    /// Off is not a cancellation: the subscription runs to its period's end and then does not
    /// renew.
    #[oai(
        path = "/v1/subscriptions/:id",
        method = "patch",
        operation_id = "update_subscription"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The subscription's id.
        id: Path<Uuid>,
        body: Json<SubscriptionPatch>,
    ) -> Result<Json<Subscription>, Refused<{ can::ONE | can::BODY | can::CONFLICT }>> {
        Ok(Json(
            service::set_auto_renew(
                &state.db,
                state.clock.as_ref(),
                principal,
                id.0,
                body.0.auto_renew,
            )
            .await?,
        ))
    }
}
