//! A typed async client for Entitle's REST API, over the domain's API types: the same structs
//! the server's spec is generated from, so client and server cannot drift apart.
//!
//! ```no_run
//! # async fn demo() -> Result<(), entitle_client::ClientError> {
//! let client = entitle_client::Client::new("http://127.0.0.1:8080", "ent_…")?;
//! let products = client.list_products().await?;
//! # Ok(()) }
//! ```

use std::time::Duration;

use entitle_domain::api::{
    Account, AccountPage, AccountSummary, ActivateLicense, ApiKeyList, ApiKeyView, AuditPage,
    ClockAdvance, ClockView, ConsumeLicense, CreatedApiKey, Invoice, InvoicePage, InvoiceRequest,
    JobList, JobRun, License, LicensePage, NewAccount, NewApiKey, NewWebhookEndpoint, Order,
    OrderPage, OrderRequest, Problem, ProductInput, ProductList, ProductView, QuoteRequest,
    QuoteView, Subscription, SubscriptionPage, SubscriptionPatch, WebhookDeliveryPage,
    WebhookEndpoint, WhoAmI,
};
use entitle_domain::licenses::{LicenseSource, LicenseStatus};
use entitle_domain::orders::OrderStatus;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use thiserror::Error;
use uuid::Uuid;

/// Why a call did not return what was asked.
#[derive(Debug, Error)]
pub enum ClientError {
    /// The server answered with a problem report.
    #[error("{} {}: {}", problem.status, problem.code, problem.detail)]
    Api {
        status: StatusCode,
        problem: Box<Problem>,
    },
    /// The server answered with an error that is not a problem report.
    #[error("HTTP {status}: {body}")]
    Http { status: StatusCode, body: String },
    /// The server could not be reached, or the answer was cut off or unreadable.
    #[error("cannot reach the server: {0}")]
    Transport(#[from] reqwest::Error),
    /// The base URL is not a URL.
    #[error("invalid server URL {0:?}")]
    InvalidUrl(String),
}

impl ClientError {
    /// The problem's stable code, when the server sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api { problem, .. } => Some(&problem.code),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ClientError::Api { status, .. } | ClientError::Http { status, .. } => Some(*status),
            ClientError::Transport(err) => err.status(),
            ClientError::InvalidUrl(_) => None,
        }
    }
}

/// Which licenses to list.
#[derive(Debug, Clone, Default)]
pub struct LicenseQuery {
    pub product: Option<String>,
    pub status: Option<LicenseStatus>,
    pub source: Option<LicenseSource>,
    pub expiring_before: Option<chrono::DateTime<chrono::Utc>>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// `limit` and `cursor` as query pairs.
fn page_query(limit: Option<u32>, cursor: Option<&str>) -> Vec<(&'static str, String)> {
    let mut query = Vec::new();
    if let Some(limit) = limit {
        query.push(("limit", limit.to_string()));
    }
    if let Some(cursor) = cursor {
        query.push(("cursor", cursor.to_owned()));
    }
    query
}

/// The wire spelling of a query enum value.
fn spelled(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::new(),
    }
}

/// The anti-forgery token in a sandbox checkout page's form.
pub fn sandbox_csrf(page: &str) -> Option<String> {
    let start = page.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let end = page[start..].find('"')?;
    Some(page[start..start + end].to_owned())
}

/// A connection to one Entitle server with one API key.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    api_key: String,
}

