//! A typed async client for Entitle's REST API, over the domain's API types: the same structs
//! the server's spec is generated from, so client and server cannot drift apart.
//!
//! ```no_run
//! # async fn demo() -> Result<(), entitle_client::ClientError> {
//! let client = entitle_client::Client::new("http://127.0.0.1:8080", "ent_…")?;
//! let products = client.list_products().await?;
//! # Ok(()) }
//! ```
//!
//! This file holds the [`Client`], its [`ClientError`] and the plumbing every call shares;
//! the calls themselves are `impl Client` blocks, one module per resource of the API, so a
//! resource's calls read in one place. The modules are private and what they define is
//! re-exported here, so every path stays `entitle_client::…`.

mod accounts;
mod admin;
mod api_keys;
mod audit;
mod catalog;
mod invoices;
mod licenses;
mod machines;
mod messages;
mod orders;
mod quotes;
mod sandbox;
mod subscriptions;
mod webhooks;

use std::time::Duration;

use entitle_domain::api::{Problem, ProblemCode};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use thiserror::Error;

pub use audit::AuditQuery;
pub use licenses::LicenseQuery;
pub use sandbox::sandbox_csrf;

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
    pub fn code(&self) -> Option<ProblemCode> {
        match self {
            ClientError::Api { problem, .. } => Some(problem.code),
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

    /// `GET /readyz`: whether the server and its database answer.
    pub async fn ready(&self) -> Result<(), ClientError> {
        self.get::<serde_json::Value>("/readyz").await.map(|_| ())
    }

    /// A request to `path` on this server, with this client's key.
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.api_key)
    }

    /// Sends `request` and reads a JSON answer.
    async fn send<T: DeserializeOwned>(request: RequestBuilder) -> Result<T, ClientError> {
        let response = Self::successful(request).await?;
        Ok(response.json().await?)
    }

    /// Sends `request` and hands back a successful response unread; any other answer becomes
    /// its [`ClientError`], a problem report when the body is one.
    async fn successful(request: RequestBuilder) -> Result<Response, ClientError> {
        let response = request.send().await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
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

    /// A `GET` of one page of a list: `query` carries the page and the list's filters.
    async fn get_page<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&'static str, String)],
    ) -> Result<T, ClientError> {
        Self::send(self.request(Method::GET, path).query(query)).await
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        Self::send(self.request(Method::POST, path).json(body)).await
    }

    /// A `POST` of an action that takes no body (cancel, rotate, run): the server reads `{}`.
    async fn post_action<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.post(path, &serde_json::json!({})).await
    }

    async fn patch<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        Self::send(self.request(Method::PATCH, path).json(body)).await
    }

    async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        Self::send(self.request(Method::PUT, path).json(body)).await
    }

    async fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        Self::send(self.request(Method::DELETE, path)).await
    }
}

/// `limit` and `cursor` as query pairs, to which a list adds its filters.
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

/// The wire spelling of a query's enum value: its serde name, so a filter says what the JSON
/// would.
fn spelled(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::new(),
    }
}
