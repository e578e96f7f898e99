//! `update(model, msg) -> commands`: every key, reply and tick goes through here.
//!
//! Over 400 lines because every key of every view is matched here, in one place the footer
//! hints are kept beside; the console's next shape (issue 23) gives each view a module that
//! owns its keys, its drawing and its state, and this file goes.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};
use entitle_domain::api::Order;
use entitle_domain::orders::OrderStatus;

use crate::model::{
    Action, Command, Confirm, Level, Model, Msg, Overlay, PaymentWatch, Reply, Request, Tab,
};
use crate::views;
use crate::wizard::{Step, Wizard};

/// Ticks (of 250 ms) between two polls of an order being paid.
const POLL_EVERY_TICKS: u64 = 4;
/// Load the next page of licenses or invoices when the selection is this close to the last
/// loaded row.
const PAGE_AHEAD: usize = 100;
/// Licenses per page fetched.
pub const LICENSE_PAGE: u32 = 200;
/// Invoices per page fetched.
pub const INVOICE_PAGE: u32 = 200;

/// The commands that load everything the console shows.
pub fn start(model: &mut Model) -> Vec<Command> {
    let mut commands = load_account(model);
    commands.extend(crate::operator::start(model));
    commands
}

/// The commands that load what the account views show (again, when an operator switched
/// the console to another account).
pub fn load_account(model: &mut Model) -> Vec<Command> {
    let mut commands = vec![reload_licenses(model), reload_invoices(model)];
    for request in [
        Request::Summary,
        Request::Subscriptions,
        Request::Orders,
        Request::Catalog,
    ] {
        commands.push(fetch(model, request));
    }
    commands.push(crate::machines::fetch_stale(model));
    commands
}

/// Asks for the first page of licenses again; its answer replaces the rows (kept until then).
fn reload_licenses(model: &mut Model) -> Command {
    model.licenses.reloading = true;
    fetch(model, Request::Licenses { cursor: None })
}

/// Asks for the first page of invoices again; its answer replaces the rows (kept until then).
fn reload_invoices(model: &mut Model) -> Command {
    model.invoices.reloading = true;
    fetch(model, Request::Invoices { cursor: None })
}

/// Starts `request`, noting which data waits for it.
fn fetch(model: &mut Model, request: Request) -> Command {
    let id = model.request_id();
    match &request {
        Request::Summary => model.summary.start(id),
        Request::Licenses { .. } => model.licenses.page.start(id),
        Request::Subscriptions => model.subscriptions.start(id),
        Request::Orders => model.orders.start(id),
        Request::Invoices { .. } => model.invoices.page.start(id),
        Request::Catalog => model.catalog.start(id),
        Request::RequestInvoice(..) => {
            if let Some(Overlay::InvoiceForm(form)) = model.overlays.last_mut() {
                form.pending = Some(id);
                form.error = None;
            }
        }
        Request::Quote(_) => {
            if let Some(Overlay::Wizard(wizard)) = model.overlays.last_mut() {
                wizard.quote.start(id);
            }
        }
        Request::Order(_) | Request::PlaceOrder { .. } => {
            if let Some(watch) = payment_watch(model) {
                watch.poll = Some(id);
            }
        }
        _ => {}
    }
    Command::Fetch(id, request)
}

fn payment_watch(model: &mut Model) -> Option<&mut PaymentWatch> {
    match model.overlays.iter_mut().rev().find_map(|o| match o {
        Overlay::Payment(watch) => Some(watch),
        _ => None,
    }) {
        Some(watch) => Some(watch),
        None => model.background.as_mut(),
    }
}

fn say(model: &mut Model, text: impl Into<String>, level: Level) {
    model.message = Some((text.into(), level));
}

/// Applies `msg` to `model` and returns what the runtime must do.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Command> {
    match msg {
        Msg::Key(key) if key.kind != KeyEventKind::Release => on_key(model, key),
        Msg::Key(_) => Vec::new(),
        Msg::Mouse(mouse) => on_mouse(model, mouse),
        Msg::Resize(width, height) => {
            model.width = width;
            model.page_size = crate::widgets::table_rows(height);
            Vec::new()
        }
        Msg::Tick(now) => on_tick(model, now),
        Msg::Reply(id, result) => on_reply(model, id, result),
        Msg::Opened(result) => {
            if let Some(watch) = payment_watch(model) {
                match result {
                    Ok(()) => watch.opened = true,
                    Err(reason) => watch.not_opened = Some(reason),
                }
            }
            Vec::new()
        }
        Msg::FileWritten(result) => crate::machines::on_written(model, result),
    }
}

