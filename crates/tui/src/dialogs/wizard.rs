//! The subscribe, upgrade and add-seats wizards: opened from a view, their keys at each step
//! (one table per kind of step), the quote asked for on the way, and their drawing: the
//! trail of steps, the current step and its keys. The product step prices each product in
//! the account's currency; the quote step shows the purchase notes before "Subscribe Now"
//! (DESIGN.md §3). The wizard's state and its rules are [`crate::wizard`]'s.

use crossterm::event::KeyCode;
use entitle_domain::Cycle;
use entitle_domain::api::{ProductView, QuoteView, Subscription};
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::keys::{self, Hint, Key};
use crate::model::{Action, Command, Level, Model, Overlay, Request};
use crate::remote::RequestId;
use crate::requests::fetch;
use crate::widgets::dialog;
use crate::widgets::{date, prices, spinner};
use crate::wizard::{Goal, Step, Wizard};

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

const DIGITS: &[KeyCode] = &[
    KeyCode::Char('0'),
    KeyCode::Char('1'),
    KeyCode::Char('2'),
    KeyCode::Char('3'),
    KeyCode::Char('4'),
    KeyCode::Char('5'),
    KeyCode::Char('6'),
    KeyCode::Char('7'),
    KeyCode::Char('8'),
    KeyCode::Char('9'),
];

/// A step that chooses one of a list (product, cycle, auto-renew, method).
const CHOICE_KEYS: &[Key<Act>] = &[
    Key::new(CHOOSE, "↑↓", "choose", Act::Choose),
    Key::new(&[KeyCode::Enter], "Enter", "next", Act::Next),
    Key::new(&[KeyCode::Esc], "Esc", "back", Act::Back),
];

/// The quantity step: typed, or moved up and down.
const QUANTITY_KEYS: &[Key<Act>] = &[
    Key::new(DIGITS, "0-9", "type", Act::Digit),
    Key::new(CHOOSE, "↑↓", "more/less", Act::Choose),
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

/// The notes a buyer reads before paying, worded from the vendor's purchase page ("Important
/// Notes" in the seeds): purchases are final, a license takes effect the moment payment
/// lands, the quantity is the buyer's to assess, and paying is agreeing. Each fits one row of
/// the dialog at 80 columns.
pub const PURCHASE_NOTES: [&str; 4] = [
    "Non-refundable: delivered once paid, it cannot be refunded or canceled.",
    "Effective at once: the license starts the moment payment lands.",
    "Assess first: buy the quantity of licenses your business actually needs.",
    "Agreement: paying means you have read and agree to these terms.",
];

/// The dialog's width; at 80 columns it leaves a column each side.
const WIDTH: u16 = 78;

pub fn draw(model: &Model, wizard: &Wizard, frame: &mut Frame, key_line: Line<'static>) {
    let title = match &wizard.goal {
        Goal::Purchase => "Subscribe".to_owned(),
        Goal::Upgrade(sub) => format!("Upgrade {}", model.product_name(&sub.product)),
        Goal::Seats(sub) => format!("Add seats to {}", model.product_name(&sub.product)),
    };
    let mut trail = Vec::new();
    for step in wizard.steps() {
        let style = if step == wizard.step {
            model.theme.selected()
        } else {
            model.theme.dim()
        };
        trail.push(Span::styled(format!(" {} ", step.title()), style));
        trail.push(Span::raw("›"));
    }
    trail.pop();
    let mut lines = vec![Line::from(trail), Line::default()];
    match wizard.step {
        Step::Product => product_lines(model, wizard, &mut lines),
        Step::Cycle => {
            for cycle in [Cycle::Month, Cycle::Year] {
                let currency = model.account.currency;
                let price = wizard
                    .chosen()
                    .and_then(|p| prices::price(p, Some(cycle), currency))
                    .map(|e| format!("{} {}", e.amount, e.currency));
                lines.push(choice(
                    model,
                    wizard.cycle == cycle,
                    format!("{cycle:<8} {}", price.unwrap_or_default()),
                ));
            }
        }
        Step::Quantity => {
            let what = if matches!(wizard.goal, Goal::Seats(_)) {
                "Seats to add"
            } else {
                "Quantity"
            };
            lines.push(Line::raw(format!("{what}:")));
            lines.push(Line::styled(
                format!("> {}▏", wizard.quantity),
                model.theme.active(),
            ));
            if wizard.quantity().is_none() {
                lines.push(Line::styled("type a number from 1", model.theme.error()));
            }
        }
        Step::AutoRenew => {
            for on in [true, false] {
                let text = if on {
                    "renew automatically at each period's end"
                } else {
                    "do not renew; expire at the end"
                };
                lines.push(choice(model, wizard.auto_renew == on, text.to_owned()));
            }
        }
        Step::Method => {
            for (i, m) in wizard.methods.iter().enumerate() {
                lines.push(choice(model, i == wizard.method, m.label().to_owned()));
            }
        }
        Step::Quote => quote_lines(model, wizard, &mut lines),
    }
    lines.push(Line::default());
    lines.push(key_line);
    dialog(model, frame, &title, lines, WIDTH);
}

/// One choice of a step, marked and highlighted when chosen.
fn choice(model: &Model, chosen: bool, text: String) -> Line<'static> {
    let (mark, style) = if chosen {
        ("›", model.theme.selected())
    } else {
        (" ", Style::new())
    };
    Line::styled(format!("{mark} {text}"), style)
}

