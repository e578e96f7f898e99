//! Messages to an account's billing contact (`/v1/accounts/{id}/messages`), and an admin's
//! resend.

use entitle_domain::api::{Message, MessagePage};
use uuid::Uuid;

use crate::{Client, ClientError, page_query};

impl Client {
    /// `GET /v1/accounts/{id}/messages`, one page, oldest first.
    pub async fn list_messages(
        &self,
        account_id: Uuid,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<MessagePage, ClientError> {
        self.get_page(
            &format!("/v1/accounts/{account_id}/messages"),
            &page_query(limit, cursor),
        )
        .await
    }

    /// `POST /v1/admin/messages/{id}/resend` (admin).
    pub async fn resend_message(&self, id: Uuid) -> Result<Message, ClientError> {
        self.post_action(&format!("/v1/admin/messages/{id}/resend"))
            .await
    }
}
