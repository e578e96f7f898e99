//! `/v1/accounts`: HTTP in, service call, HTTP out.

use entitle_domain::account::KeyRole;
use entitle_domain::api::{
    Account, AccountInput, AccountOverviewPage, AccountPage, AccountSummary, AccountUpdate,
    ApiKeyInput, ApiKeyList, ApiKeyView, CreatedApiKey, WhoAmI,
};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi, Tags};
use uuid::Uuid;

use super::{keys, service};
use crate::auth::{ApiKey, Role};
use crate::pagination::PageRequest;
use crate::problem::{Refused, can};
use crate::state::AppState;

#[derive(Tags)]
enum AccountTags {
    /// Customers, their API keys, and the vendor's stored admin keys.
    Accounts,
}

#[derive(ApiResponse)]
enum AccountCreated {
    /// Registered.
    #[oai(status = 201)]
    Created(
        Json<Account>,
        /// Where the new account is read: `/v1/accounts/{id}`.
        #[oai(header = "Location")]
        String,
    ),
}

#[derive(ApiResponse)]
enum ApiKeyCreated {
    /// Created; `key` is shown this once.
    #[oai(status = 201)]
    Created(
        Json<CreatedApiKey>,
        /// Where the new key is listed: `/v1/accounts/{id}/api-keys`, or `/v1/admin/api-keys` for an admin's.
        #[oai(header = "Location")]
        String,
    ),
}

pub struct AccountsApi;

#[OpenApi(
    tag = "AccountTags::Accounts",
    response_header(
        name = "X-Request-Id",
        ty = "String",
        description = "The request's id, as in the server's log: the caller's own when it sent a sane one"
    )
)]
impl AccountsApi {
    /// Who this key belongs to.
    ///
    /// An admin, or an account (and which); `sandbox` says whether the server runs in test
    /// mode.
    #[oai(path = "/v1/me", method = "get", operation_id = "who_am_i")]
    async fn me(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
    ) -> Result<Json<WhoAmI>, Refused<{ can::KEYED }>> {
        let sandbox = state.config.sandbox;
        Ok(Json(match principal.role {
            Role::Admin => WhoAmI {
                role: KeyRole::Admin,
                account_id: None.into(),
                sandbox,
            },
            Role::Account(id) => WhoAmI {
                role: KeyRole::Account,
                account_id: Some(id).into(),
                sandbox,
            },
        }))
    }

