//! Orders: status, lines, amount, paid time; pay a pending one, cancel an unpaid one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Row, Table};

use super::{date, state_line, titled};
use crate::model::Model;
use crate::update::status_label;

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = model.theme;
    let block = titled("Orders", &state_line(&model.orders, model), model);
    let items = model.orders.data.as_deref().unwrap_or_default();
    let cursor = model.order_cursor;
    let rows = super::visible_rows(items, cursor, area, model, |o| {
        let lines = o
            .lines
            .iter()
            .map(|l| format!("{}×{}", l.quantity, l.product))
            .collect::<Vec<_>>()
            .join(" + ");
        Row::new(vec![
            date(o.created_at),
            format!("{:?}", o.kind).to_lowercase(),
            if lines.is_empty() {
                o.product.clone()
            } else {
                lines
            },
            format!("{} {}", o.total, o.currency),
            status_label(o.status).to_owned(),
            o.paid_at.map(date).unwrap_or_default(),
        ])
    });
    let widths = [
        Constraint::Length(17),
        Constraint::Length(9),
        Constraint::Min(18),
        Constraint::Length(14),
        Constraint::Length(19),
        Constraint::Length(17),
    ];
    let header =
        Row::new(["Created", "Type", "Lines", "Amount", "Status", "Paid"]).style(theme.active());
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}
