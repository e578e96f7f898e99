//! The subscribe, upgrade and add-seats wizards: opened from a view, their keys at each step
//! (one table per kind of step), the quote asked for on the way, and their drawing: the
//! trail of steps, the current step and its keys. The product step prices each product in
//! the account's currency; the quote step shows the purchase notes before "Subscribe Now"
//! (DESIGN.md §3). The wizard's state and its rules are [`crate::wizard`]'s.

use crossterm::event::KeyCode;
use entitle_domain::api::{QuoteView, Subscription};

use crate::keys::{self, Hint, Key};
use crate::model::{Action, Command, Level, Model, Overlay, Request};
use crate::remote::RequestId;
use crate::requests::fetch;
use crate::wizard::{Step, Wizard};

mod draw;
pub use draw::draw;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Choose,
    Digit,
    Erase,
    Next,
    Back,
}

/// The keys that change the choice of a step (↑ and k choose the one before).
const CHOOSE: &[KeyCode] = &[
    KeyCode::Up,
    KeyCode::Char('k'),
    KeyCode::Down,
    KeyCode::Char('j'),
    KeyCode::Left,
    KeyCode::Right,
    KeyCode::Char(' '),
];

/// A step that chooses one of a list (product, cycle, auto-renew, method).
const CHOICE_KEYS: &[Key<Act>] = &[
    Key::new(CHOOSE, "↑↓/jk", "choose", Act::Choose),
    Key::new(&[KeyCode::Enter], "Enter", "next", Act::Next),
    Key::new(&[KeyCode::Esc], "Esc", "back", Act::Back),
];

/// The quantity step: typed, or moved up and down.
const QUANTITY_KEYS: &[Key<Act>] = &[
    Key::new(&keys::DIGITS, "0-9", "type", Act::Digit),
    Key::new(CHOOSE, "↑↓/jk", "more/less", Act::Choose),
    Key::new(&[KeyCode::Backspace], "⌫", "erase", Act::Erase),
    Key::new(&[KeyCode::Enter], "Enter", "next", Act::Next),
    Key::new(&[KeyCode::Esc], "Esc", "back", Act::Back),
];

/// The quote: Enter is "Subscribe Now", confirmed before the order is placed.
const QUOTE_KEYS: &[Key<Act>] = &[
    Key::new(&[KeyCode::Enter], "Enter", "Subscribe Now", Act::Next),
    Key::new(&[KeyCode::Esc], "Esc", "back", Act::Back),
];

fn table(step: Step) -> &'static [Key<Act>] {
    match step {
        Step::Quantity => QUANTITY_KEYS,
        Step::Quote => QUOTE_KEYS,
        Step::Product | Step::Cycle | Step::AutoRenew | Step::Method => CHOICE_KEYS,
    }
}

/// The wizard's keys at its current step: Esc goes back a step, or cancels at the first.
pub fn hints(wizard: &Wizard) -> Vec<Hint> {
    let first = wizard.steps().first() == Some(&wizard.step);
    keys::hints(table(wizard.step))
        .into_iter()
        .map(|(key, what)| match (key, first) {
            ("Esc", true) => (key, "cancel"),
            _ => (key, what),
        })
        .collect()
}

/// `s`: the subscribe wizard, once the catalog is known; asked for before it is, the wizard
/// opens when it arrives (rather than asking the operator to press it again).
pub fn open_purchase(model: &mut Model) -> Vec<Command> {
    model.purchase_waiting = model.catalog.data.is_none();
    let Some(catalog) = &model.catalog.data else {
        model.say(
            "The catalog is still loading; the wizard opens when it arrives",
            Level::Info,
        );
        if model.catalog.is_loading() {
            return Vec::new();
        }
        return vec![fetch(model, Request::Catalog)];
    };
    let wizard = Wizard::purchase(catalog, model.account.kind, &model.account.payment_methods);
    model.overlays.push(Overlay::Wizard(Box::new(wizard)));
    Vec::new()
}

