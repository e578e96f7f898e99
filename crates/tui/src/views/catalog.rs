//! Catalog: products and their prices in the account's currency.

use entitle_domain::Cycle;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::model::Model;
use crate::widgets::Fit;
use crate::widgets::{state_line, titled};

/// The columns; the kind gives way when the table is narrow, the notes take the width left.
const COLUMNS: [(&str, Fit); 6] = [
    ("Product", Fit::Keep),
    ("Kind", Fit::Shed(0)),
    ("Month", Fit::Keep),
    ("Year", Fit::Keep),
    ("Once", Fit::Keep),
    ("Notes", Fit::Grow),
];

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let currency = model.account.currency;
    let block = titled(
        &format!("Catalog ({currency})"),
        &state_line(&model.catalog, model),
        model,
    );
    let items = model.catalog.data.as_deref().unwrap_or_default();
    let price = |p: &entitle_domain::api::ProductView, cycle: Option<Cycle>| {
        crate::widgets::prices::price(p, cycle, currency)
            .map(|e| e.amount.to_string())
            .unwrap_or_else(|| "—".to_owned())
    };
    let table = crate::widgets::table(items, model.catalog_cursor, area, model, &COLUMNS, |p| {
        let notes = [
            p.seat_based.then(|| "per seat".to_owned()),
            p.trial_days.map(|d| format!("{d}-day trial")),
            p.bonus
                .as_ref()
                .map(|b| format!("+ {} free", model.product_name(&b.product))),
            p.account_kind.map(|k| format!("{k} accounts")),
            p.validity_months.map(|m| format!("valid {m} months")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        vec![
            p.name.clone(),
            format!("{:?}", p.kind).to_lowercase(),
            price(p, Some(Cycle::Month)),
            price(p, Some(Cycle::Year)),
            price(p, None),
            notes,
        ]
    });
    frame.render_widget(table.block(block), area);
}
