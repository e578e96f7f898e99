//! The payment dialog: following an order from "Subscribe Now" to paid (or expired,
//! canceled, declined). The provider's page opens in the browser where there is one; else
//! (SSH, no display) the URL and its QR code are shown to copy or scan, and a scan flow
//! (WeChat Pay) shows the provider's code. The order is polled until it is settled; closed
//! while unpaid, the payment is still followed in the background and its news told.

use crossterm::event::KeyCode;
use entitle_domain::api::Order;
use entitle_domain::orders::OrderStatus;
use ratatui::Frame;
use ratatui::text::Line;

use crate::keys::{self, Hint, Key};
use crate::model::{Command, Level, Model, Overlay, PaymentWatch, Request, Tab};
use crate::names::order_status;
use crate::remote::RequestId;
use crate::requests::{fetch, payment_watch};
use crate::widgets::{dialog, spinner};

/// Ticks (of 250 ms) between two polls of an order being paid.
const POLL_EVERY_TICKS: u64 = 4;

/// Why the browser was not opened where there is none.
const NO_BROWSER: &str = "no browser here (SSH, or no display): open the URL yourself";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Copy,
    Open,
    PaySandbox,
    Close,
}

/// The dialog's keys: the handler below, its key line, the footer and the help read them.
const KEYS: &[Key<Act>] = &[
    Key::new(&[KeyCode::Char('c')], "c", "copy URL", Act::Copy),
    Key::new(&[KeyCode::Char('o')], "o", "open again", Act::Open),
    Key::new(
        &[KeyCode::Char('p')],
        "p",
        "pay in the sandbox",
        Act::PaySandbox,
    ),
    Key::new(
        &[KeyCode::Esc],
        "Esc",
        "close (keeps following)",
        Act::Close,
    ),
];

/// Whether `act` does something now: the URL's keys once the order is known, the sandbox's
/// Subscribe button on an unpaid sandbox checkout.
fn offered(watch: &PaymentWatch, act: Act) -> bool {
    let order = watch.order.as_ref();
    let checkout = order.and_then(|o| o.checkout.as_ref());
    match act {
        Act::Copy | Act::Open => checkout.is_some(),
        Act::PaySandbox => {
            checkout.is_some_and(|c| c.provider == "sandbox")
                && order.is_some_and(|o| o.status == OrderStatus::PendingPayment)
        }
        Act::Close => true,
    }
}

/// The keys the dialog offers now.
pub fn hints(watch: &PaymentWatch) -> Vec<Hint> {
    keys::offered_hints(KEYS, |act| offered(watch, act))
}

/// What the payment dialog says when the provider's flow is a scan.
const SCAN_HINT: &str = "scan the QR code with WeChat to pay (or open the URL below)";

/// "Subscribe Now" confirmed: the wizard gives way to this dialog, which follows the order
/// from its creation.
pub fn begin(model: &mut Model) {
    model.overlays.retain(|o| !matches!(o, Overlay::Wizard(_)));
    let watch = PaymentWatch::default();
    model.overlays.push(Overlay::Payment(Box::new(watch)));
}

/// How the checkout of the order followed is shown, the first time it is known: a scan
/// flow's code is drawn here (nothing to open), else the provider's page opens in the
/// browser, else (SSH, no display) the dialog says to open the URL, which it shows.
fn show_checkout(watch: &mut PaymentWatch, can_launch_browser: bool) -> Option<Command> {
    let checkout = watch.order.as_ref()?.checkout.as_ref()?;
    if checkout.qr_code.is_some() {
        watch.not_opened = Some(SCAN_HINT.to_owned());
        None
    } else if can_launch_browser {
        Some(Command::OpenUrl(checkout.url.clone()))
    } else {
        watch.not_opened = Some(NO_BROWSER.to_owned());
        None
    }
}

/// Every few ticks, the unpaid order followed is asked for again.
pub fn on_tick(model: &mut Model) -> Vec<Command> {
    if model.tick.is_multiple_of(POLL_EVERY_TICKS)
        && let Some(watch) = payment_watch(model)
        && watch.poll.is_none()
        && let Some(order) = &watch.order
        && order.status == OrderStatus::PendingPayment
    {
        let id = order.id;
        return vec![fetch(model, Request::Order(id))];
    }
    Vec::new()
}

/// Whether the browser opened the provider's page.
pub fn on_opened(model: &mut Model, result: Result<(), String>) {
    if let Some(watch) = payment_watch(model) {
        match result {
            Ok(()) => watch.opened = true,
            Err(reason) => watch.not_opened = Some(reason),
        }
    }
}

/// A poll that failed: the dialog says why and polls again. `false` when no payment waited
/// for `id`.
pub fn on_error(model: &mut Model, id: RequestId, message: &str) -> bool {
    match payment_watch(model) {
        Some(watch) if watch.poll == Some(id) => {
            watch.poll = None;
            watch.error = Some(message.to_owned());
            true
        }
        _ => false,
    }
}

