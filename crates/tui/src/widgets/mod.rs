//! What the views are drawn with: a titled block with its state line (loading, loaded, the
//! error and when it retries), tables whose columns fit the width, dialogs and their key
//! lines, dates, ages and prices as the console writes them. It imports only the model and
//! the leaves, so that every view's module can draw with it.

mod columns;
mod dialog;
pub mod prices;

pub use columns::{Fit, fit, sized, table, table_styled};
pub use dialog::{dialog, keys as key_line};

use chrono::{DateTime, Utc};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use crate::model::Model;
use crate::remote::Remote;

/// Rows of the screen above a table's first data row: header, tabs, border, column titles.
const TABLE_TOP: u16 = 4;
/// Rows of chrome around a table: header, tabs, two borders, column titles, status, footer.
const CHROME: u16 = 7;

/// How many table rows fit a terminal `height` rows tall.
pub fn table_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(CHROME)).max(1)
}

/// The table row (0-based, from the first shown) at screen row `y`, if any.
pub fn row_at(y: u16) -> Option<usize> {
    y.checked_sub(TABLE_TOP).map(usize::from)
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The spinner's frame at `tick`.
pub fn spinner(tick: u64) -> &'static str {
    SPINNER[(tick as usize) % SPINNER.len()]
}

/// "just now", "12s ago", "3m ago", "2h ago".
pub fn age(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds().max(0);
    match seconds {
        0..=1 => "just now".to_owned(),
        2..=59 => format!("{seconds}s ago"),
        60..=3599 => format!("{}m ago", seconds / 60),
        _ => format!("{}h ago", seconds / 3600),
    }
}

/// A date as the console shows it.
pub fn date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// A day, where a table has no room for the time (`2027-11-19`).
pub fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// The state line of a view: Loading, Loaded (with its age) or Error (with when it retries).
pub fn state_line<T>(remote: &Remote<T>, model: &Model) -> String {
    if let Some((error, at)) = &remote.error {
        let wait = crate::remote::RETRY_AFTER_SECONDS - (model.now - *at).num_seconds();
        let when = if remote.is_loading() {
            "retrying now".to_owned()
        } else {
            format!("retrying in {}s", wait.max(0))
        };
        return format!("error: {error} — {when}");
    }
    match (remote.is_loading(), remote.loaded_at) {
        (true, Some(at)) => format!(
            "refreshing {} (loaded {})",
            spinner(model.tick),
            age(at, model.now)
        ),
        (true, None) => format!("loading {}", spinner(model.tick)),
        (false, Some(at)) => format!("loaded {}", age(at, model.now)),
        (false, None) => String::new(),
    }
}

/// The state of a list loaded page by page: how many rows are loaded, whether scrolling
/// brings more, then the last request's state.
pub fn paged_state<T>(loaded: usize, complete: bool, page: &Remote<T>, model: &Model) -> String {
    let more = if complete { "" } else { ", more on scroll" };
    let loaded = format!("{loaded} loaded{more}");
    let state = state_line(page, model);
    if state.is_empty() {
        loaded
    } else {
        format!("{loaded} · {state}")
    }
}

/// A bordered block titled `title · state`.
pub fn titled(title: &str, state: &str, model: &Model) -> Block<'static> {
    let mut spans = vec![Span::styled(format!(" {title} "), model.theme.active())];
    if !state.is_empty() {
        spans.push(Span::styled(format!("· {state} "), model.theme.dim()));
    }
    Block::default()
        .borders(Borders::ALL)
        .title(Line::from(spans))
}
