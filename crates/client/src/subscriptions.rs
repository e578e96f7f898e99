//! Subscriptions (DESIGN.md §4): an account's held products, and whether each renews itself.

use entitle_domain::api::{Subscription, SubscriptionPage, SubscriptionPatch};
use reqwest::Method;
use uuid::Uuid;

use crate::{Client, ClientError, page_query};

impl Client {
    /// `GET /v1/accounts/{id}/subscriptions`, one page.
    pub async fn list_subscriptions(
        &self,
        account_id: Uuid,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<SubscriptionPage, ClientError> {
        self.get_page(
            &format!("/v1/accounts/{account_id}/subscriptions"),
            &page_query(limit, cursor),
        )
        .await
    }

    /// `GET /v1/subscriptions/{id}`.
    pub async fn get_subscription(&self, id: Uuid) -> Result<Subscription, ClientError> {
        self.get(&format!("/v1/subscriptions/{id}")).await
    }

    /// `PATCH /v1/subscriptions/{id}`: turn auto-renew on or off.
    pub async fn set_auto_renew(
        &self,
        id: Uuid,
        auto_renew: bool,
    ) -> Result<Subscription, ClientError> {
        Self::send(
            self.request(Method::PATCH, &format!("/v1/subscriptions/{id}"))
                .json(&SubscriptionPatch { auto_renew }),
        )
        .await
    }
}