fn on_tick(model: &mut Model, now: chrono::DateTime<chrono::Utc>) -> Vec<Command> {
    model.now = now;
    model.tick += 1;
    let mut commands = Vec::new();
    // A failed load retries on its own after a while.
    if model.summary.retry_due(now) {
        commands.push(fetch(model, Request::Summary));
    }
    if model.subscriptions.retry_due(now) {
        commands.push(fetch(model, Request::Subscriptions));
    }
    if model.orders.retry_due(now) {
        commands.push(fetch(model, Request::Orders));
    }
    if model.catalog.retry_due(now) {
        commands.push(fetch(model, Request::Catalog));
    }
    if model.invoices.page.retry_due(now) {
        if model.invoices.reloading || model.invoices.rows.is_empty() {
            commands.push(reload_invoices(model));
        } else {
            let cursor = model.invoices.next_cursor.clone();
            commands.push(fetch(model, Request::Invoices { cursor }));
        }
    }
    if model.licenses.page.retry_due(now) {
        if model.licenses.reloading || model.licenses.rows.is_empty() {
            commands.push(reload_licenses(model));
        } else {
            let cursor = model.licenses.next_cursor.clone();
            commands.push(fetch(model, Request::Licenses { cursor }));
        }
    }
    if model.tick.is_multiple_of(POLL_EVERY_TICKS)
        && let Some(watch) = payment_watch(model)
        && watch.poll.is_none()
        && let Some(order) = &watch.order
        && order.status == OrderStatus::PendingPayment
    {
        let id = order.id;
        commands.push(fetch(model, Request::Order(id)));
    }
    commands.extend(crate::machines::on_tick(model, now));
    commands.extend(crate::operator::on_tick(model, now));
    commands
}

fn on_reply(model: &mut Model, id: u64, result: Result<Reply, String>) -> Vec<Command> {
    let now = model.now;
    match result {
        Ok(Reply::Summary(summary)) => {
            model.summary.accept(id, Ok(summary), now);
        }
        Ok(Reply::Subscriptions(items)) => {
            model.subscriptions.accept(id, Ok(items), now);
        }
        Ok(Reply::Orders(items)) => {
            model.orders.accept(id, Ok(items), now);
        }
        Ok(Reply::Catalog(items)) => {
            // The licenses table filters and sorts by the catalog's product names.
            let names = crate::names::ProductNames::of(&items);
            if !model.catalog.accept(id, Ok(items), now) {
                return Vec::new();
            }
            if model.licenses.names != names {
                model.licenses.names = names;
                model.licenses.reshape();
            }
            if std::mem::take(&mut model.purchase_waiting) && model.overlays.is_empty() {
                return open_purchase(model);
            }
        }
        Ok(Reply::Invoices(page)) => {
            if model.invoices.page.accept(id, Ok(()), now) {
                model.invoices.append(page.items, page.next_cursor.0);
                return more_invoices(model);
            }
        }
        Ok(Reply::Invoice(invoice)) => {
            model
                .overlays
                .retain(|o| !matches!(o, Overlay::InvoiceForm(form) if form.pending == Some(id)));
            say(
                model,
                format!(
                    "Invoice requested ({}): the weekly batch issues it",
                    invoice.kind
                ),
                Level::Success,
            );
            return vec![reload_invoices(model)];
        }
        Ok(Reply::Licenses(page)) => {
            if model.licenses.page.accept(id, Ok(()), now) {
                if std::mem::take(&mut model.licenses.reloading) {
                    model.licenses.rows.clear();
                }
                model.licenses.append(page);
                return more_licenses(model);
            }
        }
        Ok(Reply::Quote(quote)) => {
            if let Some(Overlay::Wizard(wizard)) = model.overlays.last_mut() {
                // The quote names the methods this server takes for the account's region:
                // the wizard offers exactly those.
                let methods = quote.payment_methods.clone();
                if wizard.quote.accept(id, Ok(quote), now) {
                    wizard.offer(&methods);
                }
            }
        }
        Ok(Reply::Order(order)) => return on_order(model, id, order),
        Ok(Reply::Checkout(order)) => return watch_payment(model, order),
        Ok(Reply::License(license)) => {
            let word = crate::model::status_word(&license);
            say(
                model,
                format!("License {} is {word}", license.key),
                Level::Success,
            );
            if let Some(row) = model.licenses.rows.iter_mut().find(|l| l.id == license.id) {
                *row = license;
            }
            model.licenses.reshape();
            return vec![fetch(model, Request::Summary)];
        }
        Ok(Reply::Subscription(subscription)) => {
            let state = if subscription.auto_renew { "on" } else { "off" };
            let text = format!(
                "Auto-renew is {state} for {}",
                model.product_name(&subscription.product)
            );
            say(model, text, Level::Success);
            return vec![fetch(model, Request::Subscriptions)];
        }
        Ok(Reply::Note(text)) => {
            say(model, text, Level::Success);
            return start(model);
        }
        Ok(Reply::Done) => {
            say(model, "Payment submitted to the sandbox", Level::Info);
        }
        Ok(reply @ (Reply::Machines(_) | Reply::StaleFiles(_) | Reply::Activation { .. })) => {
            return crate::machines::on_reply(model, id, reply);
        }
        Ok(Reply::Operator(answer)) => return crate::operator::on_reply(model, id, answer),
        Err(message) => return on_error(model, id, message),
    }
    Vec::new()
}

