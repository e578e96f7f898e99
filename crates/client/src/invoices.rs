//! Invoices: one per paid order, requested (or changed) by the customer, issued as a PDF.

use entitle_domain::api::{Invoice, InvoicePage, InvoiceQueue, InvoiceRequest};
use reqwest::Method;
use uuid::Uuid;

use crate::{Client, ClientError, page_query};

impl Client {
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
        self.get_page(
            &format!("/v1/accounts/{account_id}/invoices"),
            &page_query(limit, cursor),
        )
        .await
    }

    /// `GET /v1/invoices/{id}/pdf`: the issued invoice's PDF bytes (not JSON, so read as
    /// they come).
    pub async fn invoice_pdf(&self, id: Uuid) -> Result<Vec<u8>, ClientError> {
        let response =
            Self::successful(self.request(Method::GET, &format!("/v1/invoices/{id}/pdf"))).await?;
        Ok(response.bytes().await?.to_vec())
    }

    /// `GET /v1/admin/invoice-queue` (admin): what the next batch issues, and when.
    pub async fn invoice_queue(&self) -> Result<InvoiceQueue, ClientError> {
        self.get("/v1/admin/invoice-queue").await
    }
}
