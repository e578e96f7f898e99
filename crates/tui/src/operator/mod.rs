//! The vendor's operator views (issue 23): accounts, the invoice queue, webhooks, jobs and
//! the audit log. An admin key sees them as tabs after the account's (`7`…`0`, Tab) and by
//! their `:` commands; an account key never does.
//!
//! Each view is a module that owns its state, its one table of keys (which its handler, the
//! footer and the help all read, see [`keys`]) and its drawing. This module dispatches to
//! them and holds what they share: the requests they make ([`Ask`], answered as [`Answer`]),
//! the actions they confirm, their dialogs, and the keys an admin has on every tab. `update`
//! only calls in here.

pub mod accounts;
pub mod audit;
pub mod dialogs;
pub mod jobs;
pub mod queue;
pub mod state;
pub mod view;
pub mod webhooks;
pub mod wire;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use entitle_domain::api::JobRun;
use entitle_domain::jobs::Job;
use ratatui::Frame;
use ratatui::layout::Rect;
use uuid::Uuid;

pub use accounts::{Accounts, switch_to};
pub use audit::{Audit, AuditFilter};
pub use dialogs::{Dialog, Field, NewAccount, Secret, hints as dialog_hints};
pub use jobs::Jobs;
pub use queue::Queue;
pub use state::Operator;
pub use view::View;
pub use webhooks::{Deliveries, Webhooks};
pub use wire::{ACCOUNTS_PAGE, AUDIT_PAGE, Answer, Ask, Confirmed, KEY_NAME};

use crate::keys::{self, DIGITS, Hint, Key};
use crate::model::{Command, Level, Model, Overlay, Request, Tab};
use crate::remote::{Cursor, RequestId};

/// What the keys every tab of an admin's console takes do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Global {
    Jump,
    Back,
}

/// The keys an admin has on every tab.
const KEYS: &[Key<Global>] = &[
    Key::new(
        &[DIGITS[7], DIGITS[8], DIGITS[9], DIGITS[0]],
        "7-0",
        "operator views",
        Global::Jump,
    ),
    Key::new(&[KeyCode::Backspace], "⌫", "accounts", Global::Back),
];

/// A selection no row has, for a table that is only read.
const NO_SELECTION: Cursor = Cursor {
    selected: usize::MAX,
    offset: 0,
};

/// The name of account `id` as far as the console knows it, else the start of its id.
fn account_name(model: &Model, id: Uuid) -> String {
    std::iter::once(&model.account)
        .chain(model.operator.accounts.list.rows.iter().map(|o| &o.account))
        .chain(model.operator.created.iter())
        .find(|account| account.id == id)
        .map_or_else(|| short_id(id), |account| account.name.clone())
}

/// The first eight hex digits of an id, enough to tell it in a table.
fn short_id(id: Uuid) -> String {
    id.simple().to_string().chars().take(8).collect()
}

/// Starts `ask`, noting which state waits for its answer.
fn ask(model: &mut Model, ask: Ask) -> Command {
    let id = model.request_id();
    let op = &mut model.operator;
    match &ask {
        Ask::Accounts { .. } => op.accounts.list.page.start(id),
        Ask::InvoiceQueue => op.queue.data.start(id),
        Ask::WebhookEndpoints => op.webhooks.endpoints.start(id),
        Ask::WebhookDeliveries => op.webhooks.deliveries.start(id),
        Ask::Jobs => op.jobs.list.start(id),
        Ask::Audit { .. } => op.audit.list.page.start(id),
        Ask::RunJob(job) => op.running = Some((id, job.clone())),
        Ask::CreateApiKey(_) => op.creating_key = Some(id),
        Ask::CreateAccount(_) => {
            if let Some(Overlay::Operator(dialog)) = model.overlays.last_mut()
                && let Dialog::NewAccount(form) = &mut **dialog
            {
                form.pending = Some(id);
                form.error = None;
            }
        }
    }
    Command::Fetch(id, Request::Operator(ask))
}

/// The requests that load the operator views (none for an account key).
pub fn start(model: &mut Model) -> Vec<Command> {
    if !model.admin {
        return Vec::new();
    }
    View::ALL
        .into_iter()
        .flat_map(|view| refresh(model, view))
        .collect()
}

