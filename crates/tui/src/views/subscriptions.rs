//! Subscriptions: cycle, quantity, period end, auto-renew; upgrade and seats from here.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Row, Table};

use super::{date, state_line, titled};
use crate::model::Model;

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = model.theme;
    let block = titled(
        "Subscriptions",
        &state_line(&model.subscriptions, model),
        model,
    );
    let items = model.subscriptions.data.as_deref().unwrap_or_default();
    let cursor = model.subscription_cursor;
    let rows = super::visible_rows(items, cursor, area, model, |s| {
        Row::new(vec![
            s.product.clone(),
            s.cycle.to_string(),
            s.quantity.to_string(),
            format!("{:?}", s.status).to_lowercase(),
            date(s.current_period_end),
            if s.auto_renew { "on" } else { "off" }.to_owned(),
            if s.trial { "trial" } else { "" }.to_owned(),
        ])
    });
    let widths = [
        Constraint::Length(14),
        Constraint::Length(6),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(17),
        Constraint::Length(11),
        Constraint::Min(5),
    ];
    let header = Row::new([
        "Product",
        "Cycle",
        "Quantity",
        "Status",
        "Period end",
        "Auto-renew",
        "",
    ])
    .style(theme.active());
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}
