//! The invoice queue view's state, as the model holds it.

use entitle_domain::api::InvoiceQueue;

use crate::remote::{Cursor, Remote};

/// The queue view's state.
#[derive(Debug, Clone, Default)]
pub struct Queue {
    pub data: Remote<InvoiceQueue>,
    /// The selection among the requested invoices.
    pub cursor: Cursor,
}
