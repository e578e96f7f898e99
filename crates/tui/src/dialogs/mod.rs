//! The dialogs drawn over a view: the help, the command line, a confirmation, a license's
//! detail, the host prompt, the invoice form, the subscribe wizard and the payment dialog
//! (the export form is the machines module's, an operator's dialogs the operator views').
//! Each is a module that owns its table of keys (read by its handler, its key line, the
//! footer and the help), its key handling and its drawing; the dialog's state is the
//! model's [`Overlay`]. The top dialog has the keys: the view underneath gets none.

pub mod command;
pub mod confirm;
pub mod detail;
pub mod help;
pub mod host;
pub mod invoice;
pub mod payment;
pub mod wizard;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;

use crate::keys::Hint;
use crate::model::{Command, Model, Overlay};

/// A key while a dialog is on top.
pub fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Command> {
    let Some(top) = model.overlays.last() else {
        return Vec::new();
    };
    // Help is one key away from a dialog too: F1, or `?` where it is not typed as text.
    let wants_help =
        key.code == KeyCode::F(1) || (key.code == KeyCode::Char('?') && !top.takes_text());
    if wants_help && !matches!(top, Overlay::Help) {
        model.overlays.push(Overlay::Help);
        return Vec::new();
    }
    let code = key.code;
    match top {
        Overlay::Help => help::on_key(model, code),
        Overlay::Command(_) => command::on_key(model, code),
        Overlay::Confirm(_) => confirm::on_key(model, code),
        Overlay::Detail(_) => detail::on_key(model, code),
        Overlay::HostInput { .. } => host::on_key(model, code),
        Overlay::Wizard(_) => wizard::on_key(model, code),
        Overlay::InvoiceForm(_) => invoice::on_key(model, code),
        Overlay::Payment(_) => payment::on_key(model, code),
        Overlay::ExportFile(_) => crate::machines::on_form_key(model, key),
        Overlay::Operator(_) => crate::operator::on_dialog_key(model, key),
    }
}

/// The keys of the dialog `overlay`, from its table, as its key line and the footer show
/// them.
pub fn hints(model: &Model, overlay: &Overlay) -> Vec<Hint> {
    match overlay {
        Overlay::Help => help::hints(),
        Overlay::Command(_) => command::hints(),
        Overlay::Confirm(_) => confirm::hints(),
        Overlay::Detail(license) => detail::hints(model, license),
        Overlay::HostInput { .. } => host::hints(),
        Overlay::Wizard(wizard) => wizard::hints(wizard),
        Overlay::InvoiceForm(_) => invoice::hints(),
        Overlay::Payment(watch) => payment::hints(watch),
        Overlay::ExportFile(_) => crate::machines::form_hints(),
        Overlay::Operator(dialog) => crate::operator::dialog_hints(dialog),
    }
}

/// Draws the dialog `overlay` over the screen.
pub fn draw(model: &Model, overlay: &Overlay, frame: &mut Frame) {
    let key_line = crate::widgets::key_line(model, &hints(model, overlay));
    match overlay {
        Overlay::Help => help::draw(model, frame),
        Overlay::Command(line) => command::draw(model, line, frame),
        Overlay::Confirm(confirm) => confirm::draw(model, confirm, frame, key_line),
        Overlay::Detail(license) => detail::draw(model, license, frame, key_line),
        Overlay::HostInput { host, .. } => host::draw(model, host, frame, key_line),
        Overlay::Wizard(wizard) => wizard::draw(model, wizard, frame, key_line),
        Overlay::InvoiceForm(form) => invoice::draw(model, form, frame, key_line),
        Overlay::Payment(watch) => payment::draw(model, watch, frame, key_line),
        Overlay::ExportFile(form) => crate::machines::draw::draw_form(model, form, frame),
        Overlay::Operator(dialog) => crate::operator::draw_dialog(model, dialog, frame),
    }
}
