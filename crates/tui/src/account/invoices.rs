//! Invoices: status and number; the weekly batch issues the requested ones. Fed page by page
//! as the selection nears the end, like the licenses. At 80 columns the type, then the issue
//! time, give way.

use crossterm::event::KeyCode;
use entitle_domain::api::{Invoice, InvoicePage};
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::keys::{self, Hint, Key};
use crate::model::{Command, Level, Model, Overlay, Request};
use crate::paged::MOVE_KEYS;
use crate::remote::RequestId;
use crate::requests::fetch;
use crate::widgets::Fit;
use crate::widgets::{date, paged_state, titled};

/// Invoices per page fetched.
pub const PAGE: u32 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Move,
}

/// The view's keys: the handler below, the footer and the help read this table.
const KEYS: &[Key<Act>] = &[Key::new(MOVE_KEYS, "↑↓/jk", "move", Act::Move)];

pub fn hints() -> Vec<Hint> {
    keys::hints(KEYS)
}

/// A key on the invoices view; `None` leaves it to the console.
pub fn on_key(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    match keys::action(KEYS, code)? {
        Act::Move => super::step(model, code),
    }
}

/// Asks for the first page again; its answer replaces the rows (kept until then).
pub fn reload(model: &mut Model) -> Command {
    model.invoices.reload();
    fetch(model, Request::Invoices { cursor: None })
}

/// A failed page asked for again: the first when the rows are to be replaced, else the
/// next.
pub fn retry(model: &mut Model) -> Command {
    match model.invoices.retry_cursor() {
        None => reload(model),
        cursor => fetch(model, Request::Invoices { cursor }),
    }
}

/// Loads the next page when the selection nears the end of what is loaded.
pub fn more(model: &mut Model) -> Vec<Command> {
    match model.invoices.next_page(super::PAGE_AHEAD) {
        Some(cursor) => {
            let cursor = Some(cursor);
            vec![fetch(model, Request::Invoices { cursor })]
        }
        None => Vec::new(),
    }
}

/// A page of invoices.
pub fn on_page(model: &mut Model, id: RequestId, page: InvoicePage) -> Vec<Command> {
    if !model.invoices.page.accept(id, Ok(()), model.now) {
        return Vec::new();
    }
    model.invoices.append(page.items, page.next_cursor.0);
    more(model)
}

/// An invoice requested from the form: the form closes and the list shows it.
pub fn on_requested(model: &mut Model, id: RequestId, invoice: Invoice) -> Vec<Command> {
    model
        .overlays
        .retain(|o| !matches!(o, Overlay::InvoiceForm(form) if form.pending == Some(id)));
    let text = format!(
        "Invoice requested ({}): the weekly batch issues it",
        invoice.kind
    );
    model.say(text, Level::Success);
    vec![reload(model)]
}

/// The columns, and which may go when the table is narrow; the buyer takes the width left.
const COLUMNS: [(&str, Fit); 6] = [
    ("Number", Fit::Keep),
    ("Type", Fit::Shed(1)),
    ("Status", Fit::Keep),
    ("Buyer", Fit::Grow),
    ("Total", Fit::Keep),
    ("Issued", Fit::Shed(0)),
];

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let list = &model.invoices;
    let state = paged_state(list.rows.len(), list.complete, &list.page, model);
    let block = titled("Invoices", &state, model);
    let table = crate::widgets::table(&list.rows, list.cursor, area, model, &COLUMNS, |invoice| {
        vec![
            invoice.number.0.clone().unwrap_or_else(|| "—".to_owned()),
            invoice.kind.to_string(),
            invoice.status.to_string(),
            invoice.buyer.title.clone().unwrap_or_default(),
            format!("{} {}", invoice.total, invoice.currency),
            invoice
                .issued_at
                .map(date)
                .unwrap_or_else(|| "next batch".to_owned()),
        ]
    });
    frame.render_widget(table.block(block), area);
}
