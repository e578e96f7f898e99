//! `/v1/catalog`: HTTP in, service call, HTTP out.

use entitle_domain::api::{ProductInput, ProductList, ProductView};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi, Tags};

use super::service;
use crate::auth::ApiKey;
use crate::problem::ApiError;
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
    Created(Json<ProductView>),
}

pub struct CatalogApi;

#[OpenApi(tag = "CatalogTags::Catalog")]
impl CatalogApi {
    /// List the products, each with its rules and its prices in every currency.
    #[oai(
        path = "/v1/catalog/products",
        method = "get",
        operation_id = "list_products"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        _key: ApiKey,
    ) -> Result<Json<ProductList>, ApiError> {
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
        #[oai(validator(max_length = 32))] code: Path<String>,
    ) -> Result<Json<ProductView>, ApiError> {
        let product = service::get(&state.db, &code.0).await?;
        Ok(Json(ProductView::from(&product)))
    }

    /// Create a product (admin). A term product's annual price defaults to ten months.
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
    ) -> Result<ProductCreated, ApiError> {
        let product = service::create(&state.db, state.clock.as_ref(), principal, body.0).await?;
        Ok(ProductCreated::Created(Json(ProductView::from(&product))))
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
        #[oai(validator(max_length = 32))] code: Path<String>,
        body: Json<ProductInput>,
    ) -> Result<Json<ProductView>, ApiError> {
        let product =
            service::update(&state.db, state.clock.as_ref(), principal, &code.0, body.0).await?;
        Ok(Json(ProductView::from(&product)))
    }
}
