//! The routes: the one module that knows every API, the provider callbacks and the hosted
//! pages, and puts the edge around them. Nothing imports it but the wiring (`serve`), the
//! binary and the tests.

use std::sync::Arc;

use poem::{Endpoint, EndpointExt, Route};
use poem_openapi::{OpenApi, OpenApiService, ServerObject};

use crate::accounts::api::AccountsApi;
use crate::audit::api::AuditApi;
use crate::catalog::api::CatalogApi;
use crate::client::api::ClientApi;
use crate::edge::spec::Spec;
use crate::health::HealthApi;
use crate::invoices::api::InvoicesApi;
use crate::jobs::api::AdminApi;
use crate::licenses::api::LicensesApi;
use crate::machines::api::MachinesApi;
use crate::mail::api::{self as mail, MessagesApi};
use crate::openapi_document;
use crate::orders::api::OrdersApi;
use crate::payments::{callback, pay_page, sandbox};
use crate::problem::problem_for_error;
use crate::quotes::api::QuotesApi;
use crate::signing::api::{self as signing, SigningKeysApi};
use crate::state::AppState;
use crate::subscriptions::api::SubscriptionsApi;
use crate::webhooks::api::WebhooksApi;

/// The base URL the committed spec names in `servers`: `entitle serve`'s default address.
/// A server serves its own spec with its `--public-url` instead.
pub const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8080";

/// The API with its OpenAPI description, served from `server_url`.
pub fn api_service(server_url: &str) -> OpenApiService<impl OpenApi, ()> {
    OpenApiService::new(
        (
            HealthApi,
            AccountsApi,
            CatalogApi,
            QuotesApi,
            OrdersApi,
            LicensesApi,
            MachinesApi,
            ClientApi,
            SubscriptionsApi,
            AuditApi,
            WebhooksApi,
            AdminApi,
            InvoicesApi,
            MessagesApi,
            SigningKeysApi,
        ),
        "Entitle",
        env!("CARGO_PKG_VERSION"),
    )
    .server(
        ServerObject::new(server_url).description(
            "An Entitle server; a client generated from this spec takes another base URL",
        ),
    )
    .description(
        "License subscriptions: catalog, quotes, orders, licenses. Errors are \
         application/problem+json with a stable `code`. Money is a decimal string with \
         exactly two decimals next to its ISO 4217 currency.",
    )
}

/// The spec as JSON, exactly as `openapi/openapi.json` is committed.
pub fn openapi_json() -> String {
    openapi_document::json(&api_service(DEFAULT_SERVER_URL).spec())
}

/// The spec as YAML, exactly as `openapi/openapi.yaml` is committed.
pub fn openapi_yaml() -> String {
    openapi_document::yaml(&api_service(DEFAULT_SERVER_URL).spec())
}

/// The whole HTTP application over `state`. The sandbox's pages exist in test mode only; its
/// callback and return routes answer 404 in live mode, as any provider's the server lacks.
pub fn app(state: AppState) -> impl Endpoint {
    let api = api_service(&state.config.public_url);
    let published = openapi_document::json(&api.spec());
    let described = Arc::new(Spec::parse(&published));
    let spec = poem::endpoint::make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/json")
            .body(published.clone())
    });
    let docs = api.swagger_ui();
    let mut routes = Route::new()
        .nest("/", api)
        .at("/openapi.json", spec)
        .nest("/docs", docs)
        .at(
            "/v1/payments/:provider/callback",
            poem::post(callback::receive),
        )
        .at(
            "/v1/payments/:provider/return",
            poem::get(callback::returned),
        )
        .at("/pay/:session", poem::get(pay_page::show))
        .at("/mail/pay/:message", poem::get(mail::pay))
        .at(
            "/.well-known/entitle/keys.json",
            poem::get(signing::key_set),
        );
    if state.payments.sandbox().is_some() {
        routes = routes
            .at(
                "/sandbox/checkout/:session",
                poem::get(sandbox::pages::show),
            )
            .at(
                "/sandbox/checkout/:session/pay",
                poem::post(sandbox::pages::pay),
            )
            .at(
                "/sandbox/checkout/:session/cancel",
                poem::get(sandbox::pages::confirm_cancel).post(sandbox::pages::cancel),
            );
    }
    routes
        .at("/metrics", poem::get(crate::edge::scrape::scrape))
        .catch_all_error(problem_for_error)
        .around(crate::edge::around)
        .data(described)
        .data(state)
}
