//! The keys every view takes (DESIGN.md §10), after the view's own: switch views, the command
//! line, subscribe, refresh, the mouse, back to Home, the help, quit. One table, read by the
//! handler, the footer (the few it has room for) and the help (all of them).

use crossterm::event::KeyCode;

use crate::keys::{self, DIGITS, Hint, Key};
use crate::model::{Command, Level, Model, Overlay, Tab};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    View,
    Next,
    Previous,
    CommandLine,
    Subscribe,
    Refresh,
    Mouse,
    Home,
    Help,
    Quit,
}

/// The keys every view takes.
const KEYS: &[Key<Act>] = &[
    Key::new(
        &[
            DIGITS[1], DIGITS[2], DIGITS[3], DIGITS[4], DIGITS[5], DIGITS[6],
        ],
        "1-6",
        "views",
        Act::View,
    ),
    Key::new(&[KeyCode::Tab], "Tab", "next view", Act::Next).help_only(),
    Key::new(&[KeyCode::BackTab], "S-Tab", "previous view", Act::Previous).help_only(),
    Key::new(
        &[KeyCode::Char(':')],
        ":",
        "command line (:licenses :q …)",
        Act::CommandLine,
    )
    .help_only(),
    Key::new(&[KeyCode::Char('s')], "s", "subscribe", Act::Subscribe),
    Key::new(&[KeyCode::Char('r')], "r", "refresh", Act::Refresh).help_only(),
    Key::new(
        &[KeyCode::Char('m')],
        "m",
        "mouse off/on (select text)",
        Act::Mouse,
    )
    .help_only(),
    Key::new(&[KeyCode::Esc], "Esc", "back to Home", Act::Home).help_only(),
    Key::new(
        &[KeyCode::Char('?'), KeyCode::F(1)],
        "? F1",
        "help",
        Act::Help,
    )
    .help_only(),
    Key::new(&[KeyCode::Char('q')], "q", "quit", Act::Quit),
];

/// Every key of the table, for the help.
pub fn hints() -> Vec<Hint> {
    keys::hints(KEYS)
}

/// The ones the footer names after the view's keys.
pub fn footer_hints() -> Vec<Hint> {
    keys::footer_hints(KEYS)
}

/// A key no view and no dialog took; `None` when it is none of these either.
pub fn on_key(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    match keys::action(KEYS, code)? {
        Act::View => {
            if let KeyCode::Char(digit @ '1'..='6') = code {
                model.tab = Tab::ALL[(digit as usize) - ('1' as usize)];
            }
        }
        Act::Next => model.tab = model.tab.step(model.admin, 1),
        Act::Previous => model.tab = model.tab.step(model.admin, -1),
        Act::CommandLine => model.overlays.push(Overlay::Command(String::new())),
        Act::Subscribe => return Some(crate::dialogs::wizard::open_purchase(model)),
        Act::Refresh => return Some(crate::account::refresh(model, model.tab)),
        Act::Mouse => {
            model.mouse = !model.mouse;
            let state = if model.mouse {
                "captured"
            } else {
                "released: select text freely"
            };
            model.say(format!("Mouse {state}"), Level::Info);
            return Some(vec![Command::SetMouse(model.mouse)]);
        }
        Act::Home => model.tab = Tab::Home,
        Act::Help => model.overlays.push(Overlay::Help),
        Act::Quit => model.quit = true,
    }
    Some(Vec::new())
}
