//! A license's detail (Enter on the licenses view): every field, and for a license bound to
//! machines, its machines; `e` exports a license file from here too.

use crossterm::event::KeyCode;
use entitle_domain::api::License;
use ratatui::Frame;
use ratatui::text::Line;

use crate::keys::{self, Hint, Key};
use crate::model::{Command, Model, Overlay};
use crate::names::license_status;
use crate::widgets::{date, dialog};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Export,
    Close,
}

/// The dialog's keys: the handler below, its key line, the footer and the help read them.
const KEYS: &[Key<Act>] = &[
    Key::new(&[KeyCode::Char('e')], "e", "export file", Act::Export),
    Key::new(
        &[KeyCode::Esc, KeyCode::Enter, KeyCode::Char('q')],
        "Esc/Enter",
        "close",
        Act::Close,
    ),
];

/// Whether `act` applies to `license`: only a license bound to machines has a file to
/// export.
fn offered(model: &Model, license: &License, act: Act) -> bool {
    act != Act::Export || crate::machines::binds(model, &license.product)
}

/// The keys the detail of `license` offers.
pub fn hints(model: &Model, license: &License) -> Vec<Hint> {
    keys::offered_hints(KEYS, |act| offered(model, license, act))
}

/// A key while a license's detail is on top.
pub fn on_key(model: &mut Model, code: KeyCode) -> Vec<Command> {
    let Some(Overlay::Detail(license)) = model.overlays.last() else {
        return Vec::new();
    };
    let license = license.clone();
    match keys::action(KEYS, code).filter(|act| offered(model, &license, *act)) {
        Some(Act::Export) => crate::machines::open_export(model, &license),
        Some(Act::Close) => {
            model.overlays.pop();
            Vec::new()
        }
        None => Vec::new(),
    }
}

pub fn draw(model: &Model, l: &License, frame: &mut Frame, key_line: Line<'static>) {
    let consumed = l.consumed_at.map(|at| {
        format!(
            "{} by {}",
            date(at),
            l.consumed_reference.0.clone().unwrap_or_default()
        )
    });
    let mut lines = vec![
        Line::raw(format!("Key          {}", l.key)),
        Line::raw(format!("Product      {}", model.product_name(&l.product))),
        Line::raw(format!("Status       {}", license_status(l))),
        Line::raw(format!("Valid from   {}", date(l.valid_from))),
        Line::raw(format!("Valid until  {}", date(l.valid_until))),
        Line::raw(format!(
            "Source       {}",
            format!("{:?}", l.source).to_lowercase()
        )),
        Line::raw(format!(
            "Order        {}",
            l.order_id.map(|o| o.to_string()).unwrap_or_default()
        )),
        Line::raw(format!(
            "Host         {}",
            l.host.0.clone().unwrap_or_default()
        )),
        Line::raw(format!("Consumed     {}", consumed.unwrap_or_default())),
    ];
    let machines = crate::machines::draw::detail_lines(model, l);
    let width = if machines.is_empty() { 72 } else { 80 };
    lines.extend(machines);
    lines.push(Line::default());
    lines.push(key_line);
    dialog(model, frame, "License", lines, width);
}