fn on_error(model: &mut Model, id: u64, message: String) -> Vec<Command> {
    if crate::machines::on_error(model, id, &message)
        || crate::operator::on_error(model, id, &message)
    {
        return Vec::new();
    }
    let now = model.now;
    if model.catalog.accept(id, Err(message.clone()), now) {
        // The wizard that waited for the catalog does not open later, by surprise, on a retry.
        if std::mem::take(&mut model.purchase_waiting) {
            say(
                model,
                format!("The catalog did not load: {message}"),
                Level::Error,
            );
        }
        return Vec::new();
    }
    let remotes_took = model.summary.accept(id, Err(message.clone()), now)
        || model.subscriptions.accept(id, Err(message.clone()), now)
        || model.orders.accept(id, Err(message.clone()), now)
        || model.invoices.page.accept(id, Err(message.clone()), now)
        || model.licenses.page.accept(id, Err(message.clone()), now);
    if remotes_took {
        return Vec::new();
    }
    if let Some(Overlay::Wizard(wizard)) = model.overlays.last_mut()
        && wizard.quote.accept(id, Err(message.clone()), now)
    {
        return Vec::new();
    }
    if let Some(Overlay::InvoiceForm(form)) = model.overlays.last_mut()
        && form.pending == Some(id)
    {
        form.pending = None;
        form.error = Some(message);
        return Vec::new();
    }
    if let Some(watch) = payment_watch(model)
        && watch.poll == Some(id)
    {
        watch.poll = None;
        watch.error = Some(message);
        return Vec::new();
    }
    say(model, message, Level::Error);
    Vec::new()
}

/// What the payment dialog says when the provider's flow is a scan.
const SCAN_HINT: &str = "scan the QR code with WeChat to pay (or open the URL below)";

fn on_order(model: &mut Model, id: u64, order: Order) -> Vec<Command> {
    let mut commands = Vec::new();
    let can_launch = model.can_launch_browser;
    let watched = payment_watch(model).filter(|w| w.poll == Some(id));
    let Some(watch) = watched else {
        // An order changed by an action (canceled).
        let status = order.status;
        say(
            model,
            format!("Order is {}", status_label(status)),
            Level::Success,
        );
        commands.push(fetch(model, Request::Orders));
        commands.push(fetch(model, Request::Summary));
        return commands;
    };
    watch.poll = None;
    watch.error = None;
    let first_answer = watch.order.is_none();
    let url = order.checkout.as_ref().map(|c| c.url.clone());
    let scan = order.checkout.as_ref().is_some_and(|c| c.qr_code.is_some());
    watch.order = Some(order.clone());
    if first_answer && let Some(url) = url {
        if scan {
            // A scan flow (WeChat Pay): the code is drawn here, nothing to open.
            watch.not_opened = Some(SCAN_HINT.to_owned());
        } else if can_launch {
            commands.push(Command::OpenUrl(url));
        } else {
            watch.not_opened =
                Some("no browser here (SSH, or no display): open the URL yourself".to_owned());
        }
    }
    match order.status {
        OrderStatus::Paid => {
            model.overlays.retain(|o| !matches!(o, Overlay::Payment(_)));
            model.background = None;
            model.fresh_order = Some(order.id);
            model.tab = Tab::Home;
            say(
                model,
                format!(
                    "Payment received: {} {} — your licenses are active",
                    order.total, order.currency
                ),
                Level::Success,
            );
            commands.extend(start(model));
        }
        OrderStatus::PendingPayment => {}
        closed => {
            let text = format!("The order is {}: nothing was charged", status_label(closed));
            if model.background.take().is_some() {
                say(model, text, Level::Error);
            }
            commands.push(fetch(model, Request::Orders));
        }
    }
    commands
}

/// An order status in words.
pub fn status_label(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::PendingPayment => "waiting for payment",
        OrderStatus::Paid => "paid",
        OrderStatus::Expired => "expired",
        OrderStatus::Canceled => "canceled",
        OrderStatus::Failed => "declined",
    }
}

/// Loads the next page of licenses when the selection nears the end of what is loaded.
fn more_licenses(model: &mut Model) -> Vec<Command> {
    let table = &model.licenses;
    let near_end = table.cursor.selected + PAGE_AHEAD >= table.shown.len();
    if near_end && !table.complete && !table.page.is_loading() && table.next_cursor.is_some() {
        let cursor = table.next_cursor.clone();
        return vec![fetch(model, Request::Licenses { cursor })];
    }
    Vec::new()
}