/// `r`: asks for `view`'s data again (its rows stay until the answer).
pub fn refresh(model: &mut Model, view: View) -> Vec<Command> {
    match view {
        View::Accounts => vec![accounts::reload(model)],
        View::Queue => vec![ask(model, Ask::InvoiceQueue)],
        View::Webhooks => vec![
            ask(model, Ask::WebhookEndpoints),
            ask(model, Ask::WebhookDeliveries),
        ],
        View::Jobs => vec![ask(model, Ask::Jobs)],
        View::Audit => vec![audit::reload(model)],
    }
}

/// A key on a tab of an admin's console: the operator view's own when one is shown, else
/// the keys every tab takes (`7`…`0`, Backspace back to the accounts). `None` leaves the key
/// to the console.
pub fn on_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Command>> {
    if !model.admin {
        return None;
    }
    let code = key.code;
    if let Tab::Operator(view) = model.tab {
        let handled = match view {
            View::Accounts => accounts::on_key(model, code),
            View::Queue => queue::on_key(model, code),
            View::Webhooks => webhooks::on_key(model, code),
            View::Jobs => jobs::on_key(model, code),
            View::Audit => audit::on_key(model, code),
        };
        if handled.is_some() {
            return handled;
        }
    }
    match keys::action(KEYS, code)? {
        Global::Jump => {
            let KeyCode::Char(digit) = code else {
                return None;
            };
            let view = View::ALL.into_iter().find(|v| v.key() == Some(digit))?;
            model.tab = Tab::Operator(view);
        }
        Global::Back => model.tab = Tab::Operator(View::Accounts),
    }
    Some(Vec::new())
}

/// Moves the shown operator view's selection (the mouse wheel, a move key).
pub fn navigate(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    match model.tab {
        Tab::Operator(View::Accounts) => accounts::step(model, code),
        Tab::Operator(View::Queue) => queue::step(model, code),
        Tab::Operator(View::Webhooks) => webhooks::step(model, code),
        Tab::Operator(View::Jobs) => jobs::step(model, code),
        Tab::Operator(View::Audit) => audit::step(model, code),
        _ => None,
    }
}

/// `:accounts`, `:queue`, `:webhooks`, `:jobs`, `:audit`; `None` for any other line.
pub fn run_command(model: &mut Model, line: &str) -> Option<Vec<Command>> {
    let view = View::ALL
        .into_iter()
        .find(|v| v.command() == line || v.title().eq_ignore_ascii_case(line))?;
    if model.admin {
        model.tab = Tab::Operator(view);
    } else {
        model.say("The operator views need an admin key", Level::Error);
    }
    Some(Vec::new())
}

/// An operator's action confirmed with `y`.
pub fn confirmed(model: &mut Model, action: Confirmed) -> Vec<Command> {
    match action {
        Confirmed::RunJob(job) => vec![ask(model, Ask::RunJob(job))],
        Confirmed::CreateApiKey(account) => vec![ask(model, Ask::CreateApiKey(account))],
    }
}

/// A key while an operator dialog is on top.
pub fn on_dialog_key(model: &mut Model, key: KeyEvent) -> Vec<Command> {
    dialogs::on_key(model, key.code)
}

/// The server's answer to an operator view's request.
pub fn on_reply(model: &mut Model, id: RequestId, answer: Answer) -> Vec<Command> {
    let now = model.now;
    let op = &mut model.operator;
    match answer {
        Answer::Accounts(page) => return accounts::on_page(model, id, page),
        Answer::Audit(page) => return audit::on_page(model, id, page),
        Answer::AccountCreated(account) => return dialogs::created(model, id, account),
        Answer::ApiKey(key) => dialogs::key_created(model, id, key),
        Answer::InvoiceQueue(queue) => {
            op.queue.data.accept(id, Ok(queue), now);
        }
        Answer::WebhookEndpoints(items) => {
            op.webhooks.endpoints.accept(id, Ok(items), now);
        }
        Answer::WebhookDeliveries(deliveries) => {
            op.webhooks.deliveries.accept(id, Ok(deliveries), now);
        }
        Answer::Jobs(items) => {
            op.jobs.list.accept(id, Ok(items), now);
        }
        Answer::JobRun(run) => return ran(model, id, run),
    }
    Vec::new()
}

