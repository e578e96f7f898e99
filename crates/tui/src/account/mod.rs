//! The account's views: Home, Licenses, Subscriptions, Orders, Invoices and the Catalog
//! (issue 23). Each is a module that owns its table of keys (which its handler, the footer
//! and the help all read, see [`crate::keys`]), its key handling and its drawing; its state
//! is the model's (the licenses table's in [`licenses::table`]). This module dispatches to
//! them, loads what they show, and takes the server's answers for them.

pub mod catalog;
pub mod home;
pub mod invoices;
pub mod licenses;
pub mod orders;
pub mod subscriptions;

use chrono::{DateTime, Utc};
use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::keys::Hint;
use crate::model::{Command, Level, Model, Reply, Request, Tab};
use crate::remote::{Cursor, RequestId};
use crate::requests::fetch;

/// Load the next page of licenses or invoices when the selection is this close to the last
/// loaded row.
const PAGE_AHEAD: usize = 100;

/// The commands that load everything the console shows: the account's views, and an
/// admin's operator views.
pub fn start(model: &mut Model) -> Vec<Command> {
    let mut commands = load(model);
    commands.extend(crate::operator::start(model));
    commands
}

/// The commands that load what the account views show (again, when an operator switched
/// the console to another account).
pub fn load(model: &mut Model) -> Vec<Command> {
    let mut commands = vec![licenses::reload(model), invoices::reload(model)];
    for request in [
        Request::Summary,
        Request::Subscriptions,
        Request::Orders,
        Request::Catalog,
    ] {
        commands.push(fetch(model, request));
    }
    commands.push(crate::machines::fetch_stale(model));
    commands
}

/// `r`: the summary and the shown view's own data again (its rows stay until the answer),
/// an operator view's too.
pub fn refresh(model: &mut Model, tab: Tab) -> Vec<Command> {
    let mut commands = vec![fetch(model, Request::Summary)];
    match tab {
        Tab::Home => commands.push(crate::machines::fetch_stale(model)),
        Tab::Licenses => commands.push(licenses::reload(model)),
        Tab::Subscriptions => commands.push(fetch(model, Request::Subscriptions)),
        Tab::Orders => commands.push(fetch(model, Request::Orders)),
        Tab::Invoices => commands.push(invoices::reload(model)),
        Tab::Catalog => commands.push(fetch(model, Request::Catalog)),
        Tab::Operator(view) => commands.extend(crate::operator::refresh(model, view)),
    }
    commands
}

/// A failed load retries on its own after a while ([`crate::remote::RETRY_AFTER_SECONDS`]).
pub fn on_tick(model: &mut Model, now: DateTime<Utc>) -> Vec<Command> {
    let mut commands = Vec::new();
    for (due, request) in [
        (model.summary.retry_due(now), Request::Summary),
        (model.subscriptions.retry_due(now), Request::Subscriptions),
        (model.orders.retry_due(now), Request::Orders),
        (model.catalog.retry_due(now), Request::Catalog),
    ] {
        if due {
            commands.push(fetch(model, request));
        }
    }
    if model.invoices.page.retry_due(now) {
        commands.push(invoices::retry(model));
    }
    if model.licenses.list.page.retry_due(now) {
        commands.push(licenses::retry(model));
    }
    commands
}

/// The server's answer to one of the account views' requests.
pub fn on_reply(model: &mut Model, id: RequestId, reply: Reply) -> Vec<Command> {
    let now = model.now;
    match reply {
        Reply::Summary(summary) => {
            model.summary.accept(id, Ok(summary), now);
        }
        Reply::Subscriptions(items) => {
            model.subscriptions.accept(id, Ok(items), now);
        }
        Reply::Orders(items) => {
            model.orders.accept(id, Ok(items), now);
        }
        Reply::Catalog(items) => return catalog::on_catalog(model, id, items),
        Reply::Invoices(page) => return invoices::on_page(model, id, page),
        Reply::Invoice(invoice) => return invoices::on_requested(model, id, invoice),
        Reply::Licenses(page) => return licenses::on_page(model, id, page),
        Reply::License(license) => return licenses::on_changed(model, license),
        Reply::Subscription(subscription) => {
            return subscriptions::on_changed(model, subscription);
        }
        _ => {}
    }
    Vec::new()
}

