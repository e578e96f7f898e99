//! Dialogs drawn over the view: help, the command line, confirmations, license detail, the
//! host prompt, the invoice form and the payment dialog (the wizards are drawn in
//! `views::wizard`). Each dialog's key line is the list the footer shows (`views::hints`).

use entitle_domain::orders::OrderStatus;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::hints::{self, view_keys};
use crate::model::{Model, Overlay, PaymentWatch, Tab};
use crate::update::status_label;
use crate::widgets::{date, spinner};
use crate::widgets::{dialog, key_line as keys};

pub fn draw(model: &Model, overlay: &Overlay, frame: &mut Frame) {
    let own_keys = || keys(model, &hints::overlay_keys(model, overlay));
    match overlay {
        Overlay::Help => help(model, frame),
        Overlay::Command(line) => {
            let completions: Vec<&str> = crate::update::commands(model.admin)
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
            lines.push(own_keys());
            dialog(model, frame, &confirm.title, lines, 76);
        }
        Overlay::Detail(l) => {
            let mut lines = vec![
                Line::raw(format!("Key          {}", l.key)),
                Line::raw(format!("Product      {}", model.product_name(&l.product))),
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
            lines.push(own_keys());
            dialog(model, frame, "License", lines, width);
        }
        Overlay::HostInput { host, .. } => {
            let lines = vec![
                Line::raw("Host name or address to activate the license on:"),
                Line::styled(format!("> {host}▏"), model.theme.active()),
                Line::default(),
                own_keys(),
            ];
            dialog(model, frame, "Activate on host", lines, 60);
        }
        Overlay::Wizard(wizard) => super::wizard::draw(model, wizard, frame),
        Overlay::Payment(watch) => draw_payment(model, watch, frame),
        Overlay::InvoiceForm(form) => draw_invoice_form(model, form, frame, own_keys()),
        Overlay::ExportFile(form) => super::machines::draw_form(model, form, frame),
        Overlay::Operator(dialog) => crate::operator::draw_dialog(model, dialog, frame),
    }
}

fn draw_invoice_form(
    model: &Model,
    form: &crate::invoice_form::InvoiceForm,
    frame: &mut Frame,
    key_line: Line<'static>,
) {
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
    lines.push(key_line);
    dialog(model, frame, "Request an invoice", lines, 70);
}

/// The help: the keys of what has focus under it (the dialog's, else the view's), then the
/// keys of every view.
fn help(model: &Model, frame: &mut Frame) {
    let beneath = model
        .overlays
        .iter()
        .rev()
        .find(|o| !matches!(o, Overlay::Help));
    let (heading, focused) = match beneath {
        Some(under) => ("This dialog".to_owned(), hints::overlay_keys(model, under)),
        None => (
            format!("{} view", model.tab.title()),
            view_keys(model.tab).to_vec(),
        ),
    };
    let mut lines = vec![Line::styled(heading, model.theme.active())];
    for pair in focused {
        lines.push(keys(model, &[pair]));
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
        for pair in crate::operator::help_hints() {
            lines.push(keys(model, &[pair]));
        }
    }
    if model.tab == Tab::Licenses && beneath.is_none() {
        lines.push(Line::default());
        lines.push(Line::raw(
            "The filter matches key, product (name or code) and status of the loaded rows.",
        ));
    }
    dialog(model, frame, "Help", lines, 72);
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
    lines.push(keys(model, &hints::payment_keys(watch)));
    let width = (url.chars().count() as u16 + 4).max(78);
    dialog(model, frame, "Payment", lines, width);
}
