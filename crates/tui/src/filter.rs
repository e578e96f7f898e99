//! The filter line a list types into after `/` (the licenses, an operator's accounts and
//! audit log), with its own table of keys: written once for every list that filters.

use crossterm::event::KeyCode;

use crate::keys::{Key, action};

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

/// A filter typed after `/`: an operator's lists send it to the server as it is typed, the
/// licenses match it against the rows loaded.
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
