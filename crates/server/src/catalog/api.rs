//! `/v1/catalog`: HTTP in, service call, HTTP out.

use entitle_domain::api::{ProductInput, ProductList, ProductView};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi, Tags};

use super::service;
use crate::auth::ApiKey;
use crate::problem::{Refused, can};
use crate::state::AppState;

#[derive(Tags)]
enum CatalogTags {
    /// Products and prices.
    Catalog,
}

#[derive(ApiResponse)]
enum ProductCreated {
    /// Created.
    #[oai(status = 201)]
    Created(
        Json<ProductView>,
        /// Where the new product is read: `/v1/catalog/products/{code}`.
        #[oai(header = "Location")]
        String,
    ),
}

pub struct CatalogApi;

#[OpenApi(
    tag = "CatalogTags::Catalog",
    response_header(
        name = "X-Request-Id",
        ty = "String",
        description = "The request's id, as in the server's log: the caller's own when it sent a sane one"
    )
)]
impl CatalogApi {
    /// List the products.
    ///
    /// Each with its rules and its prices in every currency.
    #[oai(
        path = "/v1/catalog/products",
        method = "get",
        operation_id = "list_products"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        _key: ApiKey,
    ) -> Result<Json<ProductList>, Refused<{ can::KEYED }>> {
        let products = service::list(&state.db).await?;
        Ok(Json(ProductList {
            items: products.iter().map(ProductView::from).collect(),
        }))
    }

    /// Get one product.
    #[oai(
        path = "/v1/catalog/products/:code",
        method = "get",
        operation_id = "get_product"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        _key: ApiKey,
        /// The product's code (`dr`, `failback`, `premium`, …).
        #[oai(validator(max_length = 32))]
        code: Path<String>,
    ) -> Result<Json<ProductView>, Refused<{ can::ONE }>> {
        let product = service::get(&state.db, &code.0).await?;
        Ok(Json(ProductView::from(&product)))
    }

    /// Create a product (admin).
    ///
    /// A term product's annual price defaults to ten months.
    #[oai(
        path = "/v1/catalog/products",
        method = "post",
        operation_id = "create_product"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        body: Json<ProductInput>,
    ) -> Result<ProductCreated, Refused<{ can::ADMIN | can::BODY | can::CONFLICT }>> {
        let product = service::create(&state.db, state.clock.as_ref(), principal, body.0).await?;
        let view = ProductView::from(&product);
        let location = format!("/v1/catalog/products/{}", view.code);
        Ok(ProductCreated::Created(Json(view), location))
    }

    /// Replace a product's definition and prices (admin).
    #[oai(
        path = "/v1/catalog/products/:code",
        method = "put",
        operation_id = "update_product"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The product's code (`dr`, `failback`, `premium`, …).
        #[oai(validator(max_length = 32))]
        code: Path<String>,
        body: Json<ProductInput>,
    ) -> Result<Json<ProductView>, Refused<{ can::ADMIN | can::ONE | can::BODY }>> {
        let product =
            service::update(&state.db, state.clock.as_ref(), principal, &code.0, body.0).await?;
        Ok(Json(ProductView::from(&product)))
    }
}
