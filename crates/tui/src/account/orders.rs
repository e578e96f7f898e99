//! Orders: status, lines, amount, paid time; `p` pays a pending one on a fresh checkout,
//! `x` cancels an unpaid one, `i` requests an invoice for a paid one. At 80 columns the paid
//! time and then the type give way (the status says whether it is paid).

use crossterm::event::KeyCode;
use entitle_domain::api::Order;
use entitle_domain::invoices::check_invoiceable;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::invoice_form::InvoiceForm;
use crate::keys::{self, Hint, Key};
use crate::model::{Action, Command, Model, Overlay, Request};
use crate::names::order_status;
use crate::paged::MOVE_KEYS;
use crate::requests::fetch;
use crate::widgets::Fit;
use crate::widgets::{date, state_line, titled};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Move,
    Pay,
    Cancel,
    Invoice,
}

/// The view's keys: the handler below, the footer and the help read this table.
const KEYS: &[Key<Act>] = &[
    Key::new(MOVE_KEYS, "↑↓/jk", "move", Act::Move),
    Key::new(&[KeyCode::Char('p')], "p", "pay", Act::Pay),
    Key::new(&[KeyCode::Char('x')], "x", "cancel unpaid", Act::Cancel),
    Key::new(&[KeyCode::Char('i')], "i", "invoice", Act::Invoice),
];

pub fn hints() -> Vec<Hint> {
    keys::hints(KEYS)
}

/// The order under the cursor.
fn selected(model: &Model) -> Option<Order> {
    model
        .orders
        .data
        .as_ref()?
        .get(model.order_cursor.selected)
        .cloned()
}

/// A key on the orders view; `None` leaves it to the console.
pub fn on_key(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    let act = keys::action(KEYS, code)?;
    if act == Act::Move {
        return super::step(model, code);
    }
    let Some(order) = selected(model) else {
        return Some(Vec::new());
    };
    // What each key may do to the order is the domain's to say (the server checks the same);
    // a refusal is told in its words, and nothing is asked of the server.
    match act {
        Act::Pay => match order.status.reopen_checkout() {
            // A fresh checkout: the order may be days old, a provider's QR code lives minutes.
            Ok(()) => return Some(vec![fetch(model, Request::ReopenCheckout(order.id))]),
            Err(refusal) => model.say_refusal(refusal),
        },
        Act::Invoice => {
            let total = order.total.in_currency(order.currency);
            match check_invoiceable(order.status, total) {
                Ok(()) => {
                    let form = InvoiceForm::new(order.id, model.account.region);
                    model.overlays.push(Overlay::InvoiceForm(Box::new(form)));
                }
                Err(refusal) => model.say_refusal(refusal),
            }
        }
        Act::Cancel if let Err(refusal) = order.status.cancel() => model.say_refusal(refusal),
        Act::Cancel => {
            let line = format!(
                "{} {} {}",
                model.product_name(&order.product),
                order.total,
                order.currency
            );
            model.confirm(
                "Cancel this unpaid order?",
                vec![line],
                Action::CancelOrder(order.id),
            );
        }
        Act::Move => {}
    }
    Some(Vec::new())
}

/// The columns, and which may go when the table is narrow; the lines take the width left.
const COLUMNS: [(&str, Fit); 6] = [
    ("Created", Fit::Keep),
    ("Type", Fit::Shed(1)),
    ("Lines", Fit::Grow),
    ("Amount", Fit::Keep),
    ("Status", Fit::Keep),
    ("Paid", Fit::Shed(0)),
];

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let block = titled("Orders", &state_line(&model.orders, model), model);
    let items = model.orders.data.as_deref().unwrap_or_default();
    let table = crate::widgets::table(items, model.order_cursor, area, model, &COLUMNS, |o| {
        let lines = o
            .lines
            .iter()
            .map(|l| format!("{}×{}", l.quantity, model.product_name(&l.product)))
            .collect::<Vec<_>>()
            .join(" + ");
        vec![
            date(o.created_at),
            format!("{:?}", o.kind).to_lowercase(),
            if lines.is_empty() {
                model.product_name(&o.product).to_owned()
            } else {
                lines
            },
            format!("{} {}", o.total, o.currency),
            order_status(o.status).to_owned(),
            o.paid_at.map(date).unwrap_or_default(),
        ]
    });
    frame.render_widget(table.block(block), area);
}
