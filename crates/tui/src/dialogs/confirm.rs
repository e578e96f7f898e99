//! A confirmation: a change the operator must confirm. Its default is Cancel: only `y`
//! confirms; `n`, Esc and a bare Enter cancel.

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::text::Line;

use crate::keys::{self, Hint, Key};
use crate::model::{Action, Command, Confirm, Model, Overlay, Request};
use crate::requests::fetch;
use crate::widgets::dialog;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Confirm,
    Cancel,
}

/// The dialog's keys: the handler below, its key line, the footer and the help read them.
const KEYS: &[Key<Act>] = &[
    Key::new(
        &[KeyCode::Char('y'), KeyCode::Char('Y')],
        "y",
        "confirm",
        Act::Confirm,
    ),
    Key::new(
        &[KeyCode::Char('n'), KeyCode::Esc, KeyCode::Enter],
        "n/Esc/Enter",
        "cancel (default)",
        Act::Cancel,
    ),
];

pub fn hints() -> Vec<Hint> {
    keys::hints(KEYS)
}

/// A key while a confirmation is on top.
pub fn on_key(model: &mut Model, code: KeyCode) -> Vec<Command> {
    let Some(act) = keys::action(KEYS, code) else {
        return Vec::new();
    };
    let Some(Overlay::Confirm(confirm)) = model.overlays.pop() else {
        return Vec::new();
    };
    match act {
        Act::Confirm => confirmed(model, confirm.action),
        Act::Cancel => Vec::new(),
    }
}

/// What a confirmed action asks the server.
fn confirmed(model: &mut Model, action: Action) -> Vec<Command> {
    let request = match action {
        Action::Consume(id) => Request::Consume(id),
        Action::Activate(id, host) => Request::Activate(id, host),
        Action::Deactivate(id) => Request::Deactivate(id),
        Action::SetAutoRenew(id, on) => Request::SetAutoRenew(id, on),
        Action::CancelOrder(id) => Request::CancelOrder(id),
        Action::PlaceOrder { key, request } => {
            // Leave the wizard for the payment dialog, which follows the order.
            super::payment::begin(model);
            Request::PlaceOrder { key, request }
        }
        Action::Operator(action) => return crate::operator::confirmed(model, action),
    };
    vec![fetch(model, request)]
}

pub fn draw(model: &Model, confirm: &Confirm, frame: &mut Frame, key_line: Line<'static>) {
    let mut lines: Vec<Line> = confirm.lines.iter().cloned().map(Line::raw).collect();
    lines.push(Line::default());
    lines.push(key_line);
    dialog(model, frame, &confirm.title, lines, 76);
}
