//! Licenses (DESIGN.md §3): listed with filters, activated on one host at a time, consumed
//! once.

use chrono::{DateTime, Utc};
use entitle_domain::api::{ActivateLicense, ConsumeLicense, License, LicensePage};
use entitle_domain::licenses::{LicenseSource, LicenseStatus};
use uuid::Uuid;

use crate::{Client, ClientError, page_query, spelled};

/// Which licenses to list.
#[derive(Debug, Clone, Default)]
pub struct LicenseQuery {
    pub product: Option<String>,
    pub status: Option<LicenseStatus>,
    pub source: Option<LicenseSource>,
    pub expiring_before: Option<DateTime<Utc>>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl Client {
    /// `GET /v1/accounts/{id}/licenses`, one page.
    pub async fn list_licenses(
        &self,
        account_id: Uuid,
        filter: &LicenseQuery,
    ) -> Result<LicensePage, ClientError> {
        let mut query = page_query(filter.limit, filter.cursor.as_deref());
        if let Some(product) = &filter.product {
            query.push(("product", product.clone()));
        }
        if let Some(status) = filter.status {
            query.push(("status", spelled(&status)));
        }
        if let Some(source) = filter.source {
            query.push(("source", spelled(&source)));
        }
        if let Some(before) = filter.expiring_before {
            query.push(("expiring_before", before.to_rfc3339()));
        }
        self.get_page(&format!("/v1/accounts/{account_id}/licenses"), &query)
            .await
    }

    /// `GET /v1/licenses/{id}`.
    pub async fn get_license(&self, id: Uuid) -> Result<License, ClientError> {
        self.get(&format!("/v1/licenses/{id}")).await
    }

    /// `POST /v1/licenses/{id}/activate`: on `host`, which stands for the machine (the server
    /// makes its fingerprint from the name); [`Client::activate_machine`] sends a real one.
    pub async fn activate_license(&self, id: Uuid, host: &str) -> Result<License, ClientError> {
        let body = ActivateLicense {
            host: host.to_owned(),
            fingerprint: None,
        };
        self.post(&format!("/v1/licenses/{id}/activate"), &body)
            .await
    }

    /// `POST /v1/licenses/{id}/deactivate`.
    pub async fn deactivate_license(&self, id: Uuid) -> Result<License, ClientError> {
        self.post_action(&format!("/v1/licenses/{id}/deactivate"))
            .await
    }

    /// `POST /v1/licenses/{id}/consume`.
    pub async fn consume_license(&self, id: Uuid, reference: &str) -> Result<License, ClientError> {
        let body = ConsumeLicense {
            reference: reference.to_owned(),
        };
        self.post(&format!("/v1/licenses/{id}/consume"), &body)
            .await
    }
}