/// Loads the next page of invoices when the selection nears the end of what is loaded.
fn more_invoices(model: &mut Model) -> Vec<Command> {
    match model.invoices.next_page(PAGE_AHEAD) {
        Some(cursor) => vec![fetch(
            model,
            Request::Invoices {
                cursor: Some(cursor),
            },
        )],
        None => Vec::new(),
    }
}

fn refresh(model: &mut Model) -> Vec<Command> {
    let mut commands = vec![fetch(model, Request::Summary)];
    match model.tab {
        Tab::Home => commands.push(crate::machines::fetch_stale(model)),
        Tab::Licenses => commands.push(reload_licenses(model)),
        Tab::Subscriptions => commands.push(fetch(model, Request::Subscriptions)),
        Tab::Orders => commands.push(fetch(model, Request::Orders)),
        Tab::Invoices => commands.push(reload_invoices(model)),
        Tab::Catalog => commands.push(fetch(model, Request::Catalog)),
        Tab::Operator(view) => commands.extend(crate::operator::refresh(model, view)),
    }
    commands
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Command> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        model.quit = true;
        return Vec::new();
    }
    if !model.overlays.is_empty() {
        return on_overlay_key(model, key);
    }
    if model.tab == Tab::Licenses && model.licenses.filtering {
        return on_filter_key(model, key);
    }
    model.message = None;
    // An admin's operator views and keys; switching to another account reloads its views.
    let shown = model.account.id;
    if let Some(mut commands) = crate::operator::on_key(model, key) {
        if model.account.id != shown {
            commands.extend(load_account(model));
        }
        return commands;
    }
    match key.code {
        KeyCode::Char('q') => model.quit = true,
        KeyCode::Char('?') | KeyCode::F(1) => model.overlays.push(Overlay::Help),
        KeyCode::Char(':') => model.overlays.push(Overlay::Command(String::new())),
        KeyCode::Char(c @ '1'..='6') => {
            model.tab = Tab::ALL[(c as usize) - ('1' as usize)];
        }
        KeyCode::Tab => model.tab = model.tab.step(model.admin, 1),
        KeyCode::BackTab => model.tab = model.tab.step(model.admin, -1),
        KeyCode::Esc => model.tab = Tab::Home,
        KeyCode::Char('r') => return refresh(model),
        KeyCode::Char('m') => {
            model.mouse = !model.mouse;
            let state = if model.mouse {
                "captured"
            } else {
                "released: select text freely"
            };
            say(model, format!("Mouse {state}"), Level::Info);
            return vec![Command::SetMouse(model.mouse)];
        }
        KeyCode::Char('s') => return open_purchase(model),
        _ => return on_view_key(model, key),
    }
    Vec::new()
}

fn open_purchase(model: &mut Model) -> Vec<Command> {
    model.purchase_waiting = model.catalog.data.is_none();
    match &model.catalog.data {
        Some(catalog) => {
            let wizard =
                Wizard::purchase(catalog, model.account.kind, &model.account.payment_methods);
            model.overlays.push(Overlay::Wizard(Box::new(wizard)));
            Vec::new()
        }
        None => {
            say(
                model,
                "The catalog is still loading; the wizard opens when it arrives",
                Level::Info,
            );
            if model.catalog.is_loading() {
                Vec::new()
            } else {
                vec![fetch(model, Request::Catalog)]
            }
        }
    }
}

/// Moves the current list's cursor.
fn navigate(model: &mut Model, key: KeyCode) -> Option<Vec<Command>> {
    let height = model.page_size;
    let (cursor, len) = match model.tab {
        Tab::Licenses => (&mut model.licenses.cursor, model.licenses.shown.len()),
        Tab::Subscriptions => (
            &mut model.subscription_cursor,
            model.subscriptions.data.as_ref().map_or(0, Vec::len),
        ),
        Tab::Orders => (
            &mut model.order_cursor,
            model.orders.data.as_ref().map_or(0, Vec::len),
        ),
        Tab::Invoices => (&mut model.invoices.cursor, model.invoices.rows.len()),
        Tab::Catalog => (
            &mut model.catalog_cursor,
            model.catalog.data.as_ref().map_or(0, Vec::len),
        ),
        Tab::Home => return None,
        Tab::Operator(_) => return crate::operator::navigate(model, key),
    };
    if !crate::paged::step(cursor, key, len, height) {
        return None;
    }
    Some(match model.tab {
        Tab::Licenses => more_licenses(model),
        Tab::Invoices => more_invoices(model),
        _ => Vec::new(),
    })
}

