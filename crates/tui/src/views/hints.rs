//! The keys of what has focus (DESIGN.md §10), for the footer: the top dialog's, else the
//! filter line's while it is typed, else the view's and then the ones every view takes. Each
//! comes from the table its handler reads, so the footer never lists the keys of a view
//! hidden under a dialog, nor a key nothing handles.

use crate::keys::Hint;
use crate::model::Model;

/// The keys of what has focus. "? help" is not among them: the footer always ends with it.
pub fn focused(model: &Model) -> Vec<Hint> {
    if let Some(top) = model.overlays.last() {
        return crate::dialogs::hints(model, top);
    }
    if let Some(keys) = crate::account::typing_hints(model) {
        return keys;
    }
    if let Some(keys) = crate::operator::typing_hints(model) {
        return keys;
    }
    let mut keys = crate::dialogs::help::view_hints(model.tab);
    for global in crate::global::footer_hints()
        .into_iter()
        .chain(crate::operator::global_hints(model))
    {
        if !keys.iter().any(|(key, _)| *key == global.0) {
            keys.push(global);
        }
    }
    keys
}

/// The key that opens the help from what has focus: `?`, except where `?` is typed as text
/// (the command line, the forms), where F1 does.
pub fn help_key(model: &Model) -> &'static str {
    match model.overlays.last() {
        Some(top) if top.takes_text() => "F1",
        _ => "?",
    }
}
