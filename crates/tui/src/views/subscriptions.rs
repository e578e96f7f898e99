//! Subscriptions: cycle, quantity, period end, auto-renew; upgrade and seats from here.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::model::Model;
use crate::widgets::Fit;
use crate::widgets::{date, state_line, titled};

/// The columns; only the trial mark may go when the table is narrow, and the product takes
/// the width left over.
const COLUMNS: [(&str, Fit); 7] = [
    ("Product", Fit::Grow),
    ("Cycle", Fit::Keep),
    ("Quantity", Fit::Keep),
    ("Status", Fit::Keep),
    ("Period end", Fit::Keep),
    ("Auto-renew", Fit::Keep),
    ("", Fit::Shed(0)),
];

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let block = titled(
        "Subscriptions",
        &state_line(&model.subscriptions, model),
        model,
    );
    let items = model.subscriptions.data.as_deref().unwrap_or_default();
    let cursor = model.subscription_cursor;
    let table = crate::widgets::table(items, cursor, area, model, &COLUMNS, |s| {
        vec![
            model.product_name(&s.product).to_owned(),
            s.cycle.to_string(),
            s.quantity.to_string(),
            format!("{:?}", s.status).to_lowercase(),
            date(s.current_period_end),
            if s.auto_renew { "on" } else { "off" }.to_owned(),
            if s.trial { "trial" } else { "" }.to_owned(),
        ]
    });
    frame.render_widget(table.block(block), area);
}