fn on_view_key(model: &mut Model, key: KeyEvent) -> Vec<Command> {
    if let Some(commands) = navigate(model, key.code) {
        return commands;
    }
    match (model.tab, key.code) {
        (Tab::Licenses, KeyCode::Char('/')) => {
            model.licenses.filtering = true;
        }
        (Tab::Licenses, KeyCode::Char('o')) => {
            model.licenses.sort = model.licenses.sort.next();
            model.licenses.reshape();
        }
        (Tab::Licenses, KeyCode::Enter) => {
            if let Some(license) = model.licenses.selected().cloned() {
                let commands = crate::machines::open_detail(model, &license);
                model.overlays.push(Overlay::Detail(license));
                return commands;
            }
        }
        (Tab::Licenses, KeyCode::Char('e')) => {
            if let Some(license) = model.licenses.selected().cloned() {
                return crate::machines::open_export(model, &license);
            }
        }
        (Tab::Licenses, KeyCode::Char('c')) => {
            if let Some(l) = model.licenses.selected() {
                let product = crate::names::product(model.catalog.data.as_deref(), &l.product);
                let confirm = Confirm {
                    title: "Consume this license?".to_owned(),
                    lines: vec![
                        format!("{} ({product})", l.key),
                        "A one-time license is used by one run and cannot be used again."
                            .to_owned(),
                    ],
                    action: Action::Consume(l.id),
                };
                model.overlays.push(Overlay::Confirm(confirm));
            }
        }
        (Tab::Licenses, KeyCode::Char('a')) => {
            if let Some(l) = model.licenses.selected() {
                model.overlays.push(Overlay::HostInput {
                    license: l.id,
                    host: String::new(),
                });
            }
        }
        (Tab::Licenses, KeyCode::Char('d')) => {
            if let Some(l) = model.licenses.selected() {
                let confirm = Confirm {
                    title: "Deactivate this license?".to_owned(),
                    lines: vec![format!(
                        "{} on {}",
                        l.key,
                        l.host.0.clone().unwrap_or_else(|| "no host".to_owned())
                    )],
                    action: Action::Deactivate(l.id),
                };
                model.overlays.push(Overlay::Confirm(confirm));
            }
        }
        (Tab::Subscriptions, KeyCode::Char('t')) => {
            if let Some(sub) = selected_subscription(model) {
                let turn_on = !sub.auto_renew;
                let product = model.product_name(&sub.product).to_owned();
                let lines = if turn_on {
                    vec![format!(
                        "{product} will renew on {}",
                        sub.current_period_end.format("%Y-%m-%d")
                    )]
                } else {
                    vec![
                        format!(
                            "{product} will run to {} and not renew.",
                            sub.current_period_end.format("%Y-%m-%d")
                        ),
                        "This is not a cancellation: nothing is refunded or ended early."
                            .to_owned(),
                    ]
                };
                let confirm = Confirm {
                    title: format!("Turn auto-renew {}?", if turn_on { "on" } else { "off" }),
                    lines,
                    action: Action::SetAutoRenew(sub.id, turn_on),
                };
                model.overlays.push(Overlay::Confirm(confirm));
            }
        }
        (Tab::Subscriptions, KeyCode::Char('u')) => {
            if let (Some(sub), Some(catalog)) =
                (selected_subscription(model), model.catalog.data.clone())
            {
                let wizard = Wizard::upgrade(&catalog, &sub, &model.account.payment_methods);
                if wizard.products.is_empty() {
                    let text = format!(
                        "{} has no higher edition to upgrade to",
                        model.product_name(&sub.product)
                    );
                    say(model, text, Level::Info);
                } else {
                    model.overlays.push(Overlay::Wizard(Box::new(wizard)));
                }
            }
        }
        (Tab::Subscriptions, KeyCode::Char('+')) => {
            if let Some(sub) = selected_subscription(model) {
                let wizard = Wizard::seats(&sub, &model.account.payment_methods);
                model.overlays.push(Overlay::Wizard(Box::new(wizard)));
            }
        }
        (Tab::Home, KeyCode::Char('p')) => {
            // The renewal due first: paid on a fresh checkout.
            let due = model
                .summary
                .data
                .as_ref()
                .and_then(|s| s.renewals_due.first())
                .map(|o| o.id);
            match due {
                Some(id) => return vec![fetch(model, Request::ReopenCheckout(id))],
                None => say(model, "No renewal is waiting for payment", Level::Info),
            }
        }
        (Tab::Orders, KeyCode::Char('p')) => {
            if let Some(order) = selected_order(model) {
                if order.status == OrderStatus::PendingPayment {
                    // A fresh checkout: the order may be days old, a provider's QR code
                    // lives minutes.
                    return vec![fetch(model, Request::ReopenCheckout(order.id))];
                }
                say(
                    model,
                    format!("This order is {}", status_label(order.status)),
                    Level::Info,
                );
            }
        }
        (Tab::Orders, KeyCode::Char('i')) => {
            if let Some(order) = selected_order(model) {
                if order.status == OrderStatus::Paid {
                    let form =
                        crate::invoice_form::InvoiceForm::new(order.id, model.account.region);
                    model.overlays.push(Overlay::InvoiceForm(Box::new(form)));
                } else {
                    say(model, "Only a paid order is invoiced", Level::Info);
                }
            }
        }
        (Tab::Orders, KeyCode::Char('x')) => {
            if let Some(order) = selected_order(model) {
                let confirm = Confirm {
                    title: "Cancel this unpaid order?".to_owned(),
                    lines: vec![format!(
                        "{} {} {}",
                        model.product_name(&order.product),
                        order.total,
                        order.currency
                    )],
                    action: Action::CancelOrder(order.id),
                };
                model.overlays.push(Overlay::Confirm(confirm));
            }
        }
        _ => {}
    }
    Vec::new()
}

