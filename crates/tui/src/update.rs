//! `update(model, msg) -> commands`: the console's loop. Every key, reply and tick comes in
//! here and goes to what it belongs to: a key to the top dialog ([`crate::dialogs`]), else
//! to the shown view (an account view's [`crate::account`], an operator view's
//! [`crate::operator`]), else to the keys every view takes ([`crate::global`]); a reply to the
//! state that waits for it. The model is changed in place and the commands returned are the
//! runtime's to carry out, so all of this is tested without a terminal.

use chrono::{DateTime, Utc};
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};

pub use crate::account::start;
use crate::dialogs::{invoice, payment, wizard};
use crate::model::{Command, Level, Model, Msg, Reply, Tab};
use crate::remote::RequestId;
use crate::{account, views, widgets};

/// Applies `msg` to `model` and returns what the runtime must do.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Command> {
    match msg {
        Msg::Key(key) if key.kind != KeyEventKind::Release => on_key(model, key),
        Msg::Key(_) => Vec::new(),
        Msg::Mouse(mouse) => on_mouse(model, mouse),
        Msg::Resize(width, height) => {
            model.width = width;
            model.page_size = widgets::table_rows(height);
            Vec::new()
        }
        Msg::Tick(now) => on_tick(model, now),
        Msg::Reply(id, result) => on_reply(model, id, result),
        Msg::Opened(result) => {
            payment::on_opened(model, result);
            Vec::new()
        }
        Msg::FileWritten(result) => crate::machines::on_written(model, result),
    }
}

fn on_tick(model: &mut Model, now: DateTime<Utc>) -> Vec<Command> {
    model.now = now;
    model.tick += 1;
    let mut commands = account::on_tick(model, now);
    commands.extend(payment::on_tick(model));
    commands.extend(crate::machines::on_tick(model, now));
    commands.extend(crate::operator::on_tick(model, now));
    commands
}

fn on_reply(model: &mut Model, id: RequestId, result: Result<Reply, String>) -> Vec<Command> {
    match result {
        Ok(Reply::Quote(quote)) => {
            wizard::on_quote(model, id, quote);
            Vec::new()
        }
        Ok(Reply::Order(order)) => payment::on_order(model, id, order),
        Ok(Reply::Checkout(order)) => payment::reopen(model, order),
        Ok(Reply::Note(text)) => {
            model.say(text, Level::Success);
            start(model)
        }
        Ok(Reply::Done) => {
            model.say("Payment submitted to the sandbox", Level::Info);
            Vec::new()
        }
        Ok(reply @ (Reply::Machines(_) | Reply::StaleFiles(_) | Reply::Activation { .. })) => {
            crate::machines::on_reply(model, id, reply)
        }
        Ok(Reply::Operator(answer)) => crate::operator::on_reply(model, id, answer),
        Ok(reply) => account::on_reply(model, id, reply),
        Err(message) => {
            let taken = crate::machines::on_error(model, id, &message)
                || crate::operator::on_error(model, id, &message)
                || account::on_error(model, id, &message)
                || wizard::on_error(model, id, &message)
                || invoice::on_error(model, id, &message)
                || payment::on_error(model, id, &message);
            if !taken {
                model.say(message, Level::Error);
            }
            Vec::new()
        }
    }
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Command> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        model.quit = true;
        return Vec::new();
    }
    if !model.overlays.is_empty() {
        return crate::dialogs::on_key(model, key);
    }
    if account::typing(model) {
        return account::on_key(model, key.code).unwrap_or_default();
    }
    model.message = None;
    // An admin's operator views and keys; switching to another account reloads its views.
    let shown = model.account.id;
    if let Some(mut commands) = crate::operator::on_key(model, key) {
        if model.account.id != shown {
            commands.extend(account::load(model));
        }
        return commands;
    }
    account::on_key(model, key.code)
        .or_else(|| crate::global::on_key(model, key.code))
        .unwrap_or_default()
}

fn on_mouse(model: &mut Model, mouse: crossterm::event::MouseEvent) -> Vec<Command> {
    if !model.overlays.is_empty() {
        return Vec::new();
    }
    // A notch of the wheel moves three rows; the commands of every step are kept (the first
    // may ask for the next page, which the others then see on its way).
    let step = |model: &mut Model, code: KeyCode| {
        (0..3)
            .filter_map(|_| match model.tab {
                Tab::Operator(_) => crate::operator::navigate(model, code),
                _ => account::step(model, code),
            })
            .flatten()
            .collect()
    };
    match mouse.kind {
        MouseEventKind::ScrollDown => step(model, KeyCode::Down),
        MouseEventKind::ScrollUp => step(model, KeyCode::Up),
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(tab) = views::tab_at(model, mouse.column, mouse.row) {
                model.tab = tab;
            } else if let Some(row) = widgets::row_at(mouse.row) {
                let height = model.page_size;
                if let Some((cursor, len)) = account::list(model) {
                    let target = (cursor.offset + row) as isize;
                    cursor.move_by(target - cursor.selected as isize, len, height);
                }
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}
