//! Machines and offline license files in the console (issue 22): a bound license's detail
//! lists the machines it is activated on, `e` activates it on an air-gapped host and writes
//! that host's signed license file next to the operator, and Home names the hosts whose file
//! a renewal left stale.
//!
//! The keys and replies live here so that `update` only dispatches to them, the state in
//! [`state`] (which the model holds, so it imports only the console's leaves); drawing is in
//! [`draw`]. Writing the file is the runtime's ([`Command::WriteFile`]): this
//! stays as pure as `update`.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use entitle_domain::api::License;
use entitle_domain::api::machines::Activation;
use uuid::Uuid;

use crate::keys::{self, Hint, Key};
use crate::model::{Command, Level, Model, Overlay, Reply, Request};
use crate::remote::{Remote, RequestId};

pub mod draw;
pub mod state;
pub use state::{ExportField, ExportForm, Machines};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormAct {
    Field,
    Next,
    Cancel,
    Erase,
    Type,
}

/// The export form's keys: its handler, its key line, the footer and the help read them.
const FORM_KEYS: &[Key<FormAct>] = &[
    Key::new(
        &[KeyCode::Tab, KeyCode::BackTab, KeyCode::Up, KeyCode::Down],
        "Tab/↑↓",
        "field",
        FormAct::Field,
    ),
    Key::new(&[KeyCode::Enter], "Enter", "next / export", FormAct::Next),
    Key::new(&[KeyCode::Esc], "Esc", "cancel", FormAct::Cancel),
    Key::new(&[KeyCode::Backspace], "⌫", "erase", FormAct::Erase),
    Key::text("type", "fingerprint, name", FormAct::Type),
];

/// The export form's keys, from its table.
pub fn form_hints() -> Vec<Hint> {
    keys::hints(FORM_KEYS)
}

/// Whether licenses of `product` bind to machines, as the catalog says (not while the
/// catalog is unknown).
pub fn binds(model: &Model, product: &str) -> bool {
    model
        .catalog
        .data
        .as_ref()
        .and_then(|catalog| catalog.iter().find(|p| p.code == product))
        .is_some_and(|p| p.licensing.binding.binds())
}