/// The products to choose from, each with its prices in the account's currency
/// (`DR License   199.00 CNY / month · 1990.00 CNY / year`, `99.00 CNY once`).
fn product_lines(model: &Model, wizard: &Wizard, lines: &mut Vec<Line<'static>>) {
    let width = wizard
        .products
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(0);
    for (i, p) in wizard.products.iter().enumerate() {
        let text = format!(
            "{:<width$}  {}{}",
            p.name,
            prices::summary(p, model.account.currency),
            validity(p)
        );
        lines.push(choice(model, i == wizard.product, text));
    }
}

/// How long a one-time product's licenses are good for (` · valid 3 months`), else nothing.
fn validity(p: &ProductView) -> String {
    p.validity_months
        .map(|months| format!(" · valid {months} months"))
        .unwrap_or_default()
}

/// The server's quote, line by line, its total and period, then the purchase notes.
fn quote_lines(model: &Model, wizard: &Wizard, lines: &mut Vec<Line<'static>>) {
    if let Some((error, _)) = &wizard.quote.error {
        lines.push(Line::styled(
            format!("Refused: {error}"),
            model.theme.error(),
        ));
        return;
    }
    let Some(quote) = &wizard.quote.data else {
        lines.push(Line::raw(format!(
            "Pricing on the server {}",
            spinner(model.tick)
        )));
        return;
    };
    for line in &quote.lines {
        let mut text = format!(
            "{:>5} × {:<16} {:>10} {}",
            line.quantity,
            model.product_name(&line.product),
            line.unit_price.to_string(),
            quote.currency
        );
        if let Some(periods) = *line.periods {
            text.push_str(&format!(" × {periods} period(s)"));
        }
        if let (Some(left), Some(billed)) = (*line.months_left, *line.months_billed) {
            text.push_str(&format!(" × {billed} months billed ({left} left)"));
        }
        text.push_str(&format!(" = {:>10}", line.total.to_string()));
        lines.push(Line::raw(text));
    }
    lines.push(Line::styled(
        format!("Total {} {}", quote.total, quote.currency),
        model.theme.active(),
    ));
    let end = match &wizard.goal {
        Goal::Purchase => format!(
            "Covers {} to {}",
            date(quote.period.start),
            date(quote.period.end)
        ),
        Goal::Upgrade(_) | Goal::Seats(_) => {
            format!("The end date stays {}", date(quote.period.end))
        }
    };
    lines.push(Line::raw(end));
    lines.push(Line::default());
    lines.push(Line::styled("Before you pay", model.theme.active()));
    for note in PURCHASE_NOTES {
        lines.push(Line::raw(format!("· {note}")));
    }
}