fn selected_subscription(model: &Model) -> Option<entitle_domain::api::Subscription> {
    model
        .subscriptions
        .data
        .as_ref()?
        .get(model.subscription_cursor.selected)
        .cloned()
}

fn selected_order(model: &Model) -> Option<Order> {
    model
        .orders
        .data
        .as_ref()?
        .get(model.order_cursor.selected)
        .cloned()
}

/// Reopens an unpaid order's checkout and follows it.
fn watch_payment(model: &mut Model, order: Order) -> Vec<Command> {
    let url = order.checkout.as_ref().map(|c| c.url.clone());
    let mut watch = PaymentWatch {
        order: Some(order),
        not_opened: None,
        opened: false,
        poll: None,
        error: None,
        copied: false,
    };
    let mut commands = Vec::new();
    let scan = watch
        .order
        .as_ref()
        .and_then(|o| o.checkout.as_ref())
        .is_some_and(|c| c.qr_code.is_some());
    match url {
        _ if scan => watch.not_opened = Some(SCAN_HINT.to_owned()),
        Some(url) if model.can_launch_browser => commands.push(Command::OpenUrl(url)),
        _ => {
            watch.not_opened =
                Some("no browser here (SSH, or no display): open the URL yourself".to_owned())
        }
    }
    model.overlays.push(Overlay::Payment(Box::new(watch)));
    commands
}

fn on_filter_key(model: &mut Model, key: KeyEvent) -> Vec<Command> {
    let table = &mut model.licenses;
    match key.code {
        KeyCode::Enter => table.filtering = false,
        KeyCode::Esc => {
            table.filtering = false;
            table.filter.clear();
        }
        KeyCode::Backspace => {
            table.filter.pop();
        }
        KeyCode::Char(c) => table.filter.push(c),
        _ => return Vec::new(),
    }
    table.cursor = Default::default();
    table.reshape();
    Vec::new()
}

/// The `:` commands, for completion: every view (an admin's operator views too), quit, and
/// the admin's sandbox controls.
pub fn commands(admin: bool) -> Vec<&'static str> {
    let mut all: Vec<&str> = Tab::shown(admin).iter().map(|t| t.command()).collect();
    all.extend([
        "q",
        "advance P1M",
        "run renewals",
        "run expiry",
        "run reminders",
    ]);
    all
}

fn run_command(model: &mut Model, line: &str) -> Vec<Command> {
    let line = line.trim();
    let admin_request = if let Some(duration) = line.strip_prefix("advance ") {
        Some(Request::AdvanceClock(duration.trim().to_owned()))
    } else {
        line.strip_prefix("run ")
            .map(|job| Request::RunJob(job.trim().to_owned()))
    };
    if let Some(commands) = crate::operator::run_command(model, line) {
        return commands;
    }
    if let Some(request) = admin_request {
        if !model.admin {
            say(
                model,
                "The sandbox clock and the jobs need an admin key",
                Level::Error,
            );
            return Vec::new();
        }
        return vec![fetch(model, request)];
    }
    if line == "q" || line == "quit" {
        model.quit = true;
    } else if let Some(tab) = Tab::ALL
        .iter()
        .find(|t| t.command() == line || t.title().eq_ignore_ascii_case(line))
    {
        model.tab = *tab;
    } else if !line.is_empty() {
        say(
            model,
            format!(
                "No command :{line} — try {}",
                commands(model.admin).join(", ")
            ),
            Level::Error,
        );
    }
    Vec::new()
}

