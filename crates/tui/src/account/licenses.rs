//! Licenses: a table that only draws the rows on screen, fed page by page. Keys and expiry
//! days are never cut: the columns are sized to the rows on screen, and at 80 columns the
//! host and the source give way first (both are in the detail). Enter opens a license's
//! detail; `c` consumes it and `d` deactivates it (each confirmed), `a` asks for the host to
//! activate it on, `e` for the air-gapped host to export its license file for.

pub mod table;

use crossterm::event::KeyCode;
use entitle_domain::ProductKind;
use entitle_domain::api::{License, LicensePage, ProductView};
use entitle_domain::licenses::LicenseRefusal;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Table;

use crate::keys::{self, Hint, Key};
use crate::model::{Action, Command, Level, Model, Overlay, Request};
use crate::names::license_status;
use crate::paged::MOVE_KEYS;
use crate::remote::RequestId;
use crate::requests::fetch;
use crate::widgets::{Fit, fit, sized};
use crate::widgets::{day, paged_state, titled};

/// Licenses per page fetched.
pub const PAGE: u32 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Move,
    Detail,
    Filter,
    Sort,
    Consume,
    Activate,
    Export,
    Deactivate,
}

/// The view's keys: the handler below, the footer and the help read this table.
const KEYS: &[Key<Act>] = &[
    Key::new(MOVE_KEYS, "↑↓/jk", "move", Act::Move),
    Key::new(&[KeyCode::Enter], "Enter", "detail", Act::Detail),
    Key::new(&[KeyCode::Char('/')], "/", "filter", Act::Filter),
    Key::new(&[KeyCode::Char('o')], "o", "sort", Act::Sort),
    Key::new(&[KeyCode::Char('c')], "c", "consume", Act::Consume),
    Key::new(&[KeyCode::Char('a')], "a", "activate", Act::Activate),
    Key::new(&[KeyCode::Char('e')], "e", "export file", Act::Export),
    Key::new(&[KeyCode::Char('d')], "d", "deactivate", Act::Deactivate),
];

/// The view's keys.
pub fn hints() -> Vec<Hint> {
    keys::hints(KEYS)
}

/// A key on the licenses view (into the filter while it is typed); `None` leaves it to the
/// console.
pub fn on_key(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    let table = &mut model.licenses;
    if table.filter.typing {
        if table.filter.on_key(code) {
            table.list.cursor = Default::default();
            table.reshape();
        }
        return Some(Vec::new());
    }
    let act = keys::action(KEYS, code)?;
    if act == Act::Move {
        return super::step(model, code);
    }
    if act == Act::Filter {
        model.licenses.filter.open();
        return Some(Vec::new());
    }
    if act == Act::Sort {
        model.licenses.sort = model.licenses.sort.next();
        model.licenses.reshape();
        return Some(Vec::new());
    }
    let Some(license) = model.licenses.selected().cloned() else {
        return Some(Vec::new());
    };
    Some(match act {
        Act::Detail => {
            let commands = crate::machines::open_detail(model, &license);
            model.overlays.push(Overlay::Detail(license));
            commands
        }
        Act::Export => crate::machines::open_export(model, &license),
        Act::Consume if let Err(refusal) = consumable(model, &license) => {
            model.say_refusal(refusal);
            Vec::new()
        }
        Act::Activate if let Err(refusal) = activatable(model, &license) => {
            model.say_refusal(refusal);
            Vec::new()
        }
        Act::Consume => {
            let product = model.product_name(&license.product).to_owned();
            model.confirm(
                "Consume this license?",
                vec![
                    format!("{} ({product})", license.key),
                    "A one-time license is used by one run and cannot be used again.".to_owned(),
                ],
                Action::Consume(license.id),
            );
            Vec::new()
        }
        Act::Activate => {
            model.overlays.push(Overlay::HostInput {
                license: license.id,
                host: String::new(),
            });
            Vec::new()
        }
        Act::Deactivate => {
            let host = license.host.0.as_deref().unwrap_or("no host");
            model.confirm(
                "Deactivate this license?",
                vec![format!("{} on {host}", license.key)],
                Action::Deactivate(license.id),
            );
            Vec::new()
        }
        Act::Move | Act::Filter | Act::Sort => Vec::new(),
    })
}

