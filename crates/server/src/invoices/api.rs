//! `/v1/orders/{id}/invoice`, `/v1/invoices`, `/v1/accounts/{id}/invoices`.

use entitle_domain::api::{Invoice, InvoicePage, InvoiceQueue, InvoiceRequest};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, OpenApi, Tags};
use uuid::Uuid;

use crate::auth::ApiKey;
use crate::pagination::PageRequest;
use crate::problem::{Refused, can};
use crate::state::AppState;

#[derive(Tags)]
enum InvoiceTags {
    /// VAT and standard invoices, issued in a weekly batch.
    Invoices,
}

#[derive(ApiResponse)]
enum InvoiceSaved {
    /// Requested; the weekly batch issues it.
    #[oai(status = 201)]
    Created(
        Json<Invoice>,
        /// Where the new invoice is read: `/v1/invoices/{id}`.
        #[oai(header = "Location")]
        String,
    ),
    /// The request was changed (it is not issued yet).
    #[oai(status = 200)]
    Changed(Json<Invoice>),
}

#[derive(ApiResponse)]
enum InvoicePdf {
    /// The issued invoice.
    #[oai(status = 200, content_type = "application/pdf")]
    Pdf(Binary<Vec<u8>>),
}

pub struct InvoicesApi;

#[OpenApi(
    tag = "InvoiceTags::Invoices",
    response_header(
        name = "X-Request-Id",
        ty = "String",
        description = "The request's id, as in the server's log: the caller's own when it sent a sane one"
    )
)]
impl InvoicesApi {
    /// Request an invoice for a paid order.
    ///
    /// `vat_ordinary` or `vat_special` in region `cn`, `standard` in `intl`, with the buyer
    /// details the type needs. Changeable until issued.
    #[oai(
        path = "/v1/orders/:id/invoice",
        method = "post",
        operation_id = "request_invoice"
    )]
    async fn request(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The order's id.
        id: Path<Uuid>,
        body: Json<InvoiceRequest>,
    ) -> Result<InvoiceSaved, Refused<{ can::ONE | can::BODY | can::CONFLICT }>> {
        let (invoice, created) =
            super::request(&state.db, state.clock.as_ref(), principal, id.0, body.0).await?;
        Ok(if created {
            {
                let location = format!("/v1/invoices/{}", invoice.id);
                InvoiceSaved::Created(Json(invoice), location)
            }
        } else {
            InvoiceSaved::Changed(Json(invoice))
        })
    }

    /// Get an invoice.
    #[oai(
        path = "/v1/invoices/:id",
        method = "get",
        operation_id = "get_invoice"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The invoice's id.
        id: Path<Uuid>,
    ) -> Result<Json<Invoice>, Refused<{ can::ONE }>> {
        let row = super::get(&state.db, principal, id.0).await?;
        Ok(Json(super::view(&row)?))
    }

    /// An issued invoice as a PDF.
    #[oai(
        path = "/v1/invoices/:id/pdf",
        method = "get",
        operation_id = "get_invoice_pdf"
    )]
    async fn pdf(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The invoice's id.
        id: Path<Uuid>,
    ) -> Result<InvoicePdf, Refused<{ can::ONE | can::CONFLICT }>> {
        Ok(InvoicePdf::Pdf(Binary(
            super::pdf(&state.db, principal, id.0).await?,
        )))
    }

    /// List an account's invoices, oldest first.
    #[oai(
        path = "/v1/accounts/:id/invoices",
        method = "get",
        operation_id = "list_invoices"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
        /// The account's id.
        id: Path<Uuid>,
        /// Items per page, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<Uuid>>,
    ) -> Result<Json<InvoicePage>, Refused<{ can::ONE | can::LIST }>> {
        let page = PageRequest::parse(limit.0, cursor.0)?;
        Ok(Json(super::list(&state.db, principal, id.0, page).await?))
    }

    /// The invoice queue (admin).
    ///
    /// Requested invoices across accounts, oldest first, which the next weekly batch issues
    /// (`next_batch_at`), and the latest issued ones with their numbers. Run the batch now
    /// with `POST /v1/admin/jobs/invoices/run`.
    #[oai(
        path = "/v1/admin/invoice-queue",
        method = "get",
        operation_id = "get_invoice_queue"
    )]
    async fn queue(
        &self,
        state: Data<&AppState>,
        ApiKey(principal): ApiKey,
    ) -> Result<Json<InvoiceQueue>, Refused<{ can::ADMIN }>> {
        Ok(Json(
            super::queue::queue(
                &state.db,
                principal,
                &state.config.invoice_batch,
                state.clock.now(),
            )
            .await?,
        ))
    }
}
