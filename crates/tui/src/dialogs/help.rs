//! The help (`?` or F1): the keys of what has focus under it (the dialog's, else the view's),
//! then the keys every view takes, then an admin's commands; the keys from the tables the
//! handlers read.

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::text::Line;

use crate::keys::{self, Hint, Key};
use crate::model::{Command, Model, Overlay, Tab};
use crate::widgets::{dialog, key_line};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Close,
}

/// The help's keys.
const KEYS: &[Key<Act>] = &[Key::new(
    &[
        KeyCode::Esc,
        KeyCode::Char('?'),
        KeyCode::F(1),
        KeyCode::Char('q'),
    ],
    "Esc/?/q",
    "close",
    Act::Close,
)];

pub fn hints() -> Vec<Hint> {
    keys::hints(KEYS)
}

/// A key while the help is on top.
pub fn on_key(model: &mut Model, code: KeyCode) -> Vec<Command> {
    if keys::action(KEYS, code) == Some(Act::Close) {
        model.overlays.pop();
    }
    Vec::new()
}

/// The keys of the view `tab`, from its table.
pub fn view_hints(tab: Tab) -> Vec<Hint> {
    match tab {
        Tab::Operator(view) => crate::operator::view_hints(view),
        tab => crate::account::hints(tab),
    }
}

pub fn draw(model: &Model, frame: &mut Frame) {
    let beneath = model
        .overlays
        .iter()
        .rev()
        .find(|o| !matches!(o, Overlay::Help));
    let (heading, focused) = match beneath {
        Some(under) => ("This dialog".to_owned(), super::hints(model, under)),
        None => (format!("{} view", model.tab.title()), view_hints(model.tab)),
    };
    // A key a line, or two where the keys are many (the keys every view takes), so that
    // the help fits 80×24.
    let section = |lines: &mut Vec<Line<'static>>, heading: String, keys: &[Hint], per_line| {
        lines.push(Line::styled(heading, model.theme.active()));
        lines.extend(keys.chunks(per_line).map(|pairs| key_line(model, pairs)));
    };
    let mut lines = Vec::new();
    section(&mut lines, heading, &focused, 1);
    if beneath.is_none() && model.tab != Tab::Home {
        lines.push(Line::styled(
            " g/G Home/End PgUp/PgDn: to the top, the bottom, by pages",
            model.theme.dim(),
        ));
    }
    lines.push(Line::default());
    section(
        &mut lines,
        "Everywhere".to_owned(),
        &crate::global::hints(),
        2,
    );
    if model.admin {
        lines.push(Line::default());
        let mut admin = super::command::ADMIN_COMMANDS.to_vec();
        admin.extend(crate::operator::help_hints());
        section(&mut lines, "Admin, sandbox mode".to_owned(), &admin, 1);
    }
    if model.tab == Tab::Licenses && beneath.is_none() {
        lines.push(Line::default());
        lines.push(Line::raw(
            "The filter matches key, product (name or code) and status of the loaded rows.",
        ));
    }
    dialog(model, frame, "Help", lines, 72);
}