fn on_overlay_key(model: &mut Model, key: KeyEvent) -> Vec<Command> {
    let Some(top) = model.overlays.last_mut() else {
        return Vec::new();
    };
    // Help is one key away from a dialog too: F1, or `?` where it is not typed as text.
    let wants_help =
        key.code == KeyCode::F(1) || (key.code == KeyCode::Char('?') && !top.takes_text());
    if wants_help && !matches!(top, Overlay::Help) {
        model.overlays.push(Overlay::Help);
        return Vec::new();
    }
    match top {
        Overlay::Help => {
            if matches!(
                key.code,
                KeyCode::Esc | KeyCode::Char('?') | KeyCode::F(1) | KeyCode::Char('q')
            ) {
                model.overlays.pop();
            }
        }
        Overlay::Command(line) => match key.code {
            KeyCode::Esc => {
                model.overlays.pop();
            }
            KeyCode::Enter => {
                let line = line.clone();
                model.overlays.pop();
                return run_command(model, &line);
            }
            KeyCode::Tab => {
                if let Some(done) = commands(model.admin)
                    .into_iter()
                    .find(|c| c.starts_with(line.as_str()))
                {
                    *line = done.to_owned();
                }
            }
            KeyCode::Backspace => {
                line.pop();
            }
            KeyCode::Char(c) => line.push(c),
            _ => {}
        },
        Overlay::Confirm(confirm) => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                let action = confirm.action.clone();
                model.overlays.pop();
                return confirmed(model, action);
            }
            // The default is Cancel: n, Esc and a bare Enter all cancel.
            KeyCode::Char('n') | KeyCode::Esc | KeyCode::Enter => {
                model.overlays.pop();
            }
            _ => {}
        },
        Overlay::Detail(license) => {
            if key.code == KeyCode::Char('e') {
                let license = license.clone();
                return crate::machines::open_export(model, &license);
            }
            if matches!(key.code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')) {
                model.overlays.pop();
            }
        }
        Overlay::HostInput { license, host } => match key.code {
            KeyCode::Esc => {
                model.overlays.pop();
            }
            KeyCode::Enter if !host.trim().is_empty() => {
                let confirm = Confirm {
                    title: "Activate this license?".to_owned(),
                    lines: vec![format!("on host {}", host.trim())],
                    action: Action::Activate(*license, host.trim().to_owned()),
                };
                model.overlays.pop();
                model.overlays.push(Overlay::Confirm(confirm));
            }
            KeyCode::Backspace => {
                host.pop();
            }
            KeyCode::Char(c) if host.len() < 253 => host.push(c),
            _ => {}
        },
        Overlay::Wizard(_) => return on_wizard_key(model, key),
        Overlay::InvoiceForm(form) => match key.code {
            KeyCode::Esc => {
                model.overlays.pop();
            }
            KeyCode::Down | KeyCode::Tab => form.move_focus(1),
            KeyCode::Up | KeyCode::BackTab => form.move_focus(-1),
            KeyCode::Left | KeyCode::Right => form.toggle(),
            KeyCode::Backspace => form.erase(),
            KeyCode::Enter if form.focus == crate::invoice_form::Focus::Submit => {
                let request = Request::RequestInvoice(form.order_id, form.request());
                return vec![fetch(model, request)];
            }
            KeyCode::Enter => form.move_focus(1),
            KeyCode::Char(c) => form.type_char(c),
            _ => {}
        },
        Overlay::Payment(_) => return on_payment_key(model, key),
        Overlay::ExportFile(_) => return crate::machines::on_form_key(model, key),
        Overlay::Operator(_) => return crate::operator::on_dialog_key(model, key),
    }
    Vec::new()
}

fn confirmed(model: &mut Model, action: Action) -> Vec<Command> {
    let request = match action {
        Action::Consume(id) => Request::Consume(id),
        Action::Activate(id, host) => Request::Activate(id, host),
        Action::Deactivate(id) => Request::Deactivate(id),
        Action::SetAutoRenew(id, on) => Request::SetAutoRenew(id, on),
        Action::CancelOrder(id) => Request::CancelOrder(id),
        Action::PlaceOrder { key, request } => {
            // Leave the wizard for the payment dialog, which follows the order.
            model.overlays.retain(|o| !matches!(o, Overlay::Wizard(_)));
            model.overlays.push(Overlay::Payment(Box::new(PaymentWatch {
                order: None,
                not_opened: None,
                opened: false,
                poll: None,
                error: None,
                copied: false,
            })));
            Request::PlaceOrder { key, request }
        }
        Action::Operator(action) => return crate::operator::confirmed(model, action),
    };
    vec![fetch(model, request)]
}

