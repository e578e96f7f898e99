//! Accounts: every account, page by page, searched as `/` is typed (part of the name or a
//! whole id, the server's `q`). Enter switches the whole console to the account under the
//! cursor; `n` creates one.

use chrono::{DateTime, Utc};
use crossterm::event::KeyCode;
use entitle_domain::api::{Account, AccountOverviewPage};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::dialogs::{Dialog, NewAccount};
use super::{Ask, ask};
use crate::account::licenses::table::LicenseTable;
use crate::keys::Hint;
use crate::keys::{self, Key};
use crate::machines::Machines;
use crate::model::{Command, Level, Model, Overlay, Tab};
use crate::paged::{self, MOVE_KEYS, Paged};
use crate::remote::{Cursor, Remote, RequestId};
use crate::widgets::{self, Fit};

pub mod state;
pub use state::Accounts;

/// The next page is asked for when the selection is this close to the last loaded row.
const AHEAD: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Move,
    Switch,
    Search,
    Create,
}

/// The view's keys: the handler below, the footer and the help read this table.
const KEYS: &[Key<Act>] = &[
    Key::new(MOVE_KEYS, "↑↓/jk", "move", Act::Move),
    Key::new(&[KeyCode::Enter], "Enter", "switch to", Act::Switch),
    Key::new(&[KeyCode::Char('/')], "/", "search", Act::Search),
    Key::new(&[KeyCode::Char('n')], "n", "new account", Act::Create),
];

pub(super) fn hints() -> Vec<Hint> {
    keys::hints(KEYS)
}

/// A key on the accounts view; `None` leaves it to the console.
pub(super) fn on_key(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    let state = &mut model.operator.accounts;
    if state.filter.typing {
        if state.filter.on_key(code) {
            state.list.cursor = Cursor::default();
            return Some(vec![reload(model)]);
        }
        return Some(Vec::new());
    }
    let commands = match keys::action(KEYS, code)? {
        Act::Move => step(model, code).unwrap_or_default(),
        Act::Switch => {
            let list = &model.operator.accounts.list;
            if let Some(found) = list.rows.get(list.cursor.selected) {
                let account = found.account.clone();
                switch_to(model, account);
            }
            Vec::new()
        }
        Act::Search => {
            model.operator.accounts.filter.open();
            Vec::new()
        }
        Act::Create => {
            let form = Dialog::NewAccount(NewAccount::default());
            model.overlays.push(Overlay::Operator(Box::new(form)));
            Vec::new()
        }
    };
    Some(commands)
}

/// Moves the selection; near the end of what is loaded, the next page is asked for.
pub(super) fn step(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    let list = &mut model.operator.accounts.list;
    let len = list.rows.len();
    if !paged::step(&mut list.cursor, code, len, model.page_size) {
        return None;
    }
    Some(more(model))
}

/// The next page, when the selection nears the end of what is loaded.
fn more(model: &mut Model) -> Vec<Command> {
    let accounts = &model.operator.accounts;
    match accounts.list.next_page(AHEAD) {
        Some(cursor) => {
            let q = accounts.filter.query();
            let cursor = Some(cursor);
            vec![ask(model, Ask::Accounts { q, cursor })]
        }
        None => Vec::new(),
    }
}

/// Asks for the first page of the search again; its answer replaces the rows.
pub(super) fn reload(model: &mut Model) -> Command {
    let accounts = &mut model.operator.accounts;
    accounts.list.reload();
    let q = accounts.filter.query();
    ask(model, Ask::Accounts { q, cursor: None })
}

/// A page arrived: a stale one (the search changed since) is dropped.
pub(super) fn on_page(model: &mut Model, id: RequestId, page: AccountOverviewPage) -> Vec<Command> {
    let now = model.now;
    let list = &mut model.operator.accounts.list;
    if !list.page.accept(id, Ok(()), now) {
        return Vec::new();
    }
    list.append(page.items, page.next_cursor.0);
    more(model)
}

/// A failed page is asked for again after a while.
pub(super) fn retry(model: &mut Model, now: DateTime<Utc>) -> Option<Command> {
    let accounts = &model.operator.accounts;
    if !accounts.list.page.retry_due(now) {
        return None;
    }
    match accounts.list.retry_cursor() {
        Some(cursor) => {
            let q = accounts.filter.query();
            let cursor = Some(cursor);
            Some(ask(model, Ask::Accounts { q, cursor }))
        }
        None => Some(reload(model)),
    }
}

/// Shows `account` in the account views (Home, Licenses, …): what they held of the account
/// shown so far is dropped, never shown under another account's name, and `update` asks
/// for the new account's (it sees the account change). The catalog and the operator views
/// stay.
pub fn switch_to(model: &mut Model, account: Account) {
    model.tab = Tab::Home;
    if model.account.id == account.id {
        return;
    }
    let names = std::mem::take(&mut model.licenses.names);
    model.licenses = LicenseTable {
        names,
        ..LicenseTable::default()
    };
    model.summary = Remote::default();
    model.subscriptions = Remote::default();
    model.subscription_cursor = Cursor::default();
    model.orders = Remote::default();
    model.order_cursor = Cursor::default();
    model.invoices = Paged::default();
    model.machines = Machines::default();
    model.fresh_order = None;
    model.message = Some((
        format!("{}'s console · ⌫ back to the accounts", account.name),
        Level::Info,
    ));
    model.account = account;
}

/// The columns; the creation day gives way first, the name takes the width left.
const COLUMNS: [(&str, Fit); 6] = [
    ("Name", Fit::Grow),
    ("Kind", Fit::Keep),
    ("Region", Fit::Keep),
    ("Live subs", Fit::Keep),
    ("Unpaid orders", Fit::Keep),
    ("Since", Fit::Shed(0)),
];

pub(super) fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let accounts = &model.operator.accounts;
    let list = &accounts.list;
    let mut state = widgets::paged_state(list.rows.len(), list.complete, &list.page, model);
    if let Some(filter) = accounts.filter.shown() {
        state = format!("{filter} · {state}");
    }
    let block = widgets::titled("Accounts", &state, model);
    let shown = model.account.id;
    let table = widgets::table(&list.rows, list.cursor, area, model, &COLUMNS, |o| {
        let account = &o.account;
        let name = if account.id == shown {
            format!("{} (shown)", account.name)
        } else {
            account.name.clone()
        };
        vec![
            name,
            account.kind.to_string(),
            account.region.to_string(),
            o.live_subscriptions.to_string(),
            o.unpaid_orders.to_string(),
            widgets::day(account.created_at),
        ]
    });
    frame.render_widget(table.block(block), area);
}
