//! Jobs: each background job's last run, its result and how long it took, how often it ran
//! and when it runs next. Enter or `r` runs the selected one now, once confirmed; what the
//! run did is said when it finishes.

use chrono::{DateTime, Utc};
use crossterm::event::KeyCode;
use entitle_domain::api::JobStatus;
use entitle_domain::jobs::Job;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::Confirmed;
use crate::keys::Hint;
use crate::keys::{self, Key};
use crate::model::{Action, Command, Confirm, Level, Model, Overlay};
use crate::paged::{self, MOVE_KEYS};
use crate::widgets::{self, Fit};

pub mod state;
pub use state::Jobs;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Move,
    Run,
}

/// The view's keys: the handler below, the footer and the help read this table.
const KEYS: &[Key<Act>] = &[
    Key::new(MOVE_KEYS, "↑↓/jk", "move", Act::Move),
    Key::new(
        &[KeyCode::Enter, KeyCode::Char('r')],
        "Enter/r",
        "run now",
        Act::Run,
    ),
];

pub(super) fn hints() -> Vec<Hint> {
    keys::hints(KEYS)
}

/// A key on the jobs view; `None` leaves it to the console.
pub(super) fn on_key(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    match keys::action(KEYS, code)? {
        Act::Move => step(model, code),
        Act::Run => {
            confirm_run(model);
            Some(Vec::new())
        }
    }
}

/// Moves the selection.
pub(super) fn step(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    let jobs = &mut model.operator.jobs;
    let len = jobs.list.data.as_ref().map_or(0, Vec::len);
    paged::step(&mut jobs.cursor, code, len, model.page_size).then(Vec::new)
}

/// What a job does, for its confirmation.
fn about(job: Job) -> &'static str {
    match job {
        Job::Reconcile => "asks the providers about payments whose news was lost",
        Job::OrderExpiry => "expires the orders left unpaid past their time",
        Job::Renewals => "renews the subscriptions that are due",
        Job::Expiry => "ends what ran past its term",
        Job::Machines => "releases floating seats whose heartbeats stopped",
        Job::Reminders => "reminds accounts of renewals coming up",
        Job::Invoices => "issues the requested invoices (the weekly batch)",
        Job::Webhooks => "sends the webhook deliveries that are due",
        Job::Mail => "sends the outbox's messages",
    }
}

/// Enter or `r`: asks before the selected job runs.
fn confirm_run(model: &mut Model) {
    let jobs = &model.operator.jobs;
    let Some(job) = jobs
        .list
        .data
        .as_ref()
        .and_then(|list| list.get(jobs.cursor.selected))
        .map(|status| status.job)
    else {
        return;
    };
    if let Some((_, running)) = &model.operator.running {
        let text = format!("{running} is running: wait for it to finish");
        model.say(text, Level::Info);
        return;
    }
    let mode = if model.sandbox {
        "Test mode: it acts on the sandbox's accounts, at the sandbox clock's time."
    } else {
        "Live: it acts on real accounts now, as the scheduler would."
    };
    let confirm = Confirm {
        title: format!("Run {job} now?"),
        lines: vec![format!("It {}.", about(job)), mode.to_owned()],
        action: Action::Operator(Confirmed::RunJob(job.name().to_owned())),
    };
    model.overlays.push(Overlay::Confirm(confirm));
}

/// How long a run took: `<1s`, `42s`, `3m 04s`, `1h 02m`.
fn took(seconds: i64) -> String {
    match seconds {
        i64::MIN..=0 => "<1s".to_owned(),
        1..=59 => format!("{seconds}s"),
        60..=3599 => format!("{}m {:02}s", seconds / 60, seconds % 60),
        _ => format!("{}h {:02}m", seconds / 3600, seconds % 3600 / 60),
    }
}

/// A time in a narrow column: month, day, hour and minute.
fn short(t: DateTime<Utc>) -> String {
    t.format("%m-%d %H:%M").to_string()
}

/// The last run's result: running (started after the last finished), its outcome, or never.
fn result(status: &JobStatus) -> String {
    let started = *status.last_started_at;
    let finished = *status.last_finished_at;
    match (started, finished) {
        (Some(s), Some(f)) if s > f => "running".to_owned(),
        (Some(_), None) => "running".to_owned(),
        _ => status
            .last_outcome
            .0
            .clone()
            .unwrap_or_else(|| "never ran".to_owned()),
    }
}

/// The columns; the count of runs gives way first, the detail takes the width left.
const COLUMNS: [(&str, Fit); 7] = [
    ("Job", Fit::Keep),
    ("Last run", Fit::Keep),
    ("Result", Fit::Keep),
    ("Took", Fit::Keep),
    ("Runs", Fit::Shed(0)),
    ("Next run", Fit::Keep),
    ("Detail", Fit::Grow),
];

pub(super) fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let jobs = &model.operator.jobs;
    let mut state = widgets::state_line(&jobs.list, model);
    if let Some((_, job)) = &model.operator.running {
        state = format!("running {job} {} · {state}", widgets::spinner(model.tick));
    }
    let block = widgets::titled("Jobs", &state, model);
    let items = jobs.list.data.as_deref().unwrap_or_default();
    let failed = model.theme.error();
    let table = widgets::table_styled(
        items,
        jobs.cursor,
        area,
        model,
        &COLUMNS,
        |status| {
            let duration = match (*status.last_started_at, *status.last_finished_at) {
                (Some(s), Some(f)) if f >= s => took((f - s).num_seconds()),
                _ => String::new(),
            };
            vec![
                status.job.to_string(),
                status.last_started_at.map(short).unwrap_or_default(),
                result(status),
                duration,
                status.runs.to_string(),
                status
                    .next_run_at
                    .map(short)
                    .unwrap_or_else(|| "—".to_owned()),
                status.last_detail.0.clone().unwrap_or_default(),
            ]
        },
        |status| {
            if status.last_outcome.as_deref() == Some("failed") {
                failed
            } else {
                Style::new()
            }
        },
    );
    frame.render_widget(table.block(block), area);
}
