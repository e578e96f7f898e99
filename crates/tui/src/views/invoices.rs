//! Invoices: status and number; the weekly batch issues the requested ones.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Row, Table};

use super::{date, state_line, titled};
use crate::model::Model;

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = model.theme;
    let block = titled("Invoices", &state_line(&model.invoices, model), model);
    let items = model.invoices.data.as_deref().unwrap_or_default();
    let cursor = model.invoice_cursor;
    let rows = super::visible_rows(items, cursor, area, model, |invoice| {
        Row::new(vec![
            invoice.number.clone().unwrap_or_else(|| "—".to_owned()),
            invoice.kind.as_str().to_owned(),
            invoice.status.clone(),
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