/// A job ran: what it did is said, and what it changed asked for again.
fn ran(model: &mut Model, id: RequestId, run: JobRun) -> Vec<Command> {
    if model
        .operator
        .running
        .as_ref()
        .is_some_and(|(r, _)| *r == id)
    {
        model.operator.running = None;
    }
    model.say(format!("{}: {}", run.job, run.detail), Level::Success);
    let mut commands = vec![ask(model, Ask::Jobs)];
    if run.job == Job::Invoices {
        commands.push(ask(model, Ask::InvoiceQueue));
    }
    commands
}

/// A request of the operator views failed: `true` when it was one (the message is then
/// shown where it belongs).
pub fn on_error(model: &mut Model, id: RequestId, message: &str) -> bool {
    let now = model.now;
    let op = &mut model.operator;
    let error = message.to_owned();
    if op.accounts.list.page.accept(id, Err(error.clone()), now)
        || op.queue.data.accept(id, Err(error.clone()), now)
        || op.webhooks.endpoints.accept(id, Err(error.clone()), now)
        || op.webhooks.deliveries.accept(id, Err(error.clone()), now)
        || op.jobs.list.accept(id, Err(error.clone()), now)
        || op.audit.list.page.accept(id, Err(error), now)
    {
        return true;
    }
    if let Some((_, job)) = op.running.take_if(|(r, _)| *r == id) {
        model.say(format!("{job} failed: {message}"), Level::Error);
        return true;
    }
    if op.creating_key.take_if(|r| *r == id).is_some() {
        model.say(format!("No API key was created: {message}"), Level::Error);
        return true;
    }
    dialogs::on_error(model, id, message)
}

/// Failed loads of the operator views retry on their own, as the account views' do.
pub fn on_tick(model: &mut Model, now: DateTime<Utc>) -> Vec<Command> {
    if !model.admin {
        return Vec::new();
    }
    let mut commands = Vec::new();
    commands.extend(accounts::retry(model, now));
    commands.extend(audit::retry(model, now));
    let op = &model.operator;
    let again: Vec<Ask> = [
        (op.queue.data.retry_due(now), Ask::InvoiceQueue),
        (op.webhooks.endpoints.retry_due(now), Ask::WebhookEndpoints),
        (
            op.webhooks.deliveries.retry_due(now),
            Ask::WebhookDeliveries,
        ),
        (op.jobs.list.retry_due(now), Ask::Jobs),
    ]
    .into_iter()
    .filter_map(|(is_due, what)| is_due.then_some(what))
    .collect();
    commands.extend(again.into_iter().map(|what| ask(model, what)));
    commands
}

/// Draws `view` in `area`.
pub fn draw(model: &Model, view: View, frame: &mut Frame, area: Rect) {
    match view {
        View::Accounts => accounts::draw(model, frame, area),
        View::Queue => queue::draw(model, frame, area),
        View::Webhooks => webhooks::draw(model, frame, area),
        View::Jobs => jobs::draw(model, frame, area),
        View::Audit => audit::draw(model, frame, area),
    }
}

/// Draws an operator dialog.
pub fn draw_dialog(model: &Model, dialog: &Dialog, frame: &mut Frame) {
    dialogs::draw(model, dialog, frame);
}

/// The keys of `view`, from its table, for the footer and the help.
pub fn view_hints(view: View) -> Vec<Hint> {
    match view {
        View::Accounts => accounts::hints(),
        View::Queue => queue::hints(),
        View::Webhooks => webhooks::hints(),
        View::Jobs => jobs::hints(),
        View::Audit => audit::hints(),
    }
}

/// The filter line's keys while the shown view's filter is typed.
pub fn typing_hints(model: &Model) -> Option<Vec<Hint>> {
    let typing = match model.tab {
        Tab::Operator(View::Accounts) => model.operator.accounts.filter.typing,
        Tab::Operator(View::Audit) => model.operator.audit.filter.typing,
        _ => false,
    };
    (model.admin && typing).then(|| keys::hints(crate::filter::FILTER_KEYS))
}

/// The keys an admin has on every tab, for the footer (none for an account key).
pub fn global_hints(model: &Model) -> Vec<Hint> {
    if model.admin {
        keys::hints(KEYS)
    } else {
        Vec::new()
    }
}

/// What the help lists for an admin: the keys of every tab, and the views' commands.
pub fn help_hints() -> Vec<Hint> {
    let mut hints = keys::hints(KEYS);
    hints.push((
        ":accounts :queue :webhooks :jobs :audit",
        "operator views (Tab reaches the audit)",
    ));
    hints
}
