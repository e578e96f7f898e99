//! The keys of what has focus (DESIGN.md §10): a view's, the filter's, or the dialog on top.
//! One list each, read by the footer, by the dialog's own key line and by the help, so the
//! footer never lists the keys of a view hidden under a dialog.

use std::borrow::Cow;

use entitle_domain::orders::OrderStatus;

use entitle_domain::api::License;

use crate::model::{Model, Overlay, PaymentWatch, Tab};
use crate::wizard::{Step, Wizard};

pub use crate::keys::Hint;

/// The keys of the current view, for the footer and the help (an operator view's from its
/// table of keys).
pub fn view_keys(tab: Tab) -> Cow<'static, [Hint]> {
    let keys: &'static [Hint] = match tab {
        Tab::Home => &[("s", "subscribe"), ("p", "pay a renewal"), ("r", "refresh")],
        Tab::Licenses => &[
            ("↑↓/jk", "move"),
            ("Enter", "detail"),
            ("/", "filter"),
            ("o", "sort"),
            ("c", "consume"),
            ("a", "activate"),
            ("e", "export file"),
            ("d", "deactivate"),
        ],
        Tab::Subscriptions => &[
            ("↑↓/jk", "move"),
            ("t", "auto-renew"),
            ("u", "upgrade"),
            ("+", "add seats"),
        ],
        Tab::Orders => &[
            ("↑↓/jk", "move"),
            ("p", "pay"),
            ("x", "cancel unpaid"),
            ("i", "invoice"),
        ],
        Tab::Invoices => &[("↑↓/jk", "move")],
        Tab::Catalog => &[("↑↓/jk", "move"), ("s", "subscribe")],
        Tab::Operator(view) => return Cow::Owned(crate::operator::view_hints(view)),
    };
    Cow::Borrowed(keys)
}

/// The keys every view takes, after its own in the footer.
const GLOBAL: [Hint; 3] = [("1-6", "views"), ("s", "subscribe"), ("q", "quit")];

/// The keys while the licenses filter is typed.
const FILTER: [Hint; 3] = [("type", "filter"), ("Enter", "keep"), ("Esc", "clear")];

/// The keys of what has focus: the top dialog's, else the filter's, else the view's and then
/// the global ones. "? help" is not among them: the footer always ends with it.
pub fn focused(model: &Model) -> Vec<Hint> {
    if let Some(top) = model.overlays.last() {
        return overlay_keys(model, top);
    }
    if model.tab == Tab::Licenses && model.licenses.filtering {
        return FILTER.to_vec();
    }
    if let Some(keys) = crate::operator::typing_hints(model) {
        return keys;
    }
    let mut keys = view_keys(model.tab).to_vec();
    for global in GLOBAL
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

/// The keys of the dialog `overlay`, as its key line shows them.
pub fn overlay_keys(model: &Model, overlay: &Overlay) -> Vec<Hint> {
    match overlay {
        Overlay::Help => vec![("Esc", "close")],
        Overlay::Command(_) => vec![("Tab", "complete"), ("Enter", "run"), ("Esc", "cancel")],
        Overlay::Confirm(_) => vec![("y", "confirm"), ("n/Esc/Enter", "cancel (default)")],
        Overlay::Detail(license) => detail_keys(model, license).to_vec(),
        Overlay::HostInput { .. } => vec![("Enter", "next"), ("Esc", "cancel")],
        Overlay::Wizard(wizard) => wizard_keys(wizard),
        Overlay::Payment(watch) => payment_keys(watch),
        Overlay::InvoiceForm(_) => vec![
            ("↑↓/Tab", "field"),
            ("←→/Space", "choose"),
            ("Enter", "next / send"),
            ("Esc", "cancel"),
        ],
        Overlay::ExportFile(_) => EXPORT_FORM.to_vec(),
        Overlay::Operator(dialog) => crate::operator::dialog_hints(dialog),
    }
}

/// The keys of license `l`'s detail.
pub fn detail_keys(model: &Model, l: &License) -> &'static [(&'static str, &'static str)] {
    if crate::machines::binds(model, &l.product) {
        &[("e", "export file"), ("Esc", "close")]
    } else {
        &[("Esc", "close")]
    }
}

/// The keys of the form that exports a license file for an air-gapped host.
pub const EXPORT_FORM: [Hint; 3] = [
    ("Tab/↑↓", "field"),
    ("Enter", "next / export"),
    ("Esc", "cancel"),
];

/// The wizard's keys at its current step: Esc goes back a step, or cancels at the first.
pub fn wizard_keys(wizard: &Wizard) -> Vec<Hint> {
    let first = wizard.steps().first() == Some(&wizard.step);
    let esc = if first {
        ("Esc", "cancel")
    } else {
        ("Esc", "back")
    };
    match wizard.step {
        Step::Quantity => vec![("0-9", "type"), ("↑↓", "more/less"), ("Enter", "next"), esc],
        Step::Quote => vec![("Enter", "Subscribe Now"), esc],
        Step::Product | Step::Cycle | Step::AutoRenew | Step::Method => {
            vec![("↑↓", "choose"), ("Enter", "next"), esc]
        }
    }
}

/// The payment dialog's keys: the URL's once the order is known, the sandbox's Subscribe
/// button on a sandbox checkout.
pub fn payment_keys(watch: &PaymentWatch) -> Vec<Hint> {
    let mut keys = Vec::new();
    if let Some(order) = &watch.order {
        keys.extend([("c", "copy URL"), ("o", "open again")]);
        let sandbox = order
            .checkout
            .as_ref()
            .is_some_and(|c| c.provider == "sandbox");
        if sandbox && order.status == OrderStatus::PendingPayment {
            keys.push(("p", "pay in the sandbox"));
        }
    }
    keys.push(("Esc", "close (keeps following)"));
    keys
}