/// The name of the file written for `hostname`: `<license id>-<hostname>.lic` (never the
/// license key, which the file itself leaves out too), any
/// character a file name should not hold (`/`, `:`) as `_`.
pub fn file_name(license: &str, hostname: &str) -> String {
    let safe = |text: &str| -> String {
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("{}-{}.lic", safe(license), safe(hostname))
}

fn fetch_list(model: &mut Model, license: Uuid) -> Command {
    let id = model.request_id();
    model.machines.list.start(id);
    Command::Fetch(id, Request::Machines(license))
}

/// Asks for the account's stale license files (with the rest of Home's data).
pub fn fetch_stale(model: &mut Model) -> Command {
    let id = model.request_id();
    model.machines.stale.start(id);
    Command::Fetch(id, Request::StaleFiles)
}

/// A license's detail opened: its machines are asked for when its product binds. Another
/// license's machines are not shown meanwhile; the same license's stay until the answer.
pub fn open_detail(model: &mut Model, license: &License) -> Vec<Command> {
    if !binds(model, &license.product) {
        return Vec::new();
    }
    if model.machines.license != Some(license.id) {
        model.machines.license = Some(license.id);
        model.machines.list = Remote::default();
    }
    vec![fetch_list(model, license.id)]
}

/// `e`: the export form for `license`, when its product binds.
pub fn open_export(model: &mut Model, license: &License) -> Vec<Command> {
    if binds(model, &license.product) {
        let form = ExportForm::new(license);
        model.overlays.push(Overlay::ExportFile(Box::new(form)));
    } else {
        let text = format!(
            "{} licenses are not bound to machines: there is no license file to export",
            model.product_name(&license.product)
        );
        model.message = Some((text, Level::Info));
    }
    Vec::new()
}

/// A key while the export form is on top.
pub fn on_form_key(model: &mut Model, key: KeyEvent) -> Vec<Command> {
    let Some(Overlay::ExportFile(form)) = model.overlays.last_mut() else {
        return Vec::new();
    };
    let Some(act) = keys::action(FORM_KEYS, key.code) else {
        return Vec::new();
    };
    match act {
        FormAct::Cancel => {
            model.overlays.pop();
        }
        FormAct::Field => form.switch(),
        FormAct::Erase => form.erase(),
        FormAct::Next if form.pending.is_some() => {}
        FormAct::Next if form.focus == ExportField::Fingerprint => form.switch(),
        FormAct::Next => {
            let input = match form.input() {
                Ok(input) => input,
                Err(missing) => {
                    form.error = Some(missing.to_owned());
                    return Vec::new();
                }
            };
            let request = Request::ActivateMachine {
                license: form.license,
                key: form.key.clone(),
                input,
            };
            let id = model.request_id();
            if let Some(Overlay::ExportFile(form)) = model.overlays.last_mut() {
                form.pending = Some(id);
                form.error = None;
            }
            return vec![Command::Fetch(id, request)];
        }
        FormAct::Type => {
            if let KeyCode::Char(c) = key.code {
                form.type_char(c);
            }
        }
    }
    Vec::new()
}

/// The server's answer to a request of this module.
pub fn on_reply(model: &mut Model, id: RequestId, reply: Reply) -> Vec<Command> {
    let now = model.now;
    match reply {
        Reply::Machines(items) => {
            model.machines.list.accept(id, Ok(items), now);
        }
        Reply::StaleFiles(items) => {
            model.machines.stale.accept(id, Ok(items), now);
        }
        Reply::Activation { key, activation } => return activated(model, id, &key, activation),
        _ => {}
    }
    Vec::new()
}

/// The host is activated: its file is written, and what it changed is asked for again.
fn activated(model: &mut Model, id: RequestId, key: &str, activation: Activation) -> Vec<Command> {
    model
        .overlays
        .retain(|o| !matches!(o, Overlay::ExportFile(form) if form.pending == Some(id)));
    let Activation {
        machine,
        license_file,
    } = activation;
    model.message = Some((
        format!(
            "Activated {key} on {}; writing its license file…",
            machine.hostname
        ),
        Level::Info,
    ));
    let mut commands = vec![Command::WriteFile {
        name: file_name(&machine.license_id.to_string(), &machine.hostname),
        contents: license_file,
    }];
    if model.machines.license == Some(machine.license_id) {
        commands.push(fetch_list(model, machine.license_id));
    }
    // A fresh file for a host renews its stale one.
    commands.push(fetch_stale(model));
    commands
}

/// A request of this module failed: `true` when it was one (the message is then shown where
/// it belongs), `false` to let the status line show it.
pub fn on_error(model: &mut Model, id: RequestId, message: &str) -> bool {
    let now = model.now;
    if model.machines.list.accept(id, Err(message.to_owned()), now)
        || model
            .machines
            .stale
            .accept(id, Err(message.to_owned()), now)
    {
        return true;
    }
    let form = model.overlays.iter_mut().rev().find_map(|o| match o {
        Overlay::ExportFile(form) if form.pending == Some(id) => Some(form),
        _ => None,
    });
    match form {
        Some(form) => {
            form.pending = None;
            form.error = Some(message.to_owned());
            true
        }
        None => false,
    }
}

/// The runtime wrote the license file (or could not).
pub fn on_written(model: &mut Model, result: Result<PathBuf, String>) -> Vec<Command> {
    model.message = Some(match result {
        Ok(path) => (
            format!("License file written to {}", path.display()),
            Level::Success,
        ),
        Err(reason) => (
            format!("The license file was not written: {reason} (export it again)"),
            Level::Error,
        ),
    });
    Vec::new()
}

/// Failed loads of this module retry on their own, as the views' do; a license's machines
/// only while its detail is open.
pub fn on_tick(model: &mut Model, now: DateTime<Utc>) -> Vec<Command> {
    let mut commands = Vec::new();
    if model.machines.stale.retry_due(now) {
        commands.push(fetch_stale(model));
    }
    if let Some(license) = model.machines.license
        && model.machines.list.retry_due(now)
        && model
            .overlays
            .iter()
            .any(|o| matches!(o, Overlay::Detail(l) if l.id == license))
    {
        commands.push(fetch_list(model, license));
    }
    commands
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_named_after_the_license_and_the_host_and_stays_in_its_directory() {
        assert_eq!(
            file_name("DR-00001-AAAAA", "db-1.example.com"),
            "DR-00001-AAAAA-db-1.example.com.lic"
        );
        assert_eq!(file_name("DR-1", "../etc/x"), "DR-1-.._etc_x.lic");
        assert_eq!(file_name("DR-1", "fe80::1"), "DR-1-fe80__1.lic");
    }
}
