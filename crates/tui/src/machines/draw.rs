//! Machines drawn: the table in a bound license's detail, the export form, and Home's
//! license files to renew.

use entitle_domain::api::License;
use entitle_domain::api::machines::Machine;
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::machines::{ExportField, ExportForm, binds};
use crate::model::Model;
use crate::widgets::{date, spinner, state_line};
use crate::widgets::{dialog, key_line as keys};

/// Machines a license's detail lists at most (a bound license has one active machine; the
/// rest is its history).
const DETAIL_ROWS: usize = 5;
/// License files to renew Home names at most.
const HOME_ROWS: usize = 3;

/// `text` cut to `keep` characters and "…" when longer.
fn shorten(text: &str, keep: usize) -> String {
    if text.chars().count() <= keep {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(keep).collect();
    short.push('…');
    short
}

/// The last `keep` characters of `text`, after "…" when it is longer: a long field being
/// typed shows its end.
fn tail(text: &str, keep: usize) -> String {
    let count = text.chars().count();
    if count <= keep {
        return text.to_owned();
    }
    let end: String = text.chars().skip(count - keep).collect();
    format!("…{end}")
}

fn machine_row(machine: &Machine) -> String {
    let heartbeat = machine
        .last_heartbeat_at
        .map(date)
        .unwrap_or_else(|| "—".to_owned());
    let file = if machine.file_stale {
        "stale"
    } else if machine.file_issued_at.is_some() {
        "current"
    } else {
        "—"
    };
    let status: &'static str = machine.status.into();
    let activated = machine.activated_at.format("%Y-%m-%d").to_string();
    format!(
        "  {:<16} {:<13} {status:<8} {activated:<10} {heartbeat:<16} {file}",
        shorten(&machine.hostname, 15),
        shorten(&machine.fingerprint, 12),
    )
}

/// The machines section of license `l`'s detail; nothing when its product does not bind.
pub fn detail_lines(model: &Model, l: &License) -> Vec<Line<'static>> {
    if !binds(model, &l.product) {
        return Vec::new();
    }
    let theme = model.theme;
    let mine = model.machines.license == Some(l.id);
    let state = if mine {
        state_line(&model.machines.list, model)
    } else {
        String::new()
    };
    let mut title = vec![Span::styled("Machines", theme.active())];
    if !state.is_empty() {
        title.push(Span::styled(format!(" · {state}"), theme.dim()));
    }
    let mut lines = vec![Line::default(), Line::from(title)];
    let Some(items) = model.machines.list.data.as_ref().filter(|_| mine) else {
        return lines;
    };
    if items.is_empty() {
        lines.push(Line::raw(
            "  none yet — e writes a license file for an air-gapped host",
        ));
        return lines;
    }
    lines.push(Line::styled(
        format!(
            "  {:<16} {:<13} {:<8} {:<10} {:<16} File",
            "Hostname", "Fingerprint", "Status", "Activated", "Last heartbeat"
        ),
        theme.dim(),
    ));
    for machine in items.iter().take(DETAIL_ROWS) {
        let style = if machine.file_stale {
            theme.error()
        } else {
            Style::new()
        };
        lines.push(Line::styled(machine_row(machine), style));
    }
    if items.len() > DETAIL_ROWS {
        lines.push(Line::raw(format!(
            "  … and {} more",
            items.len() - DETAIL_ROWS
        )));
    }
    lines
}

/// The export form: the air-gapped host's fingerprint and name.
pub fn draw_form(model: &Model, form: &ExportForm, frame: &mut Frame) {
    let theme = model.theme;
    let field = |label: &str, value: &str, focus: ExportField| {
        let on = form.focus == focus;
        let cursor = if on { "▏" } else { "" };
        let style = if on { theme.selected() } else { Style::new() };
        Line::styled(format!("{label:<12} {}{cursor}", tail(value, 56)), style)
    };
    let mut lines = vec![
        Line::raw(format!("License {}", form.key)),
        Line::styled(
            "Run `entitle fingerprint` on the host, then type what it prints:",
            theme.dim(),
        ),
        Line::default(),
        field("Fingerprint", &form.fingerprint, ExportField::Fingerprint),
        field("Hostname", &form.hostname, ExportField::Hostname),
    ];
    if form.pending.is_some() {
        lines.push(Line::raw(format!(
            "Activating on the server {}",
            spinner(model.tick)
        )));
    }
    if let Some(error) = &form.error {
        lines.push(Line::styled(error.clone(), theme.error()));
    }
    lines.push(Line::default());
    lines.push(keys(model, &crate::machines::form_hints()));
    dialog(model, frame, "Export a license file", lines, 76);
}

/// Home's license files to renew: how many, and the first hosts with their license; nothing
/// when there are none.
pub fn stale_lines(model: &Model) -> Vec<Line<'static>> {
    let theme = model.theme;
    let Some(items) = model.machines.stale.data.as_ref().filter(|i| !i.is_empty()) else {
        return Vec::new();
    };
    let mut lines = vec![
        Line::default(),
        Line::from(vec![
            Span::styled(
                format!("License files to renew: {}", items.len()),
                theme.error(),
            ),
            Span::styled(
                " — export each again (e on its license) and carry it to the host",
                theme.dim(),
            ),
        ]),
    ];
    for stale in items.iter().take(HOME_ROWS) {
        lines.push(Line::raw(format!(
            "  {:<20} {}  file valid until {}",
            shorten(&stale.machine.hostname, 19),
            stale.license.key,
            stale.file_valid_until.format("%Y-%m-%d")
        )));
    }
    if items.len() > HOME_ROWS {
        lines.push(Line::raw(format!(
            "  … and {} more",
            items.len() - HOME_ROWS
        )));
    }
    lines
}
