//! A list the server hands out in pages, loaded as the selection nears the end of what is
//! loaded: the invoices, as the licenses table does it (DESIGN.md §10), so an account with
//! thousands of invoices shows them all without a first request that fetches everything.

use crate::model::{Cursor, Remote};

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

    /// Where the next page starts, if it should be asked for now: the selection is within
    /// `ahead` rows of the end of what is loaded, more remains, and no page is on its way.
    pub fn next_page(&self, ahead: usize) -> Option<String> {
        let near_end = self.cursor.selected + ahead >= self.rows.len();
        if near_end && !self.complete && !self.page.is_loading() {
            self.next_cursor.clone()
        } else {
            None
        }
    }
}
