//! Orders: status, lines, amount, paid time; pay a pending one, cancel an unpaid one. At 80
//! columns the paid time and then the type give way (the status says whether it is paid).

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::model::Model;
use crate::update::status_label;
use crate::widgets::Fit;
use crate::widgets::{date, state_line, titled};

/// The columns, and which may go when the table is narrow; the lines take the width left.
const COLUMNS: [(&str, Fit); 6] = [
    ("Created", Fit::Keep),
    ("Type", Fit::Shed(1)),
    ("Lines", Fit::Grow),
    ("Amount", Fit::Keep),
    ("Status", Fit::Keep),
    ("Paid", Fit::Shed(0)),
];

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let block = titled("Orders", &state_line(&model.orders, model), model);
    let items = model.orders.data.as_deref().unwrap_or_default();
    let table = crate::widgets::table(items, model.order_cursor, area, model, &COLUMNS, |o| {
        let lines = o
            .lines
            .iter()
            .map(|l| format!("{}×{}", l.quantity, model.product_name(&l.product)))
            .collect::<Vec<_>>()
            .join(" + ");
        vec![
            date(o.created_at),
            format!("{:?}", o.kind).to_lowercase(),
            if lines.is_empty() {
                model.product_name(&o.product).to_owned()
            } else {
                lines
            },
            format!("{} {}", o.total, o.currency),
            status_label(o.status).to_owned(),
            o.paid_at.map(date).unwrap_or_default(),
        ]
    });
    frame.render_widget(table.block(block), area);
}