/// The order followed, as the server answered a poll (or a change made by an action).
pub fn on_order(model: &mut Model, id: u64, order: Order) -> Vec<Command> {
    let mut commands = Vec::new();
    let can_launch = model.can_launch_browser;
    let watched = payment_watch(model).filter(|w| w.poll == Some(id));
    let Some(watch) = watched else {
        // An order changed by an action (canceled).
        let status = order.status;
        model.say(format!("Order is {}", order_status(status)), Level::Success);
        commands.push(fetch(model, Request::Orders));
        commands.push(fetch(model, Request::Summary));
        return commands;
    };
    watch.poll = None;
    watch.error = None;
    let first_answer = watch.order.is_none();
    watch.order = Some(order.clone());
    if first_answer {
        commands.extend(show_checkout(watch, can_launch));
    }
    match order.status {
        OrderStatus::Paid => {
            model.overlays.retain(|o| !matches!(o, Overlay::Payment(_)));
            model.background = None;
            model.fresh_order = Some(order.id);
            model.tab = Tab::Home;
            model.say(
                format!(
                    "Payment received: {} {} — your licenses are active",
                    order.total, order.currency
                ),
                Level::Success,
            );
            commands.extend(crate::account::start(model));
        }
        OrderStatus::PendingPayment => {}
        closed => {
            let text = format!("The order is {}: nothing was charged", order_status(closed));
            if model.background.take().is_some() {
                model.say(text, Level::Error);
            }
            commands.push(fetch(model, Request::Orders));
        }
    }
    commands
}

/// Reopens an unpaid order's checkout and follows it.
pub fn reopen(model: &mut Model, order: Order) -> Vec<Command> {
    let mut watch = PaymentWatch {
        order: Some(order),
        ..PaymentWatch::default()
    };
    let commands = show_checkout(&mut watch, model.can_launch_browser)
        .into_iter()
        .collect();
    model.overlays.push(Overlay::Payment(Box::new(watch)));
    commands
}

/// A key while the payment dialog is on top: only the keys it offers now do anything.
pub fn on_key(model: &mut Model, code: KeyCode) -> Vec<Command> {
    let Some(Overlay::Payment(watch)) = model.overlays.last_mut() else {
        return Vec::new();
    };
    let Some(act) = keys::action(KEYS, code).filter(|act| offered(watch, *act)) else {
        return Vec::new();
    };
    let url = watch
        .order
        .as_ref()
        .and_then(|o| o.checkout.as_ref())
        .map(|c| c.url.clone())
        .unwrap_or_default();
    match act {
        Act::Close => {
            let pending = watch
                .order
                .as_ref()
                .is_some_and(|o| o.status == OrderStatus::PendingPayment);
            if let Some(Overlay::Payment(watch)) = model.overlays.pop()
                && pending
            {
                model.background = Some(*watch);
                model.say("Still following the payment in the background", Level::Info);
            }
            Vec::new()
        }
        Act::Copy => {
            watch.copied = true;
            vec![Command::Copy(url)]
        }
        Act::Open => vec![Command::OpenUrl(url)],
        Act::PaySandbox => vec![fetch(model, Request::CompleteSandboxCheckout(url))],
    }
}

/// The payment dialog: the order, whether it is paid yet, the URL (and its QR code) where
/// the browser was not opened.
pub fn draw(model: &Model, watch: &PaymentWatch, frame: &mut Frame, key_line: Line<'static>) {
    let mut lines = Vec::new();
    let Some(order) = &watch.order else {
        lines.push(Line::raw(format!(
            "Creating the order {}",
            spinner(model.tick)
        )));
        if let Some(error) = &watch.error {
            lines.push(Line::styled(error.clone(), model.theme.error()));
        }
        return dialog(model, frame, "Payment", lines, 78);
    };
    lines.push(Line::raw(format!(
        "Order {} · {} {} · {}",
        order.id,
        order.total,
        order.currency,
        order.payment_method.map_or("", |m| m.label())
    )));
    let status = match order.status {
        OrderStatus::PendingPayment => format!(
            "{} Waiting for payment on the third-party page…",
            spinner(model.tick)
        ),
        other => format!("The order is {}.", order_status(other)),
    };
    lines.push(Line::styled(status, model.theme.active()));
    let url = order
        .checkout
        .as_ref()
        .map(|c| c.url.clone())
        .unwrap_or_default();
    if watch.opened {
        lines.push(Line::raw("The payment page is open in your browser."));
    }
    if let Some(reason) = &watch.not_opened {
        lines.push(Line::styled(reason.clone(), model.theme.dim()));
    }
    if watch.not_opened.is_some() || !watch.opened {
        lines.push(Line::raw(url.clone()));
        // The provider's own code for a scan flow (WeChat Pay), else the page's URL.
        let scan = order
            .checkout
            .as_ref()
            .and_then(|c| c.qr_code.clone().0)
            .unwrap_or_else(|| url.clone());
        let room = frame.area().height.saturating_sub(16) as usize;
        if let Some(qr) = crate::browser::qr(&scan).filter(|q| q.len() <= room) {
            lines.extend(qr.into_iter().map(Line::raw));
        }
    }
    if watch.copied {
        lines.push(Line::styled(
            "URL copied to the clipboard (OSC 52).",
            model.theme.ok(),
        ));
    }
    if let Some(error) = &watch.error {
        lines.push(Line::styled(error.clone(), model.theme.error()));
    }
    lines.push(Line::default());
    lines.push(key_line);
    let width = (url.chars().count() as u16 + 4).max(78);
    dialog(model, frame, "Payment", lines, width);
}
