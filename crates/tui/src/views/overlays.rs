//! Dialogs drawn over the view: help, the command line, confirmations, license detail, the
//! host prompt, the wizards and the payment dialog.
//!
//! Over 400 lines because every dialog is drawn here; each becomes a module of its own when
//! the console is built from components (issue 23).

use entitle_domain::orders::OrderStatus;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{date, spinner, view_keys};
use crate::model::{Model, Overlay, PaymentWatch, Tab};
use crate::update::status_label;
use crate::wizard::{Goal, Step, Wizard};

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

pub(super) fn dialog(
    model: &Model,
    frame: &mut Frame,
    title: &str,
    lines: Vec<Line<'static>>,
    width: u16,
) {
    let height = lines.len() as u16 + 2;
    let area = centered(frame.area(), width, height);
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(format!(" {title} "), model.theme.active()));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

pub(super) fn keys(model: &Model, pairs: &[(&str, &str)]) -> Line<'static> {
    let mut spans = Vec::new();
    for (key, what) in pairs {
        spans.push(Span::styled(format!(" {key}"), model.theme.key()));
        spans.push(Span::raw(format!(" {what} ")));
    }
    Line::from(spans)
}

pub fn draw(model: &Model, overlay: &Overlay, frame: &mut Frame) {
    match overlay {
        Overlay::Help => help(model, frame),
        Overlay::Command(line) => {
            let completions: Vec<&str> = crate::update::commands()
                .into_iter()
                .filter(|c| c.starts_with(line.as_str()))
                .collect();
            let area = frame.area();
            let bar = Rect::new(0, area.height.saturating_sub(1), area.width, 1);
            frame.render_widget(Clear, bar);
            frame.render_widget(
                Paragraph::new(Line::from(vec![
                    Span::styled(format!(":{line}▏"), model.theme.active()),
                    Span::styled(
                        format!("   Tab: {}", completions.join(" ")),
                        model.theme.dim(),
                    ),
                ])),
                bar,
            );
        }
        Overlay::Confirm(confirm) => {
            let mut lines: Vec<Line> = confirm.lines.iter().cloned().map(Line::raw).collect();
            lines.push(Line::default());
            lines.push(keys(
                model,
                &[("y", "confirm"), ("n/Esc/Enter", "cancel (default)")],
            ));
            dialog(model, frame, &confirm.title, lines, 76);
        }
        Overlay::Detail(l) => {
            let mut lines = vec![
                Line::raw(format!("Key          {}", l.key)),
                Line::raw(format!("Product      {}", l.product)),
                Line::raw(format!("Status       {}", crate::model::status_word(l))),
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
                Line::raw(format!(
                    "Consumed     {}",
                    l.consumed_at
                        .map(|at| format!(
                            "{} by {}",
                            date(at),
                            l.consumed_reference.0.clone().unwrap_or_default()
                        ))
                        .unwrap_or_default()
                )),
            ];
            let machines = super::machines::detail_lines(model, l);
            let width = if machines.is_empty() { 72 } else { 80 };
            lines.extend(machines);
            lines.push(Line::default());
            lines.push(keys(model, super::machines::detail_keys(model, l)));
            dialog(model, frame, "License", lines, width);
        }
        Overlay::HostInput { host, .. } => {
            let lines = vec![
                Line::raw("Host name or address to activate the license on:"),
                Line::styled(format!("> {host}▏"), model.theme.active()),
                Line::default(),
                keys(model, &[("Enter", "next"), ("Esc", "cancel")]),
            ];
            dialog(model, frame, "Activate on host", lines, 60);
        }
        Overlay::Wizard(wizard) => draw_wizard(model, wizard, frame),
        Overlay::Payment(watch) => draw_payment(model, watch, frame),
        Overlay::InvoiceForm(form) => draw_invoice_form(model, form, frame),
        Overlay::ExportFile(form) => super::machines::draw_form(model, form, frame),
    }
}

fn draw_invoice_form(model: &Model, form: &crate::invoice_form::InvoiceForm, frame: &mut Frame) {
    use crate::invoice_form::{FIELDS, Focus};
    let style = |focus: Focus| {
        if form.focus == focus {
            model.theme.selected()
        } else {
            ratatui::style::Style::new()
        }
    };
    let mut lines = vec![
        Line::styled(format!("Type      ‹ {} ›", form.kind()), style(Focus::Type)),
        Line::styled(
            format!("Company   [{}]", if form.company { "x" } else { " " }),
            style(Focus::Company),
        ),
    ];
    for (i, label) in FIELDS.iter().enumerate() {
        lines.push(Line::styled(
            format!("{label:<20} {}", form.fields[i]),
            style(Focus::Field(i)),
        ));
    }
    lines.push(Line::styled("[ Request invoice ]", style(Focus::Submit)));
    if form.pending.is_some() {
        lines.push(Line::raw(format!("Sending {}", spinner(model.tick))));
    }
    if let Some(error) = &form.error {
        lines.push(Line::styled(error.clone(), model.theme.error()));
    }
    lines.push(Line::default());
    lines.push(keys(
        model,
        &[
            ("↑↓/Tab", "field"),
            ("←→/Space", "choose"),
            ("Enter", "next / send"),
            ("Esc", "cancel"),
        ],
    ));
    dialog(model, frame, "Request an invoice", lines, 70);
}

