//! The `:` command line: jump to a view by name, quit, and an admin's sandbox controls
//! (`:advance P1M` moves the sandbox clock, `:run renewals` runs a job now); Tab completes.

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::keys::{self, Hint, Key};
use crate::model::{Command, Level, Model, Overlay, Request, Tab};
use crate::requests::fetch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Complete,
    Run,
    Cancel,
    Erase,
    Type,
}

/// The line's keys: the handler below, the footer and the help read them.
const KEYS: &[Key<Act>] = &[
    Key::new(&[KeyCode::Tab], "Tab", "complete", Act::Complete),
    Key::new(&[KeyCode::Enter], "Enter", "run", Act::Run),
    Key::new(&[KeyCode::Esc], "Esc", "cancel", Act::Cancel),
    Key::new(&[KeyCode::Backspace], "⌫", "erase", Act::Erase),
    Key::text("type", "a command", Act::Type),
];

/// What the help lists of an admin's commands.
pub const ADMIN_COMMANDS: [Hint; 2] = [
    (":advance P1M", "move the sandbox clock (ISO 8601 duration)"),
    (
        ":run renewals",
        "run a job now (renewals, expiry, reminders, webhooks)",
    ),
];

pub fn hints() -> Vec<Hint> {
    keys::hints(KEYS)
}

/// The `:` commands, for completion: every view (an admin's operator views too), quit, and
/// the admin's sandbox controls.
pub fn commands(admin: bool) -> Vec<&'static str> {
    let mut all: Vec<&str> = Tab::shown(admin).iter().map(|t| t.command()).collect();
    all.extend([
        "q",
        "advance P1M",
        "run renewals",
        "run expiry",
        "run reminders",
    ]);
    all
}

/// A key while the command line is open.
pub fn on_key(model: &mut Model, code: KeyCode) -> Vec<Command> {
    let Some(Overlay::Command(line)) = model.overlays.last_mut() else {
        return Vec::new();
    };
    match keys::action(KEYS, code) {
        Some(Act::Cancel) => {
            model.overlays.pop();
        }
        Some(Act::Run) => {
            let line = std::mem::take(line);
            model.overlays.pop();
            return run(model, &line);
        }
        Some(Act::Complete) => {
            if let Some(done) = commands(model.admin)
                .into_iter()
                .find(|c| c.starts_with(line.as_str()))
            {
                *line = done.to_owned();
            }
        }
        Some(Act::Erase) => {
            line.pop();
        }
        Some(Act::Type) => {
            if let KeyCode::Char(c) = code {
                line.push(c);
            }
        }
        None => {}
    }
    Vec::new()
}

/// Runs the command `line`.
fn run(model: &mut Model, line: &str) -> Vec<Command> {
    let line = line.trim();
    let admin_request = if let Some(duration) = line.strip_prefix("advance ") {
        Some(Request::AdvanceClock(duration.trim().to_owned()))
    } else {
        line.strip_prefix("run ")
            .map(|job| Request::RunJob(job.trim().to_owned()))
    };
    if let Some(commands) = crate::operator::run_command(model, line) {
        return commands;
    }
    if let Some(request) = admin_request {
        if !model.admin {
            model.say(
                "The sandbox clock and the jobs need an admin key",
                Level::Error,
            );
            return Vec::new();
        }
        return vec![fetch(model, request)];
    }
    if line == "q" || line == "quit" {
        model.quit = true;
    } else if let Some(tab) = Tab::ALL
        .iter()
        .find(|t| t.command() == line || t.title().eq_ignore_ascii_case(line))
    {
        model.tab = *tab;
    } else if !line.is_empty() {
        let known = commands(model.admin).join(", ");
        model.say(format!("No command :{line} — try {known}"), Level::Error);
    }
    Vec::new()
}

/// The line, at the bottom of the screen, with the commands that complete what is typed.
pub fn draw(model: &Model, line: &str, frame: &mut Frame) {
    let completions: Vec<&str> = commands(model.admin)
        .into_iter()
        .filter(|c| c.starts_with(line))
        .collect();
    let area = frame.area();
    let bar = Rect::new(0, area.height.saturating_sub(1), area.width, 1);
    frame.render_widget(Clear, bar);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!(":{line}▏"), model.theme.active()),
            Span::styled(
                format!("   Tab: {}", completions.join(" ")),
                model.theme.dim(),
            ),
        ])),
        bar,
    );
}
