//! Invoices: status and number; the weekly batch issues the requested ones. Fed page by page
//! as the selection nears the end, like the licenses.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Row, Table};

use super::{date, paged_state, titled};
use crate::model::Model;

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = model.theme;
    let list = &model.invoices;
    let state = paged_state(list.rows.len(), list.complete, &list.page, model);
    let block = titled("Invoices", &state, model);
    let rows = super::visible_rows(&list.rows, list.cursor, area, model, |invoice| {
        Row::new(vec![
            invoice.number.0.clone().unwrap_or_else(|| "—".to_owned()),
            invoice.kind.to_string(),
            invoice.status.to_string(),
            invoice.buyer.title.clone().unwrap_or_default(),
            format!("{} {}", invoice.total, invoice.currency),
            invoice
                .issued_at
                .map(date)
                .unwrap_or_else(|| "next batch".to_owned()),
        ])
    });
    let widths = [
        Constraint::Length(19),
        Constraint::Length(13),
        Constraint::Length(10),
        Constraint::Min(12),
        Constraint::Length(14),
        Constraint::Length(17),
    ];
    let header =
        Row::new(["Number", "Type", "Status", "Buyer", "Total", "Issued"]).style(theme.active());
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}
