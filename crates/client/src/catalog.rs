//! The catalog (`/v1/catalog/products`, DESIGN.md §1): read by everyone, defined by an admin.

use entitle_domain::api::{ProductInput, ProductList, ProductView};

use crate::{Client, ClientError};

impl Client {
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
}
