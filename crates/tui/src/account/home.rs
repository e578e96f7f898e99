//! Home: the account at a glance. Its lines wrap rather than being cut at 80 columns, and
//! products are named as the catalog names them. `p` pays the renewal due first.

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::keys::{self, Hint, Key};
use crate::model::{Command, Level, Model, Request};
use crate::requests::fetch;
use crate::widgets::{date, state_line, titled};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Subscribe,
    PayRenewal,
    Refresh,
}

/// The view's keys: the handler below, the footer and the help read this table.
const KEYS: &[Key<Act>] = &[
    Key::new(&[KeyCode::Char('s')], "s", "subscribe", Act::Subscribe),
    Key::new(&[KeyCode::Char('p')], "p", "pay a renewal", Act::PayRenewal),
    Key::new(&[KeyCode::Char('r')], "r", "refresh", Act::Refresh),
];

pub fn hints() -> Vec<Hint> {
    keys::hints(KEYS)
}

/// A key on Home; `None` leaves it to the console.
pub fn on_key(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    Some(match keys::action(KEYS, code)? {
        Act::Subscribe => crate::dialogs::wizard::open_purchase(model),
        Act::Refresh => super::refresh(model, model.tab),
        Act::PayRenewal => {
            // The renewal due first: paid on a fresh checkout.
            let due = model
                .summary
                .data
                .as_ref()
                .and_then(|s| s.renewals_due.first())
                .map(|o| o.id);
            match due {
                Some(id) => vec![fetch(model, Request::ReopenCheckout(id))],
                None => {
                    model.say("No renewal is waiting for payment", Level::Info);
                    Vec::new()
                }
            }
        }
    })
}

/// The width product names are padded to, so that the figures after them line up.
const NAME_WIDTH: usize = 14;

/// The column width that holds every one of `names` (at least [`NAME_WIDTH`]).
fn name_width<'a>(names: impl IntoIterator<Item = &'a str>) -> usize {
    names
        .into_iter()
        .map(|name| name.chars().count())
        .fold(NAME_WIDTH, usize::max)
}

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = model.theme;
    let block = titled("Home", &state_line(&model.summary, model), model);
    let account = &model.account;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{} ", account.name), theme.active()),
            Span::raw(format!(
                "· {} account · region {} · prices in {} · pay with {}",
                account.kind,
                account.region,
                account.currency,
                account
                    .payment_methods
                    .iter()
                    .map(|m| m.label())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        ]),
        Line::default(),
    ];
    match &model.summary.data {
        Some(summary) => {
            lines.push(Line::styled("Active licenses", theme.active()));
            if summary.active_licenses.is_empty() {
                lines.push(Line::raw("  none yet — press s to subscribe"));
            }
            let width = name_width(
                summary
                    .active_licenses
                    .iter()
                    .map(|count| model.product_name(&count.product)),
            );
            for count in &summary.active_licenses {
                let style = if model.fresh_order.is_some() {
                    theme.fresh()
                } else {
                    theme.ok()
                };
                lines.push(Line::from(vec![
                    Span::raw(format!("  {:<width$}", model.product_name(&count.product))),
                    Span::styled(format!("{:>7}", count.count), style),
                ]));
            }
            lines.push(Line::default());
            lines.push(Line::raw(format!(
                "Expiring within 30 days: {}   Unpaid orders: {}",
                summary.expiring_within_30_days, summary.unpaid_orders
            )));
            if !summary.renewals_due.is_empty() {
                lines.push(Line::default());
                lines.push(Line::styled(
                    "Renewals due — press p to pay the first",
                    theme.error(),
                ));
            }
            let width = name_width(
                summary
                    .renewals_due
                    .iter()
                    .map(|due| model.product_name(&due.product)),
            );
            for due in &summary.renewals_due {
                lines.push(Line::raw(format!(
                    "  {:<width$} {:>5}  {} {}  pay before {}",
                    model.product_name(&due.product),
                    due.quantity,
                    due.total,
                    due.currency,
                    due.expires_at.map(date).unwrap_or_default()
                )));
            }
            lines.extend(crate::machines::draw::stale_lines(model));
            if !summary.latest_messages.is_empty() {
                lines.push(Line::default());
                lines.push(Line::styled("Latest messages", theme.active()));
            }
            for message in &summary.latest_messages {
                lines.push(Line::raw(format!(
                    "  {}  {:<7} {}",
                    date(message.created_at),
                    message.status,
                    message.subject
                )));
            }
        }
        None => lines.push(Line::raw("Loading the account…")),
    }
    if let Some(subscriptions) = &model.subscriptions.data {
        lines.push(Line::default());
        lines.push(Line::styled("Subscriptions", theme.active()));
        if subscriptions.is_empty() {
            lines.push(Line::raw("  none"));
        }
        let width = name_width(
            subscriptions
                .iter()
                .map(|sub| model.product_name(&sub.product)),
        );
        for sub in subscriptions {
            lines.push(Line::raw(format!(
                "  {:<width$} {:>5} × {:<5} {:<8} ends {}  auto-renew {}{}",
                model.product_name(&sub.product),
                sub.quantity,
                sub.cycle,
                format!("{:?}", sub.status).to_lowercase(),
                date(sub.current_period_end),
                if sub.auto_renew { "on" } else { "off" },
                if sub.trial { "  (trial)" } else { "" }
            )));
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