/// A failed request of the account views: the data that waited for it keeps its rows and
/// says why (it retries on a tick). `false` when none of them waited for `id`.
pub fn on_error(model: &mut Model, id: RequestId, message: &str) -> bool {
    let now = model.now;
    if model.catalog.accept(id, Err(message.to_owned()), now) {
        // The wizard that waited for the catalog does not open later, by surprise, on a retry.
        if std::mem::take(&mut model.purchase_waiting) {
            model.say(format!("The catalog did not load: {message}"), Level::Error);
        }
        return true;
    }
    model.summary.accept(id, Err(message.to_owned()), now)
        || model.subscriptions.accept(id, Err(message.to_owned()), now)
        || model.orders.accept(id, Err(message.to_owned()), now)
        || model.invoices.page.accept(id, Err(message.to_owned()), now)
        || model
            .licenses
            .list
            .page
            .accept(id, Err(message.to_owned()), now)
}

/// Whether the shown account view's filter line is being typed: it then has every key
/// (`q` is a letter there), before an admin's keys and the global ones.
pub fn typing(model: &Model) -> bool {
    model.tab == Tab::Licenses && model.licenses.filter.typing
}

/// The filter line's keys while it is typed (see [`typing`]).
pub fn typing_hints(model: &Model) -> Option<Vec<Hint>> {
    typing(model).then(|| crate::keys::hints(crate::filter::FILTER_KEYS))
}

/// A key on the account view shown; `None` when the view has no such key.
pub fn on_key(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    match model.tab {
        Tab::Home => home::on_key(model, code),
        Tab::Licenses => licenses::on_key(model, code),
        Tab::Subscriptions => subscriptions::on_key(model, code),
        Tab::Orders => orders::on_key(model, code),
        Tab::Invoices => invoices::on_key(model, code),
        Tab::Catalog => catalog::on_key(model, code),
        Tab::Operator(_) => None,
    }
}

/// The keys of the account view `tab`, from its table, for the footer and the help.
pub fn hints(tab: Tab) -> Vec<Hint> {
    match tab {
        Tab::Home => home::hints(),
        Tab::Licenses => licenses::hints(),
        Tab::Subscriptions => subscriptions::hints(),
        Tab::Orders => orders::hints(),
        Tab::Invoices => invoices::hints(),
        Tab::Catalog => catalog::hints(),
        Tab::Operator(_) => Vec::new(),
    }
}

/// Draws the account view `tab`.
pub fn draw(model: &Model, tab: Tab, frame: &mut Frame, area: Rect) {
    match tab {
        Tab::Home => home::draw(model, frame, area),
        Tab::Licenses => licenses::draw(model, frame, area),
        Tab::Subscriptions => subscriptions::draw(model, frame, area),
        Tab::Orders => orders::draw(model, frame, area),
        Tab::Invoices => invoices::draw(model, frame, area),
        Tab::Catalog => catalog::draw(model, frame, area),
        Tab::Operator(_) => {}
    }
}

/// The shown view's list: its selection and how many rows it has (`None` on Home). The one
/// place the mouse and the move keys find what they move.
pub fn list(model: &mut Model) -> Option<(&mut Cursor, usize)> {
    Some(match model.tab {
        Tab::Licenses => (&mut model.licenses.list.cursor, model.licenses.shown.len()),
        Tab::Subscriptions => (
            &mut model.subscription_cursor,
            model.subscriptions.data.as_ref().map_or(0, Vec::len),
        ),
        Tab::Orders => (
            &mut model.order_cursor,
            model.orders.data.as_ref().map_or(0, Vec::len),
        ),
        Tab::Invoices => (&mut model.invoices.cursor, model.invoices.rows.len()),
        Tab::Catalog => (
            &mut model.catalog_cursor,
            model.catalog.data.as_ref().map_or(0, Vec::len),
        ),
        Tab::Home | Tab::Operator(_) => return None,
    })
}

/// Moves the shown list's selection by a move key ([`crate::paged::MOVE_KEYS`]), then loads
/// the next page where the list is paged and the selection nears its end.
pub fn step(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    let height = model.page_size;
    let (cursor, len) = list(model)?;
    if !crate::paged::step(cursor, code, len, height) {
        return None;
    }
    Some(match model.tab {
        Tab::Licenses => licenses::more(model),
        Tab::Invoices => invoices::more(model),
        _ => Vec::new(),
    })
}
