//! Accounts (`/v1/accounts`, `/v1/me`): who holds subscriptions, and who a key belongs to.

use entitle_domain::api::{
    Account, AccountInput, AccountOverviewPage, AccountPage, AccountSummary, AccountUpdate, WhoAmI,
};
use uuid::Uuid;

use crate::{Client, ClientError, page_query};

impl Client {
    /// `POST /v1/accounts` (admin).
    pub async fn create_account(&self, account: &AccountInput) -> Result<Account, ClientError> {
        self.post("/v1/accounts", account).await
    }

    /// `PATCH /v1/accounts/{id}`: the billing contact and its language.
    pub async fn update_account(
        &self,
        id: Uuid,
        update: &AccountUpdate,
    ) -> Result<Account, ClientError> {
        self.patch(&format!("/v1/accounts/{id}"), update).await
    }

    /// `GET /v1/accounts` (admin), one page.
    pub async fn list_accounts(
        &self,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<AccountPage, ClientError> {
        self.get_page("/v1/accounts", &page_query(limit, cursor))
            .await
    }

    /// `GET /v1/admin/accounts` (admin), one page: `q` finds by whole id or part of the name;
    /// each with its live subscriptions and unpaid orders.
    pub async fn find_accounts(
        &self,
        q: Option<&str>,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<AccountOverviewPage, ClientError> {
        let mut query = page_query(limit, cursor);
        if let Some(q) = q {
            query.push(("q", q.to_owned()));
        }
        self.get_page("/v1/admin/accounts", &query).await
    }

    /// `GET /v1/accounts/{id}`.
    pub async fn get_account(&self, id: Uuid) -> Result<Account, ClientError> {
        self.get(&format!("/v1/accounts/{id}")).await
    }

    /// `GET /v1/accounts/{id}/summary`.
    pub async fn account_summary(&self, id: Uuid) -> Result<AccountSummary, ClientError> {
        self.get(&format!("/v1/accounts/{id}/summary")).await
    }

    /// `GET /v1/me`: who this client's key belongs to.
    pub async fn who_am_i(&self) -> Result<WhoAmI, ClientError> {
        self.get("/v1/me").await
    }
}
