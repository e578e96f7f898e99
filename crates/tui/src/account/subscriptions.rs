//! Subscriptions: cycle, quantity, period end, auto-renew; `t` turns auto-renew on or off
//! (never a cancellation), `u` upgrades to a higher edition, `+` adds seats.

use crossterm::event::KeyCode;
use entitle_domain::api::Subscription;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::keys::{self, Hint, Key};
use crate::model::{Action, Command, Level, Model, Request};
use crate::paged::MOVE_KEYS;
use crate::requests::fetch;
use crate::widgets::Fit;
use crate::widgets::{date, state_line, titled};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Move,
    AutoRenew,
    Upgrade,
    Seats,
}

/// The view's keys: the handler below, the footer and the help read this table.
const KEYS: &[Key<Act>] = &[
    Key::new(MOVE_KEYS, "↑↓/jk", "move", Act::Move),
    Key::new(&[KeyCode::Char('t')], "t", "auto-renew", Act::AutoRenew),
    Key::new(&[KeyCode::Char('u')], "u", "upgrade", Act::Upgrade),
    Key::new(&[KeyCode::Char('+')], "+", "add seats", Act::Seats),
];

pub fn hints() -> Vec<Hint> {
    keys::hints(KEYS)
}

/// The subscription under the cursor.
fn selected(model: &Model) -> Option<Subscription> {
    model
        .subscriptions
        .data
        .as_ref()?
        .get(model.subscription_cursor.selected)
        .cloned()
}

/// A key on the subscriptions view; `None` leaves it to the console.
pub fn on_key(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    let act = keys::action(KEYS, code)?;
    if act == Act::Move {
        return super::step(model, code);
    }
    let Some(sub) = selected(model) else {
        return Some(Vec::new());
    };
    match act {
        Act::AutoRenew => confirm_auto_renew(model, &sub),
        Act::Upgrade => crate::dialogs::wizard::open_upgrade(model, &sub),
        Act::Seats => crate::dialogs::wizard::open_seats(model, &sub),
        Act::Move => {}
    }
    Some(Vec::new())
}

/// `t`: turning auto-renew off is not a cancellation, and the dialog says so.
fn confirm_auto_renew(model: &mut Model, sub: &Subscription) {
    let turn_on = !sub.auto_renew;
    let product = model.product_name(&sub.product).to_owned();
    let end = sub.current_period_end.format("%Y-%m-%d");
    let lines = if turn_on {
        vec![format!("{product} will renew on {end}")]
    } else {
        vec![
            format!("{product} will run to {end} and not renew."),
            "This is not a cancellation: nothing is refunded or ended early.".to_owned(),
        ]
    };
    model.confirm(
        format!("Turn auto-renew {}?", if turn_on { "on" } else { "off" }),
        lines,
        Action::SetAutoRenew(sub.id, turn_on),
    );
}

/// A subscription changed by an action (auto-renew turned on or off).
pub fn on_changed(model: &mut Model, subscription: Subscription) -> Vec<Command> {
    let state = if subscription.auto_renew { "on" } else { "off" };
    let text = format!(
        "Auto-renew is {state} for {}",
        model.product_name(&subscription.product)
    );
    model.say(text, Level::Success);
    vec![fetch(model, Request::Subscriptions)]
}

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