fn help(model: &Model, frame: &mut Frame) {
    let mut lines = vec![Line::styled(
        format!("{} view", model.tab.title()),
        model.theme.active(),
    )];
    for (key, what) in view_keys(model.tab) {
        lines.push(keys(model, &[(key, what)]));
    }
    lines.push(Line::default());
    lines.push(Line::styled("Everywhere", model.theme.active()));
    for (key, what) in [
        ("1-6 Tab S-Tab", "switch view"),
        (
            ":",
            "command line (:licenses :orders :subs :q), Tab completes",
        ),
        ("s", "subscribe: product, cycle, quantity, quote, pay"),
        ("g/G PgUp/PgDn", "top, bottom, page"),
        ("r", "refresh"),
        ("m", "release or capture the mouse (to select text)"),
        ("Esc", "back"),
        ("? F1", "close this help"),
        ("q", "quit"),
    ] {
        lines.push(keys(model, &[(key, what)]));
    }
    if model.admin {
        lines.push(Line::default());
        lines.push(Line::styled("Admin, sandbox mode", model.theme.active()));
        for (key, what) in [
            (":advance P1M", "move the sandbox clock (ISO 8601 duration)"),
            (
                ":run renewals",
                "run a job now (renewals, expiry, reminders, webhooks)",
            ),
        ] {
            lines.push(keys(model, &[(key, what)]));
        }
    }
    if model.tab == Tab::Licenses {
        lines.push(Line::default());
        lines.push(Line::raw(
            "The filter matches key, product and status of the loaded rows.",
        ));
    }
    dialog(model, frame, "Help", lines, 72);
}

fn draw_wizard(model: &Model, wizard: &Wizard, frame: &mut Frame) {
    let title = match &wizard.goal {
        Goal::Purchase => "Subscribe".to_owned(),
        Goal::Upgrade(sub) => format!("Upgrade {}", sub.product),
        Goal::Seats(sub) => format!("Add seats to {}", sub.product),
    };
    let steps = wizard.steps();
    let mut trail = Vec::new();
    for step in &steps {
        let style = if *step == wizard.step {
            model.theme.selected()
        } else {
            model.theme.dim()
        };
        trail.push(Span::styled(format!(" {} ", step.title()), style));
        trail.push(Span::raw("›"));
    }
    trail.pop();
    let mut lines = vec![Line::from(trail), Line::default()];
    let mark = |on: bool| if on { "›" } else { " " };
    match wizard.step {
        Step::Product => {
            for (i, p) in wizard.products.iter().enumerate() {
                let text = format!(
                    "{} {:<16} {}",
                    mark(i == wizard.product),
                    p.name,
                    kind_note(p)
                );
                let style = if i == wizard.product {
                    model.theme.selected()
                } else {
                    Default::default()
                };
                lines.push(Line::styled(text, style));
            }
        }
        Step::Cycle => {
            for cycle in [entitle_domain::Cycle::Month, entitle_domain::Cycle::Year] {
                let price = wizard.chosen().and_then(|p| {
                    p.prices
                        .iter()
                        .find(|e| e.cycle == Some(cycle) && e.currency == model.account.currency)
                        .map(|e| format!("{} {}", e.amount, e.currency))
                });
                let on = wizard.cycle == cycle;
                let style = if on {
                    model.theme.selected()
                } else {
                    Default::default()
                };
                lines.push(Line::styled(
                    format!("{} {:<8} {}", mark(on), cycle, price.unwrap_or_default()),
                    style,
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
                let chosen = wizard.auto_renew == on;
                let style = if chosen {
                    model.theme.selected()
                } else {
                    Default::default()
                };
                let text = if on {
                    "renew automatically at each period's end"
                } else {
                    "do not renew; expire at the end"
                };
                lines.push(Line::styled(format!("{} {text}", mark(chosen)), style));
            }
        }
        Step::Method => {
            for (i, m) in wizard.methods.iter().enumerate() {
                let chosen = i == wizard.method;
                let style = if chosen {
                    model.theme.selected()
                } else {
                    Default::default()
                };
                lines.push(Line::styled(
                    format!("{} {}", mark(chosen), m.label()),
                    style,
                ));
            }
        }
        Step::Quote => quote_lines(model, wizard, &mut lines),
    }
    lines.push(Line::default());
    let enter = if wizard.step == Step::Quote {
        "Subscribe Now"
    } else {
        "next"
    };
    lines.push(keys(
        model,
        &[("↑↓", "choose"), ("Enter", enter), ("Esc", "back")],
    ));
    dialog(model, frame, &title, lines, 78);
}

fn kind_note(p: &entitle_domain::api::ProductView) -> String {
    match p.kind {
        entitle_domain::ProductKind::Term => "by month or year".to_owned(),
        entitle_domain::ProductKind::OneTime => format!(
            "one-time, valid {} months",
            p.validity_months.unwrap_or_default()
        ),
    }
}

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
            "{:>5} × {:<13} {:>10} {}",
            line.quantity, line.product, line.unit_price, quote.currency
        );
        if let Some(periods) = *line.periods {
            text.push_str(&format!(" × {periods} period(s)"));
        }
        if let (Some(left), Some(billed)) = (*line.months_left, *line.months_billed) {
            text.push_str(&format!(" × {billed} months billed ({left} left)"));
        }
        text.push_str(&format!(" = {:>10}", line.total));
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
}

fn draw_payment(model: &Model, watch: &PaymentWatch, frame: &mut Frame) {
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
        other => format!("The order is {}.", status_label(other)),
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
    let mut pairs = vec![("c", "copy URL"), ("o", "open again")];
    if order
        .checkout
        .as_ref()
        .is_some_and(|c| c.provider == "sandbox")
    {
        pairs.push(("p", "pay in the sandbox"));
    }
    pairs.push(("Esc", "close (keeps following)"));
    lines.push(keys(model, &pairs));
    let width = (url.chars().count() as u16 + 4).max(78);
    dialog(model, frame, "Payment", lines, width);
}
