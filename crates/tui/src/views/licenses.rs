//! Licenses: a table that only draws the rows on screen, fed page by page. Keys and expiry
//! days are never cut: the columns are sized to the rows on screen, and at 80 columns the
//! host and the source give way first (both are in the detail).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Table;

use crate::model::{Model, status_word};
use crate::widgets::{Fit, fit, sized};
use crate::widgets::{day, paged_state, titled};

/// The columns, and which may go when the table is narrow (the host is kept before the
/// source when there is room for one); the widest, the key, takes the width left over.
const COLUMNS: [(&str, Fit); 6] = [
    ("Key", Fit::Keep),
    ("Product", Fit::Keep),
    ("Status", Fit::Keep),
    ("Valid until", Fit::Keep),
    ("Source", Fit::Shed(1)),
    ("Host", Fit::Shed(0)),
];

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
    let visible = table.shown.get(start..end).unwrap_or_default();
    let cells: Vec<Vec<String>> = visible
        .iter()
        .map(|&index| {
            let l = &table.rows[index];
            vec![
                l.key.clone(),
                model.product_name(&l.product).to_owned(),
                status_word(l).to_owned(),
                day(l.valid_until),
                format!("{:?}", l.source).to_lowercase(),
                l.host.0.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let columns = sized(&COLUMNS, &cells);
    let fitted = fit(&columns, area.width.saturating_sub(2));
    let rows: Vec<_> = visible
        .iter()
        .zip(&cells)
        .enumerate()
        .map(|(i, (&index, row))| {
            let l = &table.rows[index];
            let style = if start + i == table.cursor.selected {
                theme.selected()
            } else if model.fresh_order.is_some() && l.order_id == model.fresh_order.into() {
                theme.fresh()
            } else {
                Style::new()
            };
            fitted.row(row).style(style)
        })
        .collect();
    let header = fitted.header(&columns).style(theme.active());
    let widget = Table::new(rows, fitted.widths.clone())
        .header(header)
        .block(block);
    frame.render_widget(widget, area);
}
