//! Catalog: products and their prices in the account's currency; `s` subscribes.

use crossterm::event::KeyCode;
use entitle_domain::Cycle;
use entitle_domain::api::ProductView;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::keys::{self, Hint, Key};
use crate::model::{Command, Model};
use crate::names::ProductNames;
use crate::paged::MOVE_KEYS;
use crate::remote::RequestId;
use crate::widgets::Fit;
use crate::widgets::{state_line, titled};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Move,
    Subscribe,
}

/// The view's keys: the handler below, the footer and the help read this table.
const KEYS: &[Key<Act>] = &[
    Key::new(MOVE_KEYS, "↑↓/jk", "move", Act::Move),
    Key::new(&[KeyCode::Char('s')], "s", "subscribe", Act::Subscribe),
];

pub fn hints() -> Vec<Hint> {
    keys::hints(KEYS)
}

/// A key on the catalog view; `None` leaves it to the console.
pub fn on_key(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    match keys::action(KEYS, code)? {
        Act::Move => super::step(model, code),
        Act::Subscribe => Some(crate::dialogs::wizard::open_purchase(model)),
    }
}

/// The catalog arrived: the licenses table filters and sorts by its product names, and the
/// wizard that `s` asked for before it came opens now (once).
pub fn on_catalog(model: &mut Model, id: RequestId, items: Vec<ProductView>) -> Vec<Command> {
    let names = ProductNames::of(&items);
    if !model.catalog.accept(id, Ok(items), model.now) {
        return Vec::new();
    }
    if model.licenses.names != names {
        model.licenses.names = names;
        model.licenses.reshape();
    }
    if std::mem::take(&mut model.purchase_waiting) && model.overlays.is_empty() {
        return crate::dialogs::wizard::open_purchase(model);
    }
    Vec::new()
}

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
    let price = |p: &ProductView, cycle: Option<Cycle>| {
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
