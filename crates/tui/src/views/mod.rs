//! Drawing the model: a header, the tabs, the current view, a status line, the footer with
//! the keys of what has focus (ending with "? help"), and any dialog on top.

mod catalog;
mod columns;
mod dialog;
mod hints;
mod home;
mod invoices;
mod licenses;
mod machines;
mod orders;
mod overlays;
mod prices;
mod subscriptions;
mod wizard;

pub use columns::{Fit, table, table_styled};
pub use dialog::{dialog, keys as key_line};
pub use hints::{Hint, view_keys};

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::model::{Level, Model, Tab};
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

/// The tab line: each tab with the key that selects it. When the labels do not all fit
/// `width` (an admin's eleven tabs), the tabs not shown are cut to their first three letters,
/// or to one.
fn tab_labels(model: &Model, width: u16) -> Vec<(Tab, String)> {
    let tabs = Tab::shown(model.admin);
    let label = |tab: Tab, letters: usize| {
        let title: String = if tab == model.tab {
            tab.title().to_owned()
        } else {
            tab.title().chars().take(letters).collect()
        };
        match tab.key() {
            Some(key) => format!(" {key} {title} "),
            None => format!(" {title} "),
        }
    };
    let mut labels = Vec::new();
    for letters in [usize::MAX, 3, 1] {
        labels = tabs.iter().map(|&tab| (tab, label(tab, letters))).collect();
        let needed: usize = labels.iter().map(|(_, l)| l.chars().count() + 1).sum();
        if needed.saturating_sub(1) <= usize::from(width) {
            break;
        }
    }
    labels
}

/// The tab under the screen position, for mouse clicks on the tab line.
pub fn tab_at(model: &Model, x: u16, y: u16) -> Option<Tab> {
    if y != 1 {
        return None;
    }
    let mut start = 0u16;
    for (tab, label) in tab_labels(model, model.width) {
        let width = label.chars().count() as u16;
        if (start..start + width).contains(&x) {
            return Some(tab);
        }
        start += width + 1;
    }
    None
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

/// Draws the whole screen.
pub fn draw(model: &Model, frame: &mut Frame) {
    let [header, tabs, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    draw_header(model, frame, header);
    draw_tabs(model, frame, tabs);
    match model.tab {
        Tab::Home => home::draw(model, frame, body),
        Tab::Licenses => licenses::draw(model, frame, body),
        Tab::Subscriptions => subscriptions::draw(model, frame, body),
        Tab::Orders => orders::draw(model, frame, body),
        Tab::Invoices => invoices::draw(model, frame, body),
        Tab::Catalog => catalog::draw(model, frame, body),
        Tab::Operator(view) => crate::operator::draw(model, view, frame, body),
    }
    draw_status(model, frame, status);
    draw_footer(model, frame, footer);
    for overlay in &model.overlays {
        overlays::draw(model, overlay, frame);
    }
}

fn draw_header(model: &Model, frame: &mut Frame, area: Rect) {
    let account = &model.account;
    let busy = if model.busy() {
        spinner(model.tick)
    } else {
        " "
    };
    let mut spans = vec![Span::styled(" Entitle ", model.theme.active())];
    if model.sandbox {
        spans.push(Span::styled(" SANDBOX ", model.theme.selected()));
    }
    // An admin's console may show any account: the header says whose it is.
    let whose = if model.admin { " (operator)" } else { "" };
    spans.extend([
        Span::raw(format!(
            "· {}{whose} · {} · {} · {} ",
            account.name, account.region, account.currency, model.server
        )),
        Span::raw(busy),
    ]);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_tabs(model: &Model, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    for (i, (tab, label)) in tab_labels(model, area.width).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled("│", model.theme.dim()));
        }
        let style = if tab == model.tab {
            model.theme.selected()
        } else {
            Style::new()
        };
        spans.push(Span::styled(label, style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_status(model: &Model, frame: &mut Frame, area: Rect) {
    let line = match &model.message {
        Some((text, level)) => {
            let style = match level {
                Level::Error => model.theme.error(),
                Level::Success => model.theme.ok(),
                Level::Info => Style::new(),
            };
            Line::from(Span::styled(format!(" {text}"), style))
        }
        None => match &model.background {
            Some(_) => Line::from(Span::styled(
                format!(
                    " {} waiting for a payment in the background",
                    spinner(model.tick)
                ),
                model.theme.dim(),
            )),
            None => Line::default(),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The footer: the keys of what has focus (a dialog's when one is open, not the view's
/// underneath), then "? help".
fn draw_footer(model: &Model, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    let keys = hints::focused(model);
    // The footer always ends with "? help" (F1 where `?` is typed as text): the keys that do
    // not fit before it are left out (the help lists them all).
    let help = [
        Span::styled(format!(" {}", hints::help_key(model)), model.theme.key()),
        Span::raw(" help"),
    ];
    let room = usize::from(area.width).saturating_sub(help.iter().map(Span::width).sum());
    let mut used = 0;
    for (key, what) in keys {
        let pair = [
            Span::styled(format!(" {key}"), model.theme.key()),
            Span::raw(format!(" {what} ")),
        ];
        let width: usize = pair.iter().map(Span::width).sum();
        if used + width > room {
            break;
        }
        used += width;
        spans.extend(pair);
    }
    spans.extend(help);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