    /// Register an account (admin).
    ///
    /// Kind and region never change afterwards.
    #[oai(
        path = "/v1/accounts",
        method = "post",
        operation_id = "create_account"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        body: Json<AccountInput>,
    ) -> Result<AccountCreated, Refused<{ can::ADMIN | can::BODY }>> {
        let account = service::create(&state.db, state.clock.as_ref(), principal, body.0).await?;
        let location = format!("/v1/accounts/{}", account.id);
        Ok(AccountCreated::Created(Json(account.view()), location))
    }

    /// List accounts (admin).
    ///
    /// Oldest first.
    #[oai(path = "/v1/accounts", method = "get", operation_id = "list_accounts")]
    async fn list(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// Items per page, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<Uuid>>,
    ) -> Result<Json<AccountPage>, Refused<{ can::ADMIN | can::LIST }>> {
        let page = PageRequest::parse(limit.0, cursor.0)?;
        Ok(Json(service::list(&state.db, principal, page).await?))
    }

    /// Find accounts (admin).
    ///
    /// Oldest first, each with its live subscriptions and unpaid orders; `q` finds an account
    /// by its whole id or by part of its name, in any case.
    #[oai(
        path = "/v1/admin/accounts",
        method = "get",
        operation_id = "list_account_overviews"
    )]
    async fn overviews(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// An account's id, or part of its name.
        #[oai(validator(max_length = 200))]
        q: Query<Option<String>>,
        /// Items per page, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<Uuid>>,
    ) -> Result<Json<AccountOverviewPage>, Refused<{ can::ADMIN | can::LIST | can::UNPROCESSABLE }>>
    {
        let page = PageRequest::parse(limit.0, cursor.0)?;
        Ok(Json(
            super::overview::list(&state.db, principal, q.0.as_deref(), page).await?,
        ))
    }

    /// Get an account.
    ///
    /// Admin, or the account's own key.
    #[oai(
        path = "/v1/accounts/:id",
        method = "get",
        operation_id = "get_account"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The account's id.
        id: Path<Uuid>,
    ) -> Result<Json<Account>, Refused<{ can::ONE }>> {
        Ok(Json(
            service::load(&state.db, principal, id.0).await?.view(),
        ))
    }

    /// Change the billing contact.
    ///
    /// The email address receipts, renewals due, reminders and invoices go to, and the
    /// language they are written in (by default the region's). The account's own key, or an
    /// admin's; fields left out stay as they are.
    #[oai(
        path = "/v1/accounts/:id",
        method = "patch",
        operation_id = "update_account"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The account's id.
        id: Path<Uuid>,
        body: Json<AccountUpdate>,
    ) -> Result<Json<Account>, Refused<{ can::ONE | can::BODY }>> {
        Ok(Json(
            service::update(&state.db, state.clock.as_ref(), principal, id.0, body.0)
                .await?
                .view(),
        ))
    }

    /// The account at a glance.
    ///
    /// Active licenses per product, licenses expiring within 30 days, unpaid orders.
    #[oai(
        path = "/v1/accounts/:id/summary",
        method = "get",
        operation_id = "get_account_summary"
    )]
    async fn summary(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The account's id.
        id: Path<Uuid>,
    ) -> Result<Json<AccountSummary>, Refused<{ can::ONE }>> {
        Ok(Json(
            service::summary(&state.db, state.clock.as_ref(), principal, id.0).await?,
        ))
    }

    /// Create an account's API key (admin).
    ///
    /// The answer holds the key, shown this once.
    #[oai(
        path = "/v1/accounts/:id/api-keys",
        method = "post",
        operation_id = "create_api_key"
    )]
    async fn create_api_key(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The account's id.
        id: Path<Uuid>,
        body: Json<ApiKeyInput>,
    ) -> Result<ApiKeyCreated, Refused<{ can::ONE | can::FORBIDDEN | can::BODY }>> {
        let key =
            keys::create_for_account(&state.db, state.clock.as_ref(), principal, id.0, body.0)
                .await?;
        let location = key.listed_at();
        Ok(ApiKeyCreated::Created(Json(key), location))
    }

    /// List an account's API keys.
    ///
    /// By prefix, never their secrets (admin, or the account).
    #[oai(
        path = "/v1/accounts/:id/api-keys",
        method = "get",
        operation_id = "list_api_keys"
    )]
    async fn list_api_keys(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The account's id.
        id: Path<Uuid>,
    ) -> Result<Json<ApiKeyList>, Refused<{ can::ONE }>> {
        Ok(Json(
            keys::list_for_account(&state.db, principal, id.0).await?,
        ))
    }

    /// Create a stored admin key (admin).
    ///
    /// The answer holds the key, shown this once. Unlike the bootstrap key it can be rotated
    /// and revoked, and the audit log names it: once one exists, retire the bootstrap key.
    #[oai(
        path = "/v1/admin/api-keys",
        method = "post",
        operation_id = "create_admin_api_key"
    )]
    async fn create_admin_api_key(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        body: Json<ApiKeyInput>,
    ) -> Result<ApiKeyCreated, Refused<{ can::ADMIN | can::BODY }>> {
        let key = keys::create_admin(&state.db, state.clock.as_ref(), principal, body.0).await?;
        let location = key.listed_at();
        Ok(ApiKeyCreated::Created(Json(key), location))
    }

    /// List the stored admin keys (admin).
    ///
    /// By prefix, never their secrets.
    #[oai(
        path = "/v1/admin/api-keys",
        method = "get",
        operation_id = "list_admin_api_keys"
    )]
    async fn list_admin_api_keys(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
    ) -> Result<Json<ApiKeyList>, Refused<{ can::ADMIN }>> {
        Ok(Json(keys::list_admin(&state.db, principal).await?))
    }

    /// Rotate an API key.
    ///
    /// An account's, or an admin key: a new secret, shown once; the old key stops working at
    /// once.
    #[oai(
        path = "/v1/api-keys/:id/rotate",
        method = "post",
        operation_id = "rotate_api_key"
    )]
    async fn rotate_api_key(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The API key's id.
        id: Path<Uuid>,
    ) -> Result<ApiKeyCreated, Refused<{ can::ONE | can::CONFLICT }>> {
        let key = keys::rotate(
            &state.db,
            state.clock.as_ref(),
            &state.verified_keys,
            principal,
            id.0,
        )
        .await?;
        let location = key.listed_at();
        Ok(ApiKeyCreated::Created(Json(key), location))
    }

    /// Revoke an API key.
    ///
    /// An account's, or an admin key: it stops working at once.
    #[oai(
        path = "/v1/api-keys/:id/revoke",
        method = "post",
        operation_id = "revoke_api_key"
    )]
    async fn revoke_api_key(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The API key's id.
        id: Path<Uuid>,
    ) -> Result<Json<ApiKeyView>, Refused<{ can::ONE | can::CONFLICT }>> {
        Ok(Json(
            keys::revoke(
                &state.db,
                state.clock.as_ref(),
                &state.verified_keys,
                principal,
                id.0,
            )
            .await?,
        ))
    }
}
