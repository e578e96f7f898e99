//! Invoices: status and number; the weekly batch issues the requested ones. Fed page by page
//! as the selection nears the end, like the licenses. At 80 columns the type, then the issue
//! time, give way.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::model::Model;
use crate::widgets::Fit;
use crate::widgets::{date, paged_state, titled};

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
