//! What every list and panel of the console is built from: data fetched from the server
//! ([`Remote`], kept while a new request runs, with its age and its last error), the request
//! ids that tell a fresh reply from a stale one, and a selection in a list ([`Cursor`]).
//! A leaf: it imports nothing of the console.

use chrono::{DateTime, Utc};

/// How long a failed load waits before it retries on its own.
pub const RETRY_AFTER_SECONDS: i64 = 5;

/// Tells one request from another, so a reply to a request that a newer one replaced is
/// dropped (DESIGN.md §10).
pub type RequestId = u64;

/// Data fetched from the server: the last answer is kept (with its age) while a new request
/// runs, and an error says why and when it happened. Never an empty list while a request
/// hangs.
#[derive(Debug, Clone)]
pub struct Remote<T> {
    pub data: Option<T>,
    pub loaded_at: Option<DateTime<Utc>>,
    pub error: Option<(String, DateTime<Utc>)>,
    pub pending: Option<RequestId>,
}

impl<T> Default for Remote<T> {
    fn default() -> Self {
        Remote {
            data: None,
            loaded_at: None,
            error: None,
            pending: None,
        }
    }
}

impl<T> Remote<T> {
    /// A request `id` started; only its reply will be accepted.
    pub fn start(&mut self, id: RequestId) {
        self.pending = Some(id);
    }

    /// Whether `id` is the request this data waits for.
    pub fn expects(&self, id: RequestId) -> bool {
        self.pending == Some(id)
    }

    /// Takes the reply to `id` at `now`; a stale reply is dropped (returns `false`).
    pub fn accept(&mut self, id: RequestId, result: Result<T, String>, now: DateTime<Utc>) -> bool {
        if !self.expects(id) {
            return false;
        }
        self.pending = None;
        match result {
            Ok(data) => {
                self.data = Some(data);
                self.loaded_at = Some(now);
                self.error = None;
            }
            Err(message) => self.error = Some((message, now)),
        }
        true
    }

    pub fn is_loading(&self) -> bool {
        self.pending.is_some()
    }

    /// Whether a failed load is due to be retried at `now`: it failed a while ago
    /// ([`RETRY_AFTER_SECONDS`]) and nothing is on its way.
    pub fn retry_due(&self, now: DateTime<Utc>) -> bool {
        !self.is_loading()
            && self
                .error
                .as_ref()
                .is_some_and(|(_, at)| (now - *at).num_seconds() >= RETRY_AFTER_SECONDS)
    }
}

/// A selection in a list, and the first row shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    pub offset: usize,
}

impl Cursor {
    /// Moves by `delta` rows within `len`, keeping the selection inside a window of `height`.
    pub fn move_by(&mut self, delta: isize, len: usize, height: usize) {
        if len == 0 {
            *self = Cursor::default();
            return;
        }
        let target = self.selected as isize + delta;
        self.selected = target.clamp(0, len as isize - 1) as usize;
        self.scroll_into_view(height);
    }

    /// Jumps to row `index`.
    pub fn jump(&mut self, index: usize, len: usize, height: usize) {
        self.selected = index.min(len.saturating_sub(1));
        self.scroll_into_view(height);
    }

    fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }
}
