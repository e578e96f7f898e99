//! The invoice queue: the invoices requested across accounts, which the next weekly batch
//! issues (and when it runs), and the latest issued ones with their numbers and series. `b`
//! runs the batch now, once confirmed.

use crossterm::event::KeyCode;
use entitle_domain::api::Invoice;
use entitle_domain::jobs::Job;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use super::{Confirmed, NO_SELECTION, account_name};
use crate::keys::Hint;
use crate::keys::{self, Key};
use crate::model::{Action, Command, Confirm, Level, Model, Overlay};
use crate::paged::{self, MOVE_KEYS};
use crate::widgets::{self, Fit};

pub mod state;
pub use state::Queue;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Move,
    Batch,
}

/// The view's keys: the handler below, the footer and the help read this table.
const KEYS: &[Key<Act>] = &[
    Key::new(MOVE_KEYS, "↑↓/jk", "move", Act::Move),
    Key::new(&[KeyCode::Char('b')], "b", "run the batch now", Act::Batch),
];

pub(super) fn hints() -> Vec<Hint> {
    keys::hints(KEYS)
}

/// A key on the queue view; `None` leaves it to the console.
pub(super) fn on_key(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    match keys::action(KEYS, code)? {
        Act::Move => step(model, code),
        Act::Batch => {
            confirm_batch(model);
            Some(Vec::new())
        }
    }
}

/// Moves the selection among the requested invoices.
pub(super) fn step(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    let queue = &mut model.operator.queue;
    let len = queue.data.data.as_ref().map_or(0, |q| q.requested.len());
    let height = (model.page_size / 2).max(1);
    paged::step(&mut queue.cursor, code, len, height).then(Vec::new)
}

/// `b`: the batch issues every requested invoice with its final number, so it asks first.
fn confirm_batch(model: &mut Model) {
    if let Some((_, job)) = &model.operator.running {
        let text = format!("{job} is running: wait for it to finish");
        model.say(text, Level::Info);
        return;
    }
    let requested = model
        .operator
        .queue
        .data
        .data
        .as_ref()
        .map_or(0, |q| q.requested.len());
    let mode = if model.sandbox {
        "Test mode: the sandbox's invoices are numbered in its own books."
    } else {
        "Live: issued invoices are final, and their numbers are never reused."
    };
    let confirm = Confirm {
        title: "Run the invoice batch now?".to_owned(),
        lines: vec![
            format!("It issues the {requested} requested invoices now, each with its number."),
            mode.to_owned(),
        ],
        action: Action::Operator(Confirmed::RunJob(Job::Invoices.name().to_owned())),
    };
    model.overlays.push(Overlay::Confirm(confirm));
}

/// The requested invoices' columns; the type gives way first, the buyer takes the width left.
const REQUESTED: [(&str, Fit); 5] = [
    ("Requested", Fit::Keep),
    ("Account", Fit::Keep),
    ("Type", Fit::Shed(0)),
    ("Buyer", Fit::Grow),
    ("Total", Fit::Keep),
];

/// The issued invoices' columns; the account gives way first.
const ISSUED: [(&str, Fit); 6] = [
    ("Number", Fit::Keep),
    ("Series", Fit::Keep),
    ("Account", Fit::Shed(0)),
    ("Buyer", Fit::Grow),
    ("Total", Fit::Keep),
    ("Issued", Fit::Keep),
];

fn buyer(invoice: &Invoice) -> String {
    invoice.buyer.title.clone().unwrap_or_default()
}

fn total(invoice: &Invoice) -> String {
    format!("{} {}", invoice.total, invoice.currency)
}

pub(super) fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let queue = &model.operator.queue;
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Fill(1)]).areas(area);
    let (requested, issued, next) = match &queue.data.data {
        Some(q) => (
            q.requested.as_slice(),
            q.issued.as_slice(),
            q.next_batch_at.0,
        ),
        None => (&[][..], &[][..], None),
    };
    let mut state = match next {
        Some(at) => format!("next batch: {}", widgets::date(at)),
        None => "no batch scheduled".to_owned(),
    };
    if let Some((_, job)) = &model.operator.running
        && job == Job::Invoices.name()
    {
        state = format!("issuing {} · {state}", widgets::spinner(model.tick));
    }
    let loaded = widgets::state_line(&queue.data, model);
    if !loaded.is_empty() {
        state = format!("{state} · {loaded}");
    }
    let title = format!("Requested ({})", requested.len());
    let block = widgets::titled(&title, &state, model);
    let table = widgets::table(requested, queue.cursor, top, model, &REQUESTED, |i| {
        vec![
            widgets::date(i.requested_at),
            account_name(model, i.account_id),
            i.kind.to_string(),
            buyer(i),
            total(i),
        ]
    });
    frame.render_widget(table.block(block), top);

    let block = widgets::titled("Issued, latest first", "", model);
    let table = widgets::table(issued, NO_SELECTION, bottom, model, &ISSUED, |i| {
        vec![
            i.number.0.clone().unwrap_or_else(|| "—".to_owned()),
            i.kind.series().to_owned(),
            account_name(model, i.account_id),
            buyer(i),
            total(i),
            i.issued_at.map(widgets::date).unwrap_or_default(),
        ]
    });
    frame.render_widget(table.block(block), bottom);
}
