//! Catalog: products and their prices in the account's currency.

use entitle_domain::Cycle;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Row, Table};

use super::{state_line, titled};
use crate::model::Model;

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = model.theme;
    let currency = model.account.currency;
    let block = titled(
        &format!("Catalog ({currency})"),
        &state_line(&model.catalog, model),
        model,
    );
    let items = model.catalog.data.as_deref().unwrap_or_default();
    let cursor = model.catalog_cursor;
    let price = |p: &entitle_domain::api::ProductView, cycle: Option<Cycle>| {
        p.prices
            .iter()
            .find(|e| e.cycle == cycle && e.currency == currency)
            .map(|e| e.amount.to_string())
            .unwrap_or_else(|| "—".to_owned())
    };
    let rows: Vec<Row> = items
        .iter()
        .enumerate()
        .skip(cursor.offset)
        .map(|(i, p)| {
            let style = if i == cursor.selected {
                theme.selected()
            } else {
                Style::new()
            };
            let notes = [
                p.seat_based.then(|| "per seat".to_owned()),
                p.trial_days.map(|d| format!("{d}-day trial")),
                p.bonus.as_ref().map(|b| format!("+ {} free", b.product)),
                p.account_kind.map(|k| format!("{k} accounts")),
                p.validity_months.map(|m| format!("valid {m} months")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
            Row::new(vec![
                p.name.clone(),
                format!("{:?}", p.kind).to_lowercase(),
                price(p, Some(Cycle::Month)),
                price(p, Some(Cycle::Year)),
                price(p, None),
                notes,
            ])
            .style(style)
        })
        .collect();
    let widths = [
        Constraint::Length(17),
        Constraint::Length(8),
        Constraint::Length(11),
        Constraint::Length(11),
        Constraint::Length(10),
        Constraint::Min(10),
    ];
    let header =
        Row::new(["Product", "Kind", "Month", "Year", "Once", "Notes"]).style(theme.active());
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}