/// Whether `license` may be consumed now, as the domain rules ([`LicenseState::check_consume`])
/// say: once the catalog tells whether its product is one-time (till then, the server says).
///
/// [`LicenseState::check_consume`]: entitle_domain::licenses::LicenseState::check_consume
fn consumable(model: &Model, license: &License) -> Result<(), LicenseRefusal> {
    match product(model, &license.product) {
        Some(p) => license
            .state()
            .check_consume(p.kind == ProductKind::OneTime, model.now),
        None => Ok(()),
    }
}

/// Whether `license` may be activated on a host now ([`LicenseState::check_activate`]).
///
/// [`LicenseState::check_activate`]: entitle_domain::licenses::LicenseState::check_activate
fn activatable(model: &Model, license: &License) -> Result<(), LicenseRefusal> {
    match product(model, &license.product) {
        Some(p) => license
            .state()
            .check_activate(p.licensing.binding.binds(), model.now),
        None => Ok(()),
    }
}

/// The catalog's product `code`, once the catalog is known.
fn product<'a>(model: &'a Model, code: &str) -> Option<&'a ProductView> {
    model.catalog.data.as_ref()?.iter().find(|p| p.code == code)
}

/// Asks for the first page again; its answer replaces the rows (kept until then).
pub fn reload(model: &mut Model) -> Command {
    model.licenses.list.reload();
    fetch(model, Request::Licenses { cursor: None })
}

/// A failed page asked for again: the first when the rows are to be replaced, else the
/// next.
pub fn retry(model: &mut Model) -> Command {
    match model.licenses.list.retry_cursor() {
        None => reload(model),
        cursor => fetch(model, Request::Licenses { cursor }),
    }
}

/// Loads the next page when the selection nears the end of what is loaded.
pub fn more(model: &mut Model) -> Vec<Command> {
    let table = &model.licenses;
    match table
        .list
        .next_page_within(super::PAGE_AHEAD, table.shown.len())
    {
        Some(cursor) => {
            let cursor = Some(cursor);
            vec![fetch(model, Request::Licenses { cursor })]
        }
        None => Vec::new(),
    }
}

/// A page of licenses: appended, or replacing the rows when it is the first again.
pub fn on_page(model: &mut Model, id: RequestId, page: LicensePage) -> Vec<Command> {
    if !model.licenses.list.page.accept(id, Ok(()), model.now) {
        return Vec::new();
    }
    model.licenses.append(page);
    more(model)
}

/// A license changed by an action (consumed, activated, deactivated).
pub fn on_changed(model: &mut Model, license: License) -> Vec<Command> {
    let word = license_status(&license);
    model.say(format!("License {} is {word}", license.key), Level::Success);
    if let Some(row) = model
        .licenses
        .list
        .rows
        .iter_mut()
        .find(|l| l.id == license.id)
    {
        *row = license;
    }
    model.licenses.reshape();
    vec![fetch(model, Request::Summary)]
}

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
    let mut state = paged_state(
        table.list.rows.len(),
        table.list.complete,
        &table.list.page,
        model,
    );
    if let Some(filter) = table.filter.shown() {
        state = format!("{filter} · {} match · {state}", table.shown.len());
    }
    state = format!("{state} · sort: {}", table.sort.label());
    let block = titled("Licenses", &state, model);
    let height = usize::from(area.height.saturating_sub(3));
    // The selection is always on screen, whatever height the cursor was moved for.
    let start = table
        .list
        .cursor
        .offset
        .max((table.list.cursor.selected + 1).saturating_sub(height));
    let end = (start + height).min(table.shown.len());
    let visible = table.shown.get(start..end).unwrap_or_default();
    let cells: Vec<Vec<String>> = visible
        .iter()
        .map(|&index| {
            let l = &table.list.rows[index];
            vec![
                l.key.clone(),
                model.product_name(&l.product).to_owned(),
                license_status(l).to_owned(),
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
            let l = &table.list.rows[index];
            let style = if start + i == table.list.cursor.selected {
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
