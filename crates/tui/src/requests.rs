//! Starting a request: a fresh id, and the state that waits for its answer noted, so that
//! only that answer is taken (DESIGN.md §10). The account's views and the dialogs ask the
//! server through [`fetch`] (an operator view through `operator::ask`, the machines module
//! through its own, each noting its own state); the runtime runs the [`Command::Fetch`].

use crate::model::{Command, Model, Overlay, PaymentWatch, Request};

/// Starts `request`, noting which data waits for it.
pub fn fetch(model: &mut Model, request: Request) -> Command {
    let id = model.request_id();
    match &request {
        Request::Summary => model.summary.start(id),
        Request::Licenses { .. } => model.licenses.list.page.start(id),
        Request::Subscriptions => model.subscriptions.start(id),
        Request::Orders => model.orders.start(id),
        Request::Invoices { .. } => model.invoices.page.start(id),
        Request::Catalog => model.catalog.start(id),
        Request::RequestInvoice(..) => {
            if let Some(Overlay::InvoiceForm(form)) = model.overlays.last_mut() {
                form.pending = Some(id);
                form.error = None;
            }
        }
        Request::Quote(_) => {
            if let Some(Overlay::Wizard(wizard)) = model.overlays.last_mut() {
                wizard.quote.start(id);
            }
        }
        Request::Order(_) | Request::PlaceOrder { .. } => {
            if let Some(watch) = payment_watch(model) {
                watch.poll = Some(id);
            }
        }
        _ => {}
    }
    Command::Fetch(id, request)
}

/// The payment followed: the dialog's, else the one followed in the background.
pub fn payment_watch(model: &mut Model) -> Option<&mut PaymentWatch> {
    match model.overlays.iter_mut().rev().find_map(|o| match o {
        Overlay::Payment(watch) => Some(watch),
        _ => None,
    }) {
        Some(watch) => Some(watch),
        None => model.background.as_mut(),
    }
}
