//! The invoice form (`i` on a paid order): the invoice's type, whether the buyer is a
//! company, the buyer's details; sent, the request waits for the weekly batch. The form's
//! state and its rules are [`crate::invoice_form`]'s.

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::Line;

use crate::invoice_form::{FIELDS, Focus, InvoiceForm};
use crate::keys::{self, Hint, Key};
use crate::model::{Command, Model, Overlay, Request};
use crate::remote::RequestId;
use crate::requests::fetch;
use crate::widgets::{dialog, spinner};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Field,
    Choose,
    Enter,
    Cancel,
    Erase,
    Type,
}

/// The form's keys: the handler below, its key line, the footer and the help read them.
const KEYS: &[Key<Act>] = &[
    Key::new(
        &[KeyCode::Down, KeyCode::Tab, KeyCode::Up, KeyCode::BackTab],
        "↑↓/Tab",
        "field",
        Act::Field,
    ),
    Key::new(
        &[KeyCode::Left, KeyCode::Right],
        "←→/Space",
        "choose",
        Act::Choose,
    ),
    Key::new(&[KeyCode::Enter], "Enter", "next / send", Act::Enter),
    Key::new(&[KeyCode::Esc], "Esc", "cancel", Act::Cancel),
    Key::new(&[KeyCode::Backspace], "⌫", "erase", Act::Erase),
    Key::text("type", "the field", Act::Type),
];

pub fn hints() -> Vec<Hint> {
    keys::hints(KEYS)
}

/// A key while the invoice form is on top.
pub fn on_key(model: &mut Model, code: KeyCode) -> Vec<Command> {
    let Some(Overlay::InvoiceForm(form)) = model.overlays.last_mut() else {
        return Vec::new();
    };
    match keys::action(KEYS, code) {
        Some(Act::Cancel) => {
            model.overlays.pop();
        }
        Some(Act::Field) => {
            let back = matches!(code, KeyCode::Up | KeyCode::BackTab);
            form.move_focus(if back { -1 } else { 1 });
        }
        Some(Act::Choose) => form.toggle(),
        Some(Act::Erase) => form.erase(),
        Some(Act::Enter) if form.focus == Focus::Submit => {
            let request = Request::RequestInvoice(form.order_id, form.request());
            return vec![fetch(model, request)];
        }
        Some(Act::Enter) => form.move_focus(1),
        // A space on a choice chooses (the form knows which fields are choices).
        Some(Act::Type) => {
            if let KeyCode::Char(c) = code {
                form.type_char(c);
            }
        }
        None => {}
    }
    Vec::new()
}

/// A request the server refused: the form stays, and says why. `false` when the form did
/// not wait for `id`.
pub fn on_error(model: &mut Model, id: RequestId, message: &str) -> bool {
    match model.overlays.last_mut() {
        Some(Overlay::InvoiceForm(form)) if form.pending == Some(id) => {
            form.pending = None;
            form.error = Some(message.to_owned());
            true
        }
        _ => false,
    }
}

pub fn draw(model: &Model, form: &InvoiceForm, frame: &mut Frame, key_line: Line<'static>) {
    let style = |focus: Focus| {
        if form.focus == focus {
            model.theme.selected()
        } else {
            Style::new()
        }
    };
    let mut lines = vec![
        Line::styled(format!("Type      ‹ {} ›", form.kind()), style(Focus::Type)),
        Line::styled(
            format!("Company   [{}]", if form.company { "x" } else { " " }),
            style(Focus::Company),
        ),
    ];
    for (i, label) in FIELDS.iter().enumerate() {
        lines.push(Line::styled(
            format!("{label:<20} {}", form.fields[i]),
            style(Focus::Field(i)),
        ));
    }
    lines.push(Line::styled("[ Request invoice ]", style(Focus::Submit)));
    if form.pending.is_some() {
        lines.push(Line::raw(format!("Sending {}", spinner(model.tick))));
    }
    if let Some(error) = &form.error {
        lines.push(Line::styled(error.clone(), model.theme.error()));
    }
    lines.push(Line::default());
    lines.push(key_line);
    dialog(model, frame, "Request an invoice", lines, 70);
}
