//! Audit: the audit log, newest first, page by page. `/` filters it as typed, with
//! `account:<id>`, `actor:<text>` and `action:<text>` (a bare word is an action).

use chrono::{DateTime, Utc};
use crossterm::event::KeyCode;
use entitle_domain::api::AuditPage;
use ratatui::Frame;
use ratatui::layout::Rect;
use uuid::Uuid;

use super::{Ask, account_name, ask, short_id};
use crate::keys::Hint;
use crate::keys::{self, Key};
use crate::model::{Command, Model};
use crate::paged::{self, MOVE_KEYS};
use crate::remote::{Cursor, RequestId};
use crate::widgets::{self, Fit};

pub mod state;
pub use state::{Audit, AuditFilter, SYNTAX};

/// The next page (older events) is asked for when the selection is this close to the last
/// loaded row.
const AHEAD: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Move,
    Filter,
}

/// The view's keys: the handler below, the footer and the help read this table.
const KEYS: &[Key<Act>] = &[
    Key::new(MOVE_KEYS, "↑↓/jk", "move", Act::Move),
    Key::new(&[KeyCode::Char('/')], "/", "filter", Act::Filter),
];

pub(super) fn hints() -> Vec<Hint> {
    keys::hints(KEYS)
}

/// A key on the audit view; `None` leaves it to the console.
pub(super) fn on_key(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    let audit = &mut model.operator.audit;
    if audit.filter.typing {
        if !audit.filter.on_key(code) {
            return Some(Vec::new());
        }
        match AuditFilter::parse(&audit.filter.text) {
            Ok(filter) => {
                audit.problem = None;
                if filter != audit.sent {
                    audit.sent = filter;
                    audit.list.cursor = Cursor::default();
                    return Some(vec![reload(model)]);
                }
            }
            Err(problem) => audit.problem = Some(problem),
        }
        return Some(Vec::new());
    }
    match keys::action(KEYS, code)? {
        Act::Move => step(model, code),
        Act::Filter => {
            audit.filter.open();
            Some(Vec::new())
        }
    }
}

/// Moves the selection; near the end of what is loaded, older events are asked for.
pub(super) fn step(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    let list = &mut model.operator.audit.list;
    let len = list.rows.len();
    if !paged::step(&mut list.cursor, code, len, model.page_size) {
        return None;
    }
    Some(more(model))
}

fn more(model: &mut Model) -> Vec<Command> {
    let audit = &model.operator.audit;
    match audit.list.next_page(AHEAD) {
        Some(cursor) => {
            let filter = audit.sent.clone();
            let cursor = Some(cursor);
            vec![ask(model, Ask::Audit { filter, cursor })]
        }
        None => Vec::new(),
    }
}

/// Asks for the newest events under the filter again; the answer replaces the rows.
pub(super) fn reload(model: &mut Model) -> Command {
    let audit = &mut model.operator.audit;
    audit.list.reload();
    let filter = audit.sent.clone();
    ask(
        model,
        Ask::Audit {
            filter,
            cursor: None,
        },
    )
}

/// A page arrived: a stale one (the filter changed since) is dropped.
pub(super) fn on_page(model: &mut Model, id: RequestId, page: AuditPage) -> Vec<Command> {
    let now = model.now;
    let list = &mut model.operator.audit.list;
    if !list.page.accept(id, Ok(()), now) {
        return Vec::new();
    }
    list.append(page.items, page.next_cursor.0);
    more(model)
}

/// A failed page is asked for again after a while.
pub(super) fn retry(model: &mut Model, now: DateTime<Utc>) -> Option<Command> {
    let audit = &model.operator.audit;
    if !audit.list.page.retry_due(now) {
        return None;
    }
    match audit.list.retry_cursor() {
        Some(cursor) => {
            let filter = audit.sent.clone();
            let cursor = Some(cursor);
            Some(ask(model, Ask::Audit { filter, cursor }))
        }
        None => Some(reload(model)),
    }
}

/// An actor as the table shows it: `account Demo Berlin` for `account:<id>`, a short id for
/// any other `<kind>:<id>`, else as written (`admin`, `system`, `provider:alipay`).
fn actor(model: &Model, actor: &str) -> String {
    match actor.split_once(':') {
        Some(("account", id)) => match id.parse::<Uuid>() {
            Ok(id) => format!("account {}", account_name(model, id)),
            Err(_) => actor.to_owned(),
        },
        Some((kind, id)) => match id.parse::<Uuid>() {
            Ok(id) => format!("{kind} {}", short_id(id)),
            Err(_) => actor.to_owned(),
        },
        None => actor.to_owned(),
    }
}

/// The columns; the account is kept before the key where there is room for one of them,
/// what changed takes the width left.
const COLUMNS: [(&str, Fit); 6] = [
    ("At", Fit::Keep),
    ("Actor", Fit::Keep),
    ("Action", Fit::Keep),
    ("What", Fit::Grow),
    ("Account", Fit::Shed(0)),
    ("Key", Fit::Shed(1)),
];

pub(super) fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let audit = &model.operator.audit;
    let list = &audit.list;
    let mut state = widgets::paged_state(list.rows.len(), list.complete, &list.page, model);
    if let Some(problem) = &audit.problem {
        state = format!("{problem} · {state}");
    } else if audit.filter.typing && audit.filter.text.trim().is_empty() {
        state = format!("{SYNTAX} · {state}");
    }
    if let Some(filter) = audit.filter.shown() {
        state = format!("{filter} · {state}");
    }
    let block = widgets::titled("Audit, newest first", &state, model);
    let table = widgets::table(&list.rows, list.cursor, area, model, &COLUMNS, |event| {
        vec![
            widgets::date(event.at),
            actor(model, &event.actor),
            event.action.clone(),
            format!("{} {}", event.entity, short_id(event.entity_id)),
            event
                .account_id
                .map(|id| account_name(model, id))
                .unwrap_or_default(),
            event.actor_key_prefix.0.clone().unwrap_or_default(),
        ]
    });
    frame.render_widget(table.block(block), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_line_reads_its_tokens() {
        let id = Uuid::from_u128(7);
        let filter =
            AuditFilter::parse(&format!("account:{id} actor:account:{id} order.paid")).expect("ok");
        assert_eq!(filter.account_id, Some(id));
        assert_eq!(filter.actor, Some(format!("account:{id}")));
        assert_eq!(filter.action.as_deref(), Some("order.paid"));
        assert_eq!(AuditFilter::parse("actor:"), Ok(AuditFilter::default()));
        assert!(AuditFilter::parse("account:12ab").is_err());
        assert!(AuditFilter::parse("colour:red").is_err());
    }
}
