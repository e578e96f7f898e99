//! Quotes (DESIGN.md §3, §5): the server prices what an order would cost; clients never send
//! prices.

use entitle_domain::api::{QuoteRequest, QuoteView};
use uuid::Uuid;

use crate::{Client, ClientError};

impl Client {
    /// `POST /v1/accounts/{id}/quotes`.
    pub async fn quote(
        &self,
        account_id: Uuid,
        request: &QuoteRequest,
    ) -> Result<QuoteView, ClientError> {
        self.post(&format!("/v1/accounts/{account_id}/quotes"), request)
            .await
    }
}