/// `u` on a subscription: the upgrade wizard, when there is a higher edition.
pub fn open_upgrade(model: &mut Model, sub: &Subscription) {
    let Some(catalog) = &model.catalog.data else {
        return;
    };
    let wizard = Wizard::upgrade(catalog, sub, &model.account.payment_methods);
    if wizard.products.is_empty() {
        let text = format!(
            "{} has no higher edition to upgrade to",
            model.product_name(&sub.product)
        );
        model.say(text, Level::Info);
    } else {
        model.overlays.push(Overlay::Wizard(Box::new(wizard)));
    }
}

/// `+` on a subscription: the wizard that adds seats.
pub fn open_seats(model: &mut Model, sub: &Subscription) {
    let wizard = Wizard::seats(sub, &model.account.payment_methods);
    model.overlays.push(Overlay::Wizard(Box::new(wizard)));
}

/// A key while the wizard is on top.
pub fn on_key(model: &mut Model, code: KeyCode) -> Vec<Command> {
    let Some(Overlay::Wizard(wizard)) = model.overlays.last_mut() else {
        return Vec::new();
    };
    let Some(act) = keys::action(table(wizard.step), code) else {
        return Vec::new();
    };
    match act {
        Act::Back => {
            let at_first_step = !wizard.back();
            if at_first_step {
                model.overlays.pop();
            }
        }
        Act::Choose => {
            let before = matches!(code, KeyCode::Up | KeyCode::Char('k'));
            wizard.choose(if before { -1 } else { 1 });
        }
        Act::Erase => wizard.erase(),
        Act::Digit => {
            if let KeyCode::Char(digit) = code {
                wizard.type_digit(digit);
            }
        }
        Act::Next if wizard.step == Step::Quote => confirm_order(model),
        Act::Next => {
            // Quoted on the way to the method step too, so that it lists what can be paid.
            if wizard.advance()
                && matches!(wizard.step, Step::Method | Step::Quote)
                && let Some(request) = wizard.quote_request()
            {
                return vec![fetch(model, Request::Quote(request))];
            }
        }
    }
    Vec::new()
}

/// "Subscribe Now" on a quote: confirmed before the order is placed and paid on the
/// provider's page.
fn confirm_order(model: &mut Model) {
    let Some(Overlay::Wizard(wizard)) = model.overlays.last() else {
        return;
    };
    let ready = wizard.quote.data.is_some() && !wizard.quote.is_loading();
    let (true, Some(request)) = (ready, wizard.order_request()) else {
        return;
    };
    let total = wizard
        .quote
        .data
        .as_ref()
        .map(|q| format!("{} {}", q.total, q.currency))
        .unwrap_or_default();
    let method = wizard.methods.get(wizard.method).map_or("", |m| m.label());
    let action = Action::PlaceOrder {
        key: wizard.idempotency_key.clone(),
        request,
    };
    model.confirm(
        "Continue to the third-party payment platform?",
        vec![
            format!("Subscribe Now: {total} with {method}, paid on the provider's page."),
            "Licenses take effect the moment payment completes and are non-refundable.".to_owned(),
        ],
        action,
    );
}

/// The quote asked for: it names the methods this server takes for the account's region,
/// and the wizard offers exactly those.
pub fn on_quote(model: &mut Model, id: RequestId, quote: QuoteView) {
    let now = model.now;
    if let Some(Overlay::Wizard(wizard)) = model.overlays.last_mut() {
        let methods = quote.payment_methods.clone();
        if wizard.quote.accept(id, Ok(quote), now) {
            wizard.offer(&methods);
        }
    }
}

/// A quote that failed: the wizard says why. `false` when the wizard did not wait for `id`.
pub fn on_error(model: &mut Model, id: RequestId, message: &str) -> bool {
    let now = model.now;
    match model.overlays.last_mut() {
        Some(Overlay::Wizard(wizard)) => wizard.quote.accept(id, Err(message.to_owned()), now),
        _ => false,
    }
}
