//! A list the server hands out in pages, loaded as the selection nears the end of what is
//! loaded (DESIGN.md §10): the licenses, the invoices, an operator's accounts and audit log,
//! so thousands of rows show without a first request that fetches everything.

use crossterm::event::KeyCode;

use crate::remote::{Cursor, Remote};

/// The keys that move a list's selection: a row, a page, the first or the last row.
pub const MOVE_KEYS: &[KeyCode] = &[
    KeyCode::Down,
    KeyCode::Char('j'),
    KeyCode::Up,
    KeyCode::Char('k'),
    KeyCode::PageDown,
    KeyCode::PageUp,
    KeyCode::Char('g'),
    KeyCode::Home,
    KeyCode::Char('G'),
    KeyCode::End,
];

/// Moves `cursor` over a list of `len` rows, `height` of them on screen, for one of
/// [`MOVE_KEYS`]; `false` for any other key.
pub fn step(cursor: &mut Cursor, code: KeyCode, len: usize, height: usize) -> bool {
    let page = height as isize;
    match code {
        KeyCode::Down | KeyCode::Char('j') => cursor.move_by(1, len, height),
        KeyCode::Up | KeyCode::Char('k') => cursor.move_by(-1, len, height),
        KeyCode::PageDown => cursor.move_by(page, len, height),
        KeyCode::PageUp => cursor.move_by(-page, len, height),
        KeyCode::Char('g') | KeyCode::Home => cursor.jump(0, len, height),
        KeyCode::Char('G') | KeyCode::End => cursor.jump(len.saturating_sub(1), len, height),
        _ => return false,
    }
    true
}

/// Rows loaded so far, where the next page starts, and the selection.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    /// In the server's order (oldest first): a later page extends the end.
    pub rows: Vec<T>,
    /// Where the next page starts; `None` once everything is loaded.
    pub next_cursor: Option<String>,
    pub complete: bool,
    /// The page request in flight, when the last page came, and what failed last.
    pub page: Remote<()>,
    /// The request in flight is for the first page again: its answer replaces the rows, which
    /// stay on screen until then.
    pub reloading: bool,
    pub cursor: Cursor,
}

impl<T> Default for Paged<T> {
    fn default() -> Self {
        Paged {
            rows: Vec::new(),
            next_cursor: None,
            complete: false,
            page: Remote::default(),
            reloading: false,
            cursor: Cursor::default(),
        }
    }
}

impl<T> Paged<T> {
    /// Takes a page that was accepted: a first page asked for again replaces the rows, any
    /// other extends them. The selection stays on a row that exists.
    pub fn append(&mut self, items: Vec<T>, next_cursor: Option<String>) {
        if std::mem::take(&mut self.reloading) {
            self.rows.clear();
        }
        self.rows.extend(items);
        self.complete = next_cursor.is_none();
        self.next_cursor = next_cursor;
        let len = self.rows.len();
        if self.cursor.selected >= len {
            self.cursor = Cursor::default();
            self.cursor.jump(len.saturating_sub(1), len, 1);
        }
    }

    /// Marks the next page request as one for the first page again: its answer replaces the
    /// rows, which stay on screen until then.
    pub fn reload(&mut self) {
        self.reloading = true;
    }

    /// The page to ask for again once the last request failed: the first when the rows are
    /// to be replaced (or there are none), else where the next one starts.
    pub fn retry_cursor(&self) -> Option<String> {
        if self.reloading || self.rows.is_empty() {
            None
        } else {
            self.next_cursor.clone()
        }
    }

    /// Where the next page starts, if it should be asked for now: the selection is within
    /// `ahead` rows of the end of what is loaded, more remains, and no page is on its way.
    pub fn next_page(&self, ahead: usize) -> Option<String> {
        self.next_page_within(ahead, self.rows.len())
    }

    /// [`Paged::next_page`] for a selection that moves over `shown` rows of those loaded
    /// (the licenses' filter shows fewer): near the end of what is shown, more is loaded to
    /// find more that match.
    pub fn next_page_within(&self, ahead: usize, shown: usize) -> Option<String> {
        let near_end = self.cursor.selected + ahead >= shown;
        if near_end && !self.complete && !self.page.is_loading() {
            self.next_cursor.clone()
        } else {
            None
        }
    }
}
