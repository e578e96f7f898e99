//! Licenses: a table that only draws the rows on screen, fed page by page.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Cell, Row, Table};

use super::{date, paged_state, titled};
use crate::model::{Model, status_word};

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let table = &model.licenses;
    let theme = model.theme;
    let mut state = paged_state(table.rows.len(), table.complete, &table.page, model);
    if !table.filter.is_empty() || table.filtering {
        state = format!(
            "/{}{} · {} match · {state}",
            table.filter,
            if table.filtering { "▏" } else { "" },
            table.shown.len()
        );
    }
    state = format!("{state} · sort: {}", table.sort.label());
    let block = titled("Licenses", &state, model);
    let height = usize::from(area.height.saturating_sub(3));
    // The selection is always on screen, whatever height the cursor was moved for.
    let start = table
        .cursor
        .offset
        .max((table.cursor.selected + 1).saturating_sub(height));
    let end = (start + height).min(table.shown.len());
    let rows: Vec<Row> = table.shown[start..end]
        .iter()
        .enumerate()
        .map(|(i, &index)| {
            let l = &table.rows[index];
            let style = if start + i == table.cursor.selected {
                theme.selected()
            } else if model.fresh_order.is_some() && l.order_id == model.fresh_order.into() {
                theme.fresh()
            } else {
                Style::new()
            };
            Row::new(vec![
                Cell::from(l.key.clone()),
                Cell::from(l.product.clone()),
                Cell::from(status_word(l)),
                Cell::from(date(l.valid_until)),
                Cell::from(format!("{:?}", l.source).to_lowercase()),
                Cell::from(l.host.0.clone().unwrap_or_default()),
            ])
            .style(style)
        })
        .collect();
    let widths = [
        Constraint::Length(32),
        Constraint::Length(13),
        Constraint::Length(9),
        Constraint::Length(17),
        Constraint::Length(8),
        Constraint::Min(6),
    ];
    let header = Row::new(["Key", "Product", "Status", "Valid until", "Source", "Host"])
        .style(theme.active());
    let widget = Table::new(rows, widths).header(header).block(block);
    frame.render_widget(widget, area);
}
