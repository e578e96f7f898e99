//! The wizard drawn: the trail of steps, the current step, and its keys. The product step
//! prices each product in the account's currency; the quote step shows the purchase notes
//! before "Subscribe Now" (DESIGN.md §3).

use entitle_domain::Cycle;
use entitle_domain::api::ProductView;
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::model::Model;
use crate::widgets::dialog;
use crate::widgets::{date, prices, spinner};
use crate::wizard::{Goal, Step, Wizard};

/// The notes a buyer reads before paying, worded from the vendor's purchase page ("Important
/// Notes" in the seeds): purchases are final, a license takes effect the moment payment
/// lands, the quantity is the buyer's to assess, and paying is agreeing. Each fits one row of
/// the dialog at 80 columns.
const PURCHASE_NOTES: [&str; 4] = [
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
