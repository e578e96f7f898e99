//! One table of keys per view (issue 23): each entry names the presses it answers to, how
//! the footer and the help show it, and the view's action. The view's key handler looks the
//! action up in the same table the hints are read from, so a key cannot be handled without
//! being shown, nor shown without being handled.
//!
//! A leaf: it imports nothing of the console, which every view's module reads it from.

use crossterm::event::KeyCode;

/// The digit keys, `0` to `9`, by their digit.
pub const DIGITS: [KeyCode; 10] = [
    KeyCode::Char('0'),
    KeyCode::Char('1'),
    KeyCode::Char('2'),
    KeyCode::Char('3'),
    KeyCode::Char('4'),
    KeyCode::Char('5'),
    KeyCode::Char('6'),
    KeyCode::Char('7'),
    KeyCode::Char('8'),
    KeyCode::Char('9'),
];

/// A key and what it does, as the footer and the help show it.
pub type Hint = (&'static str, &'static str);

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
    /// Whether the footer shows it (the help shows every key).
    pub footer: bool,
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
            footer: true,
        }
    }

    /// A key answering to any character typed.
    pub const fn text(label: &'static str, what: &'static str, action: A) -> Self {
        Key {
            press: Press::Text,
            label,
            what,
            action,
            footer: true,
        }
    }

    /// The same key, listed by the help but not in the footer, where room is short (the keys
    /// every view takes, past the few the footer names).
    pub const fn help_only(self) -> Self {
        Key {
            footer: false,
            ..self
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

/// The table's keys as the help shows them, in the table's order.
pub fn hints<A>(table: &[Key<A>]) -> Vec<Hint> {
    table.iter().map(|key| (key.label, key.what)).collect()
}

/// The table's keys whose action `offered` allows now (a dialog's key that acts only in some
/// of its states), as the footer and the help show them.
pub fn offered_hints<A: Copy>(table: &[Key<A>], offered: impl Fn(A) -> bool) -> Vec<Hint> {
    table
        .iter()
        .filter(|key| offered(key.action))
        .map(|key| (key.label, key.what))
        .collect()
}

/// The table's keys the footer shows, in the table's order.
pub fn footer_hints<A>(table: &[Key<A>]) -> Vec<Hint> {
    table
        .iter()
        .filter(|key| key.footer)
        .map(|key| (key.label, key.what))
        .collect()
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
    fn the_footer_leaves_out_the_help_only_keys_and_a_state_the_keys_it_does_not_offer() {
        let table = [
            Key::new(&[KeyCode::Enter], "Enter", "open", Act::Open),
            Key::new(&[KeyCode::Down], "↓", "down", Act::Move).help_only(),
        ];
        assert_eq!(footer_hints(&table), [("Enter", "open")]);
        assert_eq!(hints(&table).len(), 2, "the help lists both");
        assert_eq!(
            offered_hints(&table, |act| act == Act::Move),
            [("↓", "down")]
        );
    }
}
