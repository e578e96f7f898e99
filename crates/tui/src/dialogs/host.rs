//! The host prompt: where to activate a license (`a` on the licenses view), then confirmed.

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::text::Line;

use crate::keys::{self, Hint, Key};
use crate::model::{Action, Command, Model, Overlay};
use crate::widgets::dialog;

/// The longest host name taken (DNS's limit).
const HOST_MAX: usize = 253;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Next,
    Cancel,
    Erase,
    Type,
}

/// The prompt's keys: the handler below, its key line, the footer and the help read them.
const KEYS: &[Key<Act>] = &[
    Key::new(&[KeyCode::Enter], "Enter", "next", Act::Next),
    Key::new(&[KeyCode::Esc], "Esc", "cancel", Act::Cancel),
    Key::new(&[KeyCode::Backspace], "⌫", "erase", Act::Erase),
    Key::text("type", "the host", Act::Type),
];

pub fn hints() -> Vec<Hint> {
    keys::hints(KEYS)
}

/// A key while the host prompt is on top.
pub fn on_key(model: &mut Model, code: KeyCode) -> Vec<Command> {
    let Some(Overlay::HostInput { license, host }) = model.overlays.last_mut() else {
        return Vec::new();
    };
    match keys::action(KEYS, code) {
        Some(Act::Cancel) => {
            model.overlays.pop();
        }
        Some(Act::Next) if !host.trim().is_empty() => {
            let (license, host) = (*license, host.trim().to_owned());
            model.overlays.pop();
            model.confirm(
                "Activate this license?",
                vec![format!("on host {host}")],
                Action::Activate(license, host),
            );
        }
        Some(Act::Erase) => {
            host.pop();
        }
        Some(Act::Type) => {
            if let KeyCode::Char(c) = code
                && host.len() < HOST_MAX
            {
                host.push(c);
            }
        }
        Some(Act::Next) | None => {}
    }
    Vec::new()
}

pub fn draw(model: &Model, host: &str, frame: &mut Frame, key_line: Line<'static>) {
    let lines = vec![
        Line::raw("Host name or address to activate the license on:"),
        Line::styled(format!("> {host}▏"), model.theme.active()),
        Line::default(),
        key_line,
    ];
    dialog(model, frame, "Activate on host", lines, 60);
}
