//! The operator views' dialogs, each with its table of keys: the form that creates an
//! account (name, kind, region), then the offer of its first API key (a confirmation, `y`),
//! then the key's secret, shown this once.

use crossterm::event::KeyCode;
use entitle_domain::Region;
use entitle_domain::api::{Account, CreatedApiKey};
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::Line;

use super::{Ask, Confirmed, KEY_NAME, account_name, ask};
use crate::keys::{self, Key};
use crate::model::{Action, Command, Confirm, Level, Model, Overlay};
use crate::remote::RequestId;

pub mod state;
use crate::keys::Hint;
use crate::widgets;
pub use state::{Dialog, Field, NAME_MAX, NewAccount, Secret};

/// A dialog's keys, from its table, for its key line, the footer and the help.
pub fn hints(dialog: &Dialog) -> Vec<Hint> {
    match dialog {
        Dialog::NewAccount(_) => keys::hints(FORM_KEYS),
        Dialog::Secret(_) => keys::hints(SECRET_KEYS),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormAct {
    Type,
    Next,
    Back,
    Choose,
    Submit,
    Erase,
    Cancel,
}

/// The form's keys.
const FORM_KEYS: &[Key<FormAct>] = &[
    Key::new(
        &[KeyCode::Tab, KeyCode::Down],
        "Tab/↓",
        "field",
        FormAct::Next,
    ),
    Key::new(&[KeyCode::BackTab, KeyCode::Up], "↑", "back", FormAct::Back),
    Key::new(
        &[KeyCode::Left, KeyCode::Right],
        "←→",
        "choose",
        FormAct::Choose,
    ),
    Key::new(&[KeyCode::Enter], "Enter", "next / create", FormAct::Submit),
    Key::new(&[KeyCode::Esc], "Esc", "cancel", FormAct::Cancel),
    Key::new(&[KeyCode::Backspace], "⌫", "erase", FormAct::Erase),
    Key::text("type", "the name", FormAct::Type),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SecretAct {
    Copy,
    Close,
}

/// The secret dialog's keys.
const SECRET_KEYS: &[Key<SecretAct>] = &[
    Key::new(&[KeyCode::Char('c')], "c", "copy", SecretAct::Copy),
    Key::new(
        &[KeyCode::Esc, KeyCode::Enter],
        "Esc/Enter",
        "close",
        SecretAct::Close,
    ),
];

/// A key while an operator dialog is on top.
pub(super) fn on_key(model: &mut Model, code: KeyCode) -> Vec<Command> {
    let Some(Overlay::Operator(dialog)) = model.overlays.last_mut() else {
        return Vec::new();
    };
    match &mut **dialog {
        Dialog::NewAccount(form) => match keys::action(FORM_KEYS, code) {
            Some(FormAct::Cancel) => {
                model.overlays.pop();
            }
            Some(FormAct::Next) => form.focus = form.focus.moved(1),
            Some(FormAct::Back) => form.focus = form.focus.moved(-1),
            Some(FormAct::Choose) => form.choose(),
            Some(FormAct::Erase) if form.focus == Field::Name => {
                form.name.pop();
                form.error = None;
            }
            Some(FormAct::Type) => match code {
                KeyCode::Char(' ') if form.focus != Field::Name => form.choose(),
                KeyCode::Char(c)
                    if form.focus == Field::Name
                        && !c.is_control()
                        && form.name.chars().count() < NAME_MAX =>
                {
                    form.name.push(c);
                    form.error = None;
                }
                _ => {}
            },
            Some(FormAct::Submit) if form.pending.is_none() => {
                if form.focus != Field::Create {
                    form.focus = form.focus.moved(1);
                    return Vec::new();
                }
                match form.input() {
                    Ok(input) => return vec![ask(model, Ask::CreateAccount(input))],
                    Err(missing) => form.error = Some(missing.to_owned()),
                }
            }
            _ => {}
        },
        Dialog::Secret(secret) => match keys::action(SECRET_KEYS, code) {
            Some(SecretAct::Copy) => {
                secret.copied = true;
                return vec![Command::Copy(secret.key.clone())];
            }
            Some(SecretAct::Close) => {
                model.overlays.pop();
            }
            None => {}
        },
    }
    Vec::new()
}

/// The account is created: the form closes, the list is asked for again, and its first API
/// key is offered (a confirmation: Cancel is the default).
pub(super) fn created(model: &mut Model, id: RequestId, account: Account) -> Vec<Command> {
    model.overlays.retain(|o| {
        !matches!(o, Overlay::Operator(dialog)
            if matches!(&**dialog, Dialog::NewAccount(form) if form.pending == Some(id)))
    });
    model.say(
        format!(
            "Account {} created ({}, {})",
            account.name, account.kind, account.region
        ),
        Level::Success,
    );
    model.overlays.push(Overlay::Confirm(Confirm {
        title: "Create its first API key?".to_owned(),
        lines: vec![
            format!(
                "{} has no API key yet: create one named \"{KEY_NAME}\" now?",
                account.name
            ),
            "Its secret is shown once: the server keeps only its hash.".to_owned(),
        ],
        action: Action::Operator(Confirmed::CreateApiKey(account.id)),
    }));
    model.operator.created = Some(account);
    super::refresh(model, super::View::Accounts)
}

/// The API key is created: its secret is shown, this once.
pub(super) fn key_created(model: &mut Model, id: RequestId, key: CreatedApiKey) {
    if model.operator.creating_key == Some(id) {
        model.operator.creating_key = None;
    }
    let account = match *key.account_id {
        Some(account) => account_name(model, account),
        None => "an admin".to_owned(),
    };
    let secret = Secret {
        account,
        prefix: key.prefix,
        key: key.key,
        copied: false,
    };
    model
        .overlays
        .push(Overlay::Operator(Box::new(Dialog::Secret(secret))));
}

/// The creation the form waits for was refused: the form says why (`false` when no form
/// waited for `id`).
pub(super) fn on_error(model: &mut Model, id: RequestId, message: &str) -> bool {
    for overlay in model.overlays.iter_mut().rev() {
        if let Overlay::Operator(dialog) = overlay
            && let Dialog::NewAccount(form) = &mut **dialog
            && form.pending == Some(id)
        {
            form.pending = None;
            form.error = Some(message.to_owned());
            return true;
        }
    }
    false
}

pub(super) fn draw(model: &Model, dialog: &Dialog, frame: &mut Frame) {
    let key_line = widgets::key_line(model, &hints(dialog));
    match dialog {
        Dialog::NewAccount(form) => draw_form(model, form, frame, key_line),
        Dialog::Secret(secret) => {
            let mut lines = vec![
                Line::raw(format!(
                    "The API key for {}, shown this once (the server keeps only its hash):",
                    secret.account
                )),
                Line::default(),
                Line::styled(secret.key.clone(), model.theme.active()),
                Line::default(),
                Line::raw(format!(
                    "Send it as Authorization: Bearer <key>. Lists show it as {}…",
                    secret.prefix
                )),
            ];
            if secret.copied {
                lines.push(Line::styled(
                    "Copied to the clipboard (OSC 52).",
                    model.theme.ok(),
                ));
            }
            lines.push(Line::default());
            lines.push(key_line);
            widgets::dialog(model, frame, "API key created", lines, 78);
        }
    }
}

fn draw_form(model: &Model, form: &NewAccount, frame: &mut Frame, key_line: Line<'static>) {
    let style = |field: Field| {
        if form.focus == field {
            model.theme.selected()
        } else {
            Style::new()
        }
    };
    let cursor = if form.focus == Field::Name { "▏" } else { "" };
    let currency = match form.region {
        Region::Cn => "CNY, Alipay and WeChat Pay",
        Region::Intl => "USD, PayPal and card",
    };
    let mut lines = vec![
        Line::styled(
            format!("Name     {}{cursor}", form.name),
            style(Field::Name),
        ),
        Line::styled(format!("Kind     ‹ {} ›", form.kind), style(Field::Kind)),
        Line::styled(
            format!("Region   ‹ {} ›  {currency}", form.region),
            style(Field::Region),
        ),
        Line::styled("[ Create account ]", style(Field::Create)),
        Line::styled(
            "Kind and region are chosen now for good.",
            model.theme.dim(),
        ),
    ];
    if form.pending.is_some() {
        lines.push(Line::raw(format!(
            "Creating {}",
            widgets::spinner(model.tick)
        )));
    }
    if let Some(error) = &form.error {
        lines.push(Line::styled(error.clone(), model.theme.error()));
    }
    lines.push(Line::default());
    lines.push(key_line);
    widgets::dialog(model, frame, "New account", lines, 72);
}