impl Client {
    /// A client for the server at `base_url` (`http://127.0.0.1:8080`) using `api_key`.
    pub fn new(base_url: &str, api_key: &str) -> Result<Self, ClientError> {
        let base = base_url.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ClientError::InvalidUrl(base_url.to_owned()));
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Client {
            http,
            base,
            api_key: api_key.to_owned(),
        })
    }

    /// The same server with another key.
    pub fn with_key(&self, api_key: &str) -> Client {
        Client {
            api_key: api_key.to_owned(),
            ..self.clone()
        }
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.api_key)
    }

    async fn send<T: DeserializeOwned>(request: RequestBuilder) -> Result<T, ClientError> {
        let response = request.send().await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response.json().await?);
        }
        let body = response.text().await?;
        match serde_json::from_str::<Problem>(&body) {
            Ok(problem) => Err(ClientError::Api {
                status,
                problem: Box::new(problem),
            }),
            Err(_) => Err(ClientError::Http { status, body }),
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        Self::send(self.request(Method::GET, path)).await
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        Self::send(self.request(Method::POST, path).json(body)).await
    }

    async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        Self::send(self.request(Method::PUT, path).json(body)).await
    }

    /// `GET /readyz`: whether the server and its database answer.
    pub async fn ready(&self) -> Result<(), ClientError> {
        self.get::<serde_json::Value>("/readyz").await.map(|_| ())
    }

    /// `POST /v1/accounts` (admin).
    pub async fn create_account(&self, account: &NewAccount) -> Result<Account, ClientError> {
        self.post("/v1/accounts", account).await
    }

    /// `GET /v1/accounts` (admin), one page.
    pub async fn list_accounts(
        &self,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<AccountPage, ClientError> {
        let query = page_query(limit, cursor);
        Self::send(self.request(Method::GET, "/v1/accounts").query(&query)).await
    }

    /// `GET /v1/accounts/{id}`.
    pub async fn get_account(&self, id: Uuid) -> Result<Account, ClientError> {
        self.get(&format!("/v1/accounts/{id}")).await
    }

    /// `GET /v1/me`: who this client's key belongs to.
    pub async fn who_am_i(&self) -> Result<WhoAmI, ClientError> {
        self.get("/v1/me").await
    }

    /// Completes a sandbox checkout as its hosted page's Subscribe (or Decline) button does:
    /// the sandbox takes the payment and sends its signed callback. Only for the built-in
    /// sandbox provider, whose page takes a plain form.
    pub async fn complete_sandbox_checkout(
        &self,
        checkout_url: &str,
        succeed: bool,
    ) -> Result<(), ClientError> {
        let outcome = if succeed { "succeed" } else { "decline" };
        // The page carries an anti-forgery token that its form must post back.
        let page = self.http.get(checkout_url).send().await?.text().await?;
        let csrf = sandbox_csrf(&page).unwrap_or_default();
        let response = self
            .http
            .post(format!("{checkout_url}/pay"))
            .form(&[("outcome", outcome), ("csrf", csrf.as_str())])
            .send()
            .await?;
        let status = response.status();
        if status.is_success() || status.is_redirection() {
            Ok(())
        } else {
            Err(ClientError::Http {
                status,
                body: response.text().await.unwrap_or_default(),
            })
        }
    }

    /// `GET /v1/accounts/{id}/summary`.
    pub async fn account_summary(&self, id: Uuid) -> Result<AccountSummary, ClientError> {
        self.get(&format!("/v1/accounts/{id}/summary")).await
    }

    /// `POST /v1/accounts/{id}/api-keys` (admin).
    pub async fn create_api_key(
        &self,
        account_id: Uuid,
        key: &NewApiKey,
    ) -> Result<CreatedApiKey, ClientError> {
        self.post(&format!("/v1/accounts/{account_id}/api-keys"), key)
            .await
    }

    /// `GET /v1/catalog/products`.
    pub async fn list_products(&self) -> Result<Vec<ProductView>, ClientError> {
        self.get::<ProductList>("/v1/catalog/products")
            .await
            .map(|list| list.items)
    }

    /// `GET /v1/catalog/products/{code}`.
    pub async fn get_product(&self, code: &str) -> Result<ProductView, ClientError> {
        self.get(&format!("/v1/catalog/products/{code}")).await
    }

    /// `POST /v1/catalog/products` (admin).
    pub async fn create_product(&self, product: &ProductInput) -> Result<ProductView, ClientError> {
        self.post("/v1/catalog/products", product).await
    }

    /// `PUT /v1/catalog/products/{code}` (admin).
    pub async fn update_product(
        &self,
        code: &str,
        product: &ProductInput,
    ) -> Result<ProductView, ClientError> {
        self.put(&format!("/v1/catalog/products/{code}"), product)
            .await
    }

    /// `POST /v1/accounts/{id}/quotes`.
    pub async fn quote(
        &self,
        account_id: Uuid,
        request: &QuoteRequest,
    ) -> Result<QuoteView, ClientError> {
        self.post(&format!("/v1/accounts/{account_id}/quotes"), request)
            .await
    }

    /// `POST /v1/accounts/{id}/orders` with an `Idempotency-Key`.
    pub async fn create_order(
        &self,
        account_id: Uuid,
        idempotency_key: &str,
        request: &OrderRequest,
    ) -> Result<Order, ClientError> {
        Self::send(
            self.request(Method::POST, &format!("/v1/accounts/{account_id}/orders"))
                .header("Idempotency-Key", idempotency_key)
                .json(request),
        )
        .await
    }

    /// `GET /v1/orders/{id}`.
    pub async fn get_order(&self, id: Uuid) -> Result<Order, ClientError> {
        self.get(&format!("/v1/orders/{id}")).await
    }

    /// `GET /v1/accounts/{id}/orders`, one page.
    pub async fn list_orders(
        &self,
        account_id: Uuid,
        status: Option<OrderStatus>,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<OrderPage, ClientError> {
        let mut query = page_query(limit, cursor);
        if let Some(status) = status {
            query.push(("status", status.as_str().to_owned()));
        }
        Self::send(
            self.request(Method::GET, &format!("/v1/accounts/{account_id}/orders"))
                .query(&query),
        )
        .await
    }

    /// `POST /v1/orders/{id}/cancel`.
    pub async fn cancel_order(&self, id: Uuid) -> Result<Order, ClientError> {
        self.post(&format!("/v1/orders/{id}/cancel"), &serde_json::json!({}))
            .await
    }

    /// `POST /v1/orders/{id}/checkout`: a fresh checkout for an order waiting for payment.
    pub async fn reopen_checkout(&self, id: Uuid) -> Result<Order, ClientError> {
        self.post(&format!("/v1/orders/{id}/checkout"), &serde_json::json!({}))
            .await
    }

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
        Self::send(
            self.request(Method::GET, &format!("/v1/accounts/{account_id}/licenses"))
                .query(&query),
        )
        .await
    }

    /// `GET /v1/licenses/{id}`.
    pub async fn get_license(&self, id: Uuid) -> Result<License, ClientError> {
        self.get(&format!("/v1/licenses/{id}")).await
    }

    /// `POST /v1/licenses/{id}/activate`.
    pub async fn activate_license(&self, id: Uuid, host: &str) -> Result<License, ClientError> {
        let body = ActivateLicense {
            host: host.to_owned(),
        };
        self.post(&format!("/v1/licenses/{id}/activate"), &body)
            .await
    }

    /// `POST /v1/licenses/{id}/deactivate`.
    pub async fn deactivate_license(&self, id: Uuid) -> Result<License, ClientError> {
        self.post(
            &format!("/v1/licenses/{id}/deactivate"),
            &serde_json::json!({}),
        )
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

    /// `GET /v1/accounts/{id}/subscriptions`, one page.
    pub async fn list_subscriptions(
        &self,
        account_id: Uuid,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<SubscriptionPage, ClientError> {
        let query = page_query(limit, cursor);
        Self::send(
            self.request(
                Method::GET,
                &format!("/v1/accounts/{account_id}/subscriptions"),
            )
            .query(&query),
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

    /// `GET /v1/audit-events`, one page (optionally one account's).
    pub async fn list_audit_events(
        &self,
        account_id: Option<Uuid>,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<AuditPage, ClientError> {
        let mut query = page_query(limit, cursor);
        if let Some(account_id) = account_id {
            query.push(("account_id", account_id.to_string()));
        }
        Self::send(self.request(Method::GET, "/v1/audit-events").query(&query)).await
    }

    /// `GET /v1/admin/jobs` (admin).
    pub async fn list_jobs(&self) -> Result<JobList, ClientError> {
        self.get("/v1/admin/jobs").await
    }

    /// `POST /v1/admin/jobs/{job}/run` (admin).
    pub async fn run_job(&self, job: &str) -> Result<JobRun, ClientError> {
        self.post(&format!("/v1/admin/jobs/{job}/run"), &serde_json::json!({}))
            .await
    }

    /// `GET /v1/admin/clock` (admin, sandbox mode).
    pub async fn clock(&self) -> Result<ClockView, ClientError> {
        self.get("/v1/admin/clock").await
    }

    /// `POST /v1/admin/clock` (admin, sandbox mode): moves the clock by an ISO 8601 duration.
    pub async fn advance_clock(&self, duration: &str) -> Result<ClockView, ClientError> {
        let body = ClockAdvance {
            advance: duration.to_owned(),
        };
        self.post("/v1/admin/clock", &body).await
    }

    /// `POST /v1/admin/webhook-endpoints` (admin).
    pub async fn create_webhook_endpoint(
        &self,
        endpoint: &NewWebhookEndpoint,
    ) -> Result<WebhookEndpoint, ClientError> {
        self.post("/v1/admin/webhook-endpoints", endpoint).await
    }

    /// `GET /v1/admin/webhook-deliveries` (admin), one page.
    pub async fn list_webhook_deliveries(
        &self,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<WebhookDeliveryPage, ClientError> {
        let query = page_query(limit, cursor);
        Self::send(
            self.request(Method::GET, "/v1/admin/webhook-deliveries")
                .query(&query),
        )
        .await
    }

    /// `POST /v1/orders/{id}/invoice`: request (or change) the invoice of a paid order.
    pub async fn request_invoice(
        &self,
        order_id: Uuid,
        request: &InvoiceRequest,
    ) -> Result<Invoice, ClientError> {
        self.post(&format!("/v1/orders/{order_id}/invoice"), request)
            .await
    }

    /// `GET /v1/invoices/{id}`.
    pub async fn get_invoice(&self, id: Uuid) -> Result<Invoice, ClientError> {
        self.get(&format!("/v1/invoices/{id}")).await
    }

    /// `GET /v1/accounts/{id}/invoices`, one page.
    pub async fn list_invoices(
        &self,
        account_id: Uuid,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<InvoicePage, ClientError> {
        let query = page_query(limit, cursor);
        Self::send(
            self.request(Method::GET, &format!("/v1/accounts/{account_id}/invoices"))
                .query(&query),
        )
        .await
    }

    /// `GET /v1/invoices/{id}/pdf`: the issued invoice's PDF bytes.
    pub async fn invoice_pdf(&self, id: Uuid) -> Result<Vec<u8>, ClientError> {
        let response = self
            .request(Method::GET, &format!("/v1/invoices/{id}/pdf"))
            .send()
            .await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response.bytes().await?.to_vec());
        }
        let body = response.text().await?;
        match serde_json::from_str::<Problem>(&body) {
            Ok(problem) => Err(ClientError::Api {
                status,
                problem: Box::new(problem),
            }),
            Err(_) => Err(ClientError::Http { status, body }),
        }
    }

    /// `GET /v1/accounts/{id}/api-keys`.
    pub async fn list_api_keys(&self, account_id: Uuid) -> Result<ApiKeyList, ClientError> {
        self.get(&format!("/v1/accounts/{account_id}/api-keys"))
            .await
    }

    /// `POST /v1/admin/api-keys`: a stored admin key, its secret shown once.
    pub async fn create_admin_api_key(
        &self,
        key: &NewApiKey,
    ) -> Result<CreatedApiKey, ClientError> {
        self.post("/v1/admin/api-keys", key).await
    }

    /// `GET /v1/admin/api-keys`.
    pub async fn list_admin_api_keys(&self) -> Result<ApiKeyList, ClientError> {
        self.get("/v1/admin/api-keys").await
    }

    /// `POST /v1/api-keys/{id}/rotate`: the new secret, shown once.
    pub async fn rotate_api_key(&self, id: Uuid) -> Result<CreatedApiKey, ClientError> {
        self.post(&format!("/v1/api-keys/{id}/rotate"), &serde_json::json!({}))
            .await
    }

    /// `POST /v1/api-keys/{id}/revoke`.
    pub async fn revoke_api_key(&self, id: Uuid) -> Result<ApiKeyView, ClientError> {
        self.post(&format!("/v1/api-keys/{id}/revoke"), &serde_json::json!({}))
            .await
    }
}
