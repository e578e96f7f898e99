//! One table of keys per view (issue 23): each entry names the presses it answers to, how
//! the footer and the help show it, and the view's action. The view's key handler looks the
//! action up in the same table the hints are read from, so a key cannot be handled without
//! being shown, nor shown without being handled.
//!
//! The filter line that the accounts and the audit views type into lives here too, with its
//! own table.

use crossterm::event::KeyCode;

use crate::views::Hint;

/// Which presses a key of a table answers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Press {
    /// Any of these codes.
    Codes(&'static [KeyCode]),
    /// Any character typed (a text line), unless an earlier entry of the table takes it.
    Text,
}

/// One key of a table: the presses, their label and what they do, and the view's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key<A> {
    pub press: Press,
    /// How the footer and the help name the presses (`↑↓/jk`, `Enter`).
    pub label: &'static str,
    /// What the key does, in a word or two.
    pub what: &'static str,
    pub action: A,
}

impl<A: Copy> Key<A> {
    /// A key answering to `codes`.
    pub const fn new(
        codes: &'static [KeyCode],
        label: &'static str,
        what: &'static str,
        action: A,
    ) -> Self {
        Key {
            press: Press::Codes(codes),
            label,
            what,
            action,
        }
    }

    /// A key answering to any character typed.
    pub const fn text(label: &'static str, what: &'static str, action: A) -> Self {
        Key {
            press: Press::Text,
            label,
            what,
            action,
        }
    }

    fn answers(&self, code: KeyCode) -> bool {
        match self.press {
            Press::Codes(codes) => codes.contains(&code),
            Press::Text => matches!(code, KeyCode::Char(_)),
        }
    }
}

/// The action of the first key of `table` that `code` presses, if any.
pub fn action<A: Copy>(table: &[Key<A>], code: KeyCode) -> Option<A> {
    table
        .iter()
        .find(|key| key.answers(code))
        .map(|key| key.action)
}

/// The table's keys as the footer and the help show them, in the table's order.
pub fn hints<A>(table: &[Key<A>]) -> Vec<Hint> {
    table.iter().map(|key| (key.label, key.what)).collect()
}

/// What a key does to the filter line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Keep,
    Clear,
    Erase,
    Type,
}

/// The filter line's keys (DESIGN.md §10: Enter keeps the filter, Esc clears it).
pub const FILTER_KEYS: &[Key<Edit>] = &[
    Key::text("type", "filter", Edit::Type),
    Key::new(&[KeyCode::Enter], "Enter", "keep", Edit::Keep),
    Key::new(&[KeyCode::Esc], "Esc", "clear", Edit::Clear),
    Key::new(&[KeyCode::Backspace], "⌫", "erase", Edit::Erase),
];

/// A filter typed after `/`, sent to the server as it is typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub text: String,
    /// The line has the keys: every character is typed into it.
    pub typing: bool,
}

impl Filter {
    /// The longest filter taken.
    const MAX: usize = 200;

    /// Starts typing (`/`).
    pub fn open(&mut self) {
        self.typing = true;
    }

    /// A key while the line is typed: whether the text changed, so that the list is asked
    /// for again.
    pub fn on_key(&mut self, code: KeyCode) -> bool {
        // A typed character is matched before Enter and Esc, which are not characters.
        match action(FILTER_KEYS, code) {
            Some(Edit::Type) => match code {
                KeyCode::Char(c) if !c.is_control() && self.text.chars().count() < Self::MAX => {
                    self.text.push(c);
                    true
                }
                _ => false,
            },
            Some(Edit::Keep) => {
                self.typing = false;
                false
            }
            Some(Edit::Clear) => {
                self.typing = false;
                !std::mem::take(&mut self.text).is_empty()
            }
            Some(Edit::Erase) => self.text.pop().is_some(),
            None => false,
        }
    }

    /// The text, trimmed, or `None` when there is none.
    pub fn query(&self) -> Option<String> {
        let text = self.text.trim();
        (!text.is_empty()).then(|| text.to_owned())
    }

    /// How a view's title shows it: `/text▏` while typed, `/text` once kept, nothing when
    /// empty.
    pub fn shown(&self) -> Option<String> {
        match (self.typing, self.text.is_empty()) {
            (true, _) => Some(format!("/{}▏", self.text)),
            (false, false) => Some(format!("/{}", self.text)),
            (false, true) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Act {
        Move,
        Open,
    }

    const TABLE: &[Key<Act>] = &[
        Key::new(
            &[KeyCode::Down, KeyCode::Char('j')],
            "↓/j",
            "down",
            Act::Move,
        ),
        Key::new(&[KeyCode::Enter], "Enter", "open", Act::Open),
    ];

    #[test]
    fn the_handler_and_the_hints_read_one_table() {
        assert_eq!(action(TABLE, KeyCode::Char('j')), Some(Act::Move));
        assert_eq!(action(TABLE, KeyCode::Enter), Some(Act::Open));
        assert_eq!(action(TABLE, KeyCode::Char('x')), None);
        assert_eq!(hints(TABLE), [("↓/j", "down"), ("Enter", "open")]);
    }

    #[test]
    fn the_filter_types_keeps_and_clears() {
        let mut filter = Filter::default();
        filter.open();
        assert!(filter.on_key(KeyCode::Char('q')), "q is typed, not quit");
        assert_eq!(filter.shown().as_deref(), Some("/q▏"));
        assert!(!filter.on_key(KeyCode::Enter));
        assert!(!filter.typing);
        assert_eq!(filter.query().as_deref(), Some("q"));
        filter.open();
        assert!(filter.on_key(KeyCode::Esc), "clearing a filter asks again");
        assert_eq!(filter.query(), None);
        assert_eq!(filter.shown(), None);
    }
}
