//! API keys (DESIGN.md §7): an account's keys and the stored admin keys, issued with their
//! secret shown once, rotated and revoked.

use entitle_domain::api::{ApiKeyInput, ApiKeyList, ApiKeyView, CreatedApiKey};
use uuid::Uuid;

use crate::{Client, ClientError};

impl Client {
    /// `POST /v1/accounts/{id}/api-keys` (admin).
    pub async fn create_api_key(
        &self,
        account_id: Uuid,
        key: &ApiKeyInput,
    ) -> Result<CreatedApiKey, ClientError> {
        self.post(&format!("/v1/accounts/{account_id}/api-keys"), key)
            .await
    }

    /// `GET /v1/accounts/{id}/api-keys`.
    pub async fn list_api_keys(&self, account_id: Uuid) -> Result<ApiKeyList, ClientError> {
        self.get(&format!("/v1/accounts/{account_id}/api-keys"))
            .await
    }

    /// `POST /v1/admin/api-keys`: a stored admin key, its secret shown once.
    pub async fn create_admin_api_key(
        &self,
        key: &ApiKeyInput,
    ) -> Result<CreatedApiKey, ClientError> {
        self.post("/v1/admin/api-keys", key).await
    }

    /// `GET /v1/admin/api-keys`.
    pub async fn list_admin_api_keys(&self) -> Result<ApiKeyList, ClientError> {
        self.get("/v1/admin/api-keys").await
    }

    /// `POST /v1/api-keys/{id}/rotate`: the new secret, shown once.
    pub async fn rotate_api_key(&self, id: Uuid) -> Result<CreatedApiKey, ClientError> {
        self.post_action(&format!("/v1/api-keys/{id}/rotate")).await
    }

    /// `POST /v1/api-keys/{id}/revoke`.
    pub async fn revoke_api_key(&self, id: Uuid) -> Result<ApiKeyView, ClientError> {
        self.post_action(&format!("/v1/api-keys/{id}/revoke")).await
    }
}
