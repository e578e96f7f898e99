//! `/v1/accounts/{id}/quotes`: HTTP in, service call, HTTP out.

use entitle_domain::api::{QuoteRequest, QuoteView};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{OpenApi, Tags};
use uuid::Uuid;

use super::service;
use crate::auth::ApiKey;
use crate::problem::{Refused, can};
use crate::state::AppState;

#[derive(Tags)]
enum QuoteTags {
    /// Prices before anything is created.
    Quotes,
}

pub struct QuotesApi;

#[OpenApi(
    tag = "QuoteTags::Quotes",
    response_header(
        name = "X-Request-Id",
        ty = "String",
        description = "The request's id, as in the server's log: the caller's own when it sent a sane one"
    )
)]
impl QuotesApi {
    /// Price a purchase, an upgrade or seats.
    ///
    /// For an account, line by line. Nothing is created.
    #[oai(
        path = "/v1/accounts/:id/quotes",
        method = "post",
        operation_id = "create_quote"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The account's id.
        id: Path<Uuid>,
        body: Json<QuoteRequest>,
    ) -> Result<Json<QuoteView>, Refused<{ can::ONE | can::BODY }>> {
        Ok(Json(
            service::quote(
                &state.db,
                state.clock.as_ref(),
                &state.payments,
                principal,
                id.0,
                &body.0,
            )
            .await?,
        ))
    }
}