fn on_wizard_key(model: &mut Model, key: KeyEvent) -> Vec<Command> {
    let Some(Overlay::Wizard(wizard)) = model.overlays.last_mut() else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => {
            let at_first_step = !wizard.back();
            if at_first_step {
                model.overlays.pop();
            }
        }
        KeyCode::Up | KeyCode::Char('k') => wizard.choose(-1),
        KeyCode::Down | KeyCode::Char('j') => wizard.choose(1),
        KeyCode::Left | KeyCode::Right | KeyCode::Char(' ') => wizard.choose(1),
        KeyCode::Backspace => wizard.erase(),
        KeyCode::Char(c) if c.is_ascii_digit() => wizard.type_digit(c),
        KeyCode::Enter => {
            if wizard.step == Step::Quote {
                let ready = wizard.quote.data.is_some() && !wizard.quote.is_loading();
                if let (true, Some(request)) = (ready, wizard.order_request()) {
                    let quote = wizard.quote.data.as_ref();
                    let total = quote
                        .map(|q| format!("{} {}", q.total, q.currency))
                        .unwrap_or_default();
                    let method = wizard.methods.get(wizard.method).map_or("", |m| m.label());
                    let confirm = Confirm {
                        title: "Continue to the third-party payment platform?".to_owned(),
                        lines: vec![
                            format!(
                                "Subscribe Now: {total} with {method}, paid on the provider's page."
                            ),
                            "Licenses take effect the moment payment completes and are non-refundable.".to_owned(),
                        ],
                        action: Action::PlaceOrder {
                            key: wizard.idempotency_key.clone(),
                            request,
                        },
                    };
                    model.overlays.push(Overlay::Confirm(confirm));
                }
                return Vec::new();
            }
            // Quoted on the way to the method step too, so that it lists what can be paid.
            if wizard.advance()
                && matches!(wizard.step, Step::Method | Step::Quote)
                && let Some(request) = wizard.quote_request()
            {
                return vec![fetch(model, Request::Quote(request))];
            }
        }
        _ => {}
    }
    Vec::new()
}

fn on_payment_key(model: &mut Model, key: KeyEvent) -> Vec<Command> {
    let Some(Overlay::Payment(watch)) = model.overlays.last_mut() else {
        return Vec::new();
    };
    let url = watch
        .order
        .as_ref()
        .and_then(|o| o.checkout.as_ref())
        .map(|c| (c.url.clone(), c.provider.clone()));
    match key.code {
        KeyCode::Esc => {
            let pending = watch
                .order
                .as_ref()
                .is_some_and(|o| o.status == OrderStatus::PendingPayment);
            if let Some(Overlay::Payment(watch)) = model.overlays.pop()
                && pending
            {
                model.background = Some(*watch);
                say(
                    model,
                    "Still following the payment in the background",
                    Level::Info,
                );
            }
        }
        KeyCode::Char('c') => {
            if let Some((url, _)) = url {
                watch.copied = true;
                return vec![Command::Copy(url)];
            }
        }
        KeyCode::Char('o') => {
            if let Some((url, _)) = url {
                return vec![Command::OpenUrl(url)];
            }
        }
        KeyCode::Char('p') => {
            if let Some((url, provider)) = url
                && provider == "sandbox"
            {
                return vec![fetch(model, Request::CompleteSandboxCheckout(url))];
            }
        }
        _ => {}
    }
    Vec::new()
}

fn on_mouse(model: &mut Model, mouse: crossterm::event::MouseEvent) -> Vec<Command> {
    if !model.overlays.is_empty() {
        return Vec::new();
    }
    match mouse.kind {
        MouseEventKind::ScrollDown => {
            navigate(model, KeyCode::Down);
            navigate(model, KeyCode::Down);
            navigate(model, KeyCode::Down).unwrap_or_default()
        }
        MouseEventKind::ScrollUp => {
            navigate(model, KeyCode::Up);
            navigate(model, KeyCode::Up);
            navigate(model, KeyCode::Up).unwrap_or_default()
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(tab) = views::tab_at(model, mouse.column, mouse.row) {
                model.tab = tab;
            } else if let Some(row) = crate::widgets::row_at(mouse.row) {
                let offset = match model.tab {
                    Tab::Licenses => model.licenses.cursor.offset,
                    Tab::Subscriptions => model.subscription_cursor.offset,
                    Tab::Orders => model.order_cursor.offset,
                    Tab::Invoices => model.invoices.cursor.offset,
                    Tab::Catalog => model.catalog_cursor.offset,
                    Tab::Home | Tab::Operator(_) => return Vec::new(),
                };
                let target = offset + row;
                let current = match model.tab {
                    Tab::Licenses => model.licenses.cursor.selected,
                    Tab::Subscriptions => model.subscription_cursor.selected,
                    Tab::Orders => model.order_cursor.selected,
                    Tab::Invoices => model.invoices.cursor.selected,
                    _ => model.catalog_cursor.selected,
                };
                let delta = target as isize - current as isize;
                let height = model.page_size;
                let len = match model.tab {
                    Tab::Licenses => model.licenses.shown.len(),
                    Tab::Subscriptions => model.subscriptions.data.as_ref().map_or(0, Vec::len),
                    Tab::Orders => model.orders.data.as_ref().map_or(0, Vec::len),
                    Tab::Invoices => model.invoices.rows.len(),
                    _ => model.catalog.data.as_ref().map_or(0, Vec::len),
                };
                let cursor = match model.tab {
                    Tab::Licenses => &mut model.licenses.cursor,
                    Tab::Subscriptions => &mut model.subscription_cursor,
                    Tab::Orders => &mut model.order_cursor,
                    Tab::Invoices => &mut model.invoices.cursor,
                    _ => &mut model.catalog_cursor,
                };
                cursor.move_by(delta, len, height);
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}
