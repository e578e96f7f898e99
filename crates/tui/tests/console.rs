//! The console without a terminal: views rendered into ratatui's `TestBackend` and locked
//! with insta snapshots, and the update logic driven with messages.
//!
//! Long because it is a list of scenarios, each read top to bottom on its own, sharing only
//! the fixtures at the top.

use std::path::PathBuf;

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use entitle_domain::api::machines::{Activation, Machine, StaleFile};
use entitle_domain::api::{
    Account, AccountSummary, Checkout, License, LicensePage, Order, Period, PriceEntry,
    ProductCount, ProductInput, ProductView, QuoteLineView, QuoteView, Subscription,
};
use entitle_domain::api::{Invoice, InvoicePage};
use entitle_domain::invoices::{BuyerDetails, InvoiceStatus, InvoiceType};
use entitle_domain::licenses::{LicenseSource, LicenseStatus};
use entitle_domain::machines::{Binding, MachineActor, MachineStatus};
use entitle_domain::orders::{OrderStatus, OrderType};
use entitle_domain::quote::LineKind;
use entitle_domain::subscription::SubscriptionStatus;
use entitle_domain::{AccountKind, Currency, Cycle, PaymentMethod, ProductKind, Region};
use entitle_tui::model::{Command, Level, Model, Msg, Overlay, PaymentWatch, Reply, Request, Tab};
use entitle_tui::remote::RequestId;
use entitle_tui::theme::Theme;
use entitle_tui::update::update;
use entitle_tui::views;
use entitle_tui::wizard::Step;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0)
        .single()
        .expect("valid")
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn account() -> Account {
    Account {
        id: id(1),
        name: "Acme Shanghai".to_owned(),
        kind: AccountKind::Individual,
        region: Region::Cn,
        currency: Currency::Cny,
        payment_methods: vec![PaymentMethod::Alipay, PaymentMethod::WechatPay],
        email: None.into(),
        language: entitle_domain::mail::Language::ZhHans,
        created_at: now() - Duration::days(40),
    }
}

fn license(n: u128, product: &str, source: LicenseSource, days: i64) -> License {
    License {
        id: id(1000 + n),
        key: format!("{}-{:05}-AAAAA-BBBBB-CCCCC", product.to_uppercase(), n),
        product: product.to_owned(),
        status: LicenseStatus::Active,
        valid_from: now() - Duration::days(5),
        valid_until: now() + Duration::days(days),
        source,
        order_id: Some(id(500)).into(),
        subscription_id: None.into(),
        host: ((n == 2).then(|| "db-1.example.com".to_owned())).into(),
        consumed_at: None.into(),
        consumed_reference: None.into(),
    }
}

fn price(cycle: Option<Cycle>, currency: Currency, amount: &str) -> PriceEntry {
    PriceEntry {
        cycle,
        currency,
        amount: amount.parse().expect("amount"),
    }
}

fn product(code: &str, name: &str, kind: ProductKind, monthly: &str, annual: &str) -> ProductView {
    let prices = match kind {
        ProductKind::Term => vec![
            price(Some(Cycle::Month), Currency::Cny, monthly),
            price(Some(Cycle::Year), Currency::Cny, annual),
        ],
        ProductKind::OneTime => vec![price(None, Currency::Cny, monthly)],
    };
    let input = ProductInput {
        validity_months: (kind == ProductKind::OneTime).then_some(3),
        host_bound: true,
        ..ProductInput::new(code, name, kind, prices)
    };
    ProductView::from(&input.to_product().expect("a valid product"))
}

fn catalog() -> Vec<ProductView> {
    vec![
        product("dr", "DR License", ProductKind::Term, "199.00", "1990.00"),
        product(
            "failback",
            "Failback License",
            ProductKind::OneTime,
            "99.00",
            "",
        ),
    ]
}

fn subscription() -> Subscription {
    Subscription {
        id: id(300),
        account_id: id(1),
        product: "dr".to_owned(),
        cycle: Cycle::Year,
        quantity: 3,
        status: SubscriptionStatus::Active,
        trial: false,
        auto_renew: true,
        current_period_start: now() - Duration::days(5),
        current_period_end: now() + Duration::days(360),
        payment_method: Some(PaymentMethod::Alipay),
    }
}

fn order(status: OrderStatus) -> Order {
    Order {
        id: id(500),
        account_id: id(1),
        kind: OrderType::Purchase,
        status,
        product: "failback".to_owned(),
        cycle: None,
        quantity: 2,
        subscription_id: None.into(),
        auto_renew: None.into(),
        lines: vec![QuoteLineView {
            kind: LineKind::Purchase,
            product: "failback".to_owned(),
            quantity: 2,
            unit_price: "99.00".parse().expect("amount"),
            periods: None.into(),
            months_left: None.into(),
            months_billed: None.into(),
            total: "198.00".parse().expect("amount"),
        }],
        currency: Currency::Cny,
        total: "198.00".parse().expect("amount"),
        payment_method: Some(PaymentMethod::Alipay),
        created_at: now() - Duration::minutes(3),
        paid_at: ((status == OrderStatus::Paid).then(now)).into(),
        canceled_at: None.into(),
        expires_at: Some(now() + Duration::minutes(27)).into(),
        checkout: Some(Checkout {
            provider: "sandbox".to_owned(),
            url: "http://127.0.0.1:8080/sandbox/checkout/00000000-0000-0000-0000-000000000501"
                .to_owned(),
            qr_code: None.into(),
            expires_at: now() + Duration::minutes(27),
        }),
    }
}

fn paid_order() -> Order {
    Order {
        id: id(600),
        kind: OrderType::Purchase,
        product: "dr".to_owned(),
        cycle: Some(Cycle::Year),
        quantity: 3,
        lines: vec![QuoteLineView {
            kind: LineKind::Purchase,
            product: "dr".to_owned(),
            quantity: 3,
            unit_price: "1990.00".parse().expect("amount"),
            periods: Some(1).into(),
            months_left: None.into(),
            months_billed: None.into(),
            total: "5970.00".parse().expect("amount"),
        }],
        total: "5970.00".parse().expect("amount"),
        created_at: now() - Duration::days(5),
        paid_at: Some(now() - Duration::days(5)).into(),
        checkout: None,
        ..order(OrderStatus::Paid)
    }
}

fn invoice() -> Invoice {
    Invoice {
        id: id(700),
        order_id: id(600),
        account_id: id(1),
        kind: InvoiceType::VatSpecial,
        status: InvoiceStatus::Issued,
        number: Some("CN-VS-2026-000042".to_owned()).into(),
        buyer: BuyerDetails {
            title: Some("Acme Shanghai Ltd".to_owned()),
            company: true,
            ..BuyerDetails::default()
        },
        currency: Currency::Cny,
        total: "5970.00".parse().expect("amount"),
        net: Some("5632.08".parse().expect("amount")).into(),
        tax: Some("337.92".parse().expect("amount")).into(),
        vat_rate: Some("0.06".to_owned()).into(),
        requested_at: now() - Duration::days(4),
        issued_at: Some(now() - Duration::days(1)).into(),
    }
}

/// A console with everything loaded 5 seconds ago, rendered without colour.
fn loaded() -> Model {
    let mut model = Model::new(
        account(),
        "http://127.0.0.1:8080",
        Theme { color: false },
        now(),
    );
    update(&mut model, Msg::Resize(100, 24));
    let commands = entitle_tui::update::start(&mut model);
    let at = now() - Duration::seconds(5);
    for command in commands {
        let Command::Fetch(request_id, request) = command else {
            continue;
        };
        model.now = at;
        update(&mut model, Msg::Reply(request_id, Ok(start_reply(request))));
    }
    model.now = now();
    model
}

/// What the server answers to each request the console starts with.
fn start_reply(request: Request) -> Reply {
    match request {
        Request::Summary => Reply::Summary(AccountSummary {
            account: account(),
            active_licenses: vec![
                ProductCount {
                    product: "dr".to_owned(),
                    count: 3,
                },
                ProductCount {
                    product: "failback".to_owned(),
                    count: 3,
                },
            ],
            expiring_within_30_days: 1,
            unpaid_orders: 1,
            renewals_due: Vec::new(),
            latest_messages: vec![entitle_domain::api::Message {
                id: id(700),
                account_id: id(1),
                kind: entitle_domain::mail::MessageKind::PaymentReceived,
                subject: "付款成功：DR License".to_owned(),
                to: "billing@acme.example".to_owned(),
                language: entitle_domain::mail::Language::ZhHans,
                status: entitle_domain::mail::MessageStatus::Sent,
                attempts: 1,
                sent_at: Some(now() - Duration::days(2)).into(),
                message_id: "<x.payment_received@entitle>".to_owned(),
                created_at: now() - Duration::days(2),
            }],
        }),
        Request::Licenses { .. } => Reply::Licenses(LicensePage {
            items: vec![
                license(1, "dr", LicenseSource::Order, 360),
                license(2, "dr", LicenseSource::Order, 360),
                license(3, "failback", LicenseSource::Bonus, 20),
            ],
            next_cursor: None.into(),
        }),
        Request::Subscriptions => Reply::Subscriptions(vec![subscription()]),
        Request::Orders => Reply::Orders(vec![paid_order(), order(OrderStatus::PendingPayment)]),
        Request::Invoices { cursor: None } => Reply::Invoices(InvoicePage {
            items: vec![invoice()],
            next_cursor: None.into(),
        }),
        Request::Catalog => Reply::Catalog(catalog()),
        Request::StaleFiles => Reply::StaleFiles(Vec::new()),
        other => panic!("unexpected start request {other:?}"),
    }
}

fn render(model: &Model) -> String {
    render_on(model, 100, 24)
}

fn render_on(model: &Model, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|frame| views::draw(model, frame))
        .expect("draw");
    // A no-break space (which keeps a key with what it does) shows as a space.
    terminal.backend().to_string().replace('\u{a0}', " ")
}

/// The screen of a loaded console after `keys` are typed: one view's snapshot.
fn screen_after(keys: &str) -> String {
    let mut model = loaded();
    press(&mut model, keys);
    render(&model)
}

fn key(model: &mut Model, code: KeyCode) -> Vec<Command> {
    update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn press(model: &mut Model, keys: &str) -> Vec<Command> {
    keys.chars()
        .flat_map(|c| key(model, KeyCode::Char(c)))
        .collect()
}

#[test]
fn home_view() {
    insta::assert_snapshot!(render(&loaded()));
}

#[test]
fn licenses_view() {
    insta::assert_snapshot!(screen_after("2"));
}

#[test]
fn licenses_view_filtered_by_typing() {
    let mut model = loaded();
    press(&mut model, "2/fail");
    assert_eq!(model.licenses.shown.len(), 1);
    insta::assert_snapshot!(render(&model));
    key(&mut model, KeyCode::Esc);
    assert_eq!(model.licenses.shown.len(), 3, "Esc clears the filter");
}

#[test]
fn subscriptions_view() {
    insta::assert_snapshot!(screen_after("3"));
}

#[test]
fn orders_view() {
    insta::assert_snapshot!(screen_after("4"));
}

#[test]
fn catalog_view() {
    insta::assert_snapshot!(screen_after("6"));
}

#[test]
fn help_overlay() {
    let mut model = loaded();
    press(&mut model, "2?");
    insta::assert_snapshot!(render(&model));
    press(&mut model, "?");
    assert!(model.overlays.is_empty(), "the same key closes help");
}

#[test]
fn license_detail_dialog() {
    let mut model = loaded();
    press(&mut model, "2j");
    key(&mut model, KeyCode::Enter);
    insta::assert_snapshot!(render(&model));
}

#[test]
fn auto_renew_confirmation_defaults_to_cancel() {
    let mut model = loaded();
    press(&mut model, "3t");
    insta::assert_snapshot!(render(&model));
    assert!(
        key(&mut model, KeyCode::Enter).is_empty(),
        "a bare Enter cancels"
    );
    assert!(model.overlays.is_empty());
    press(&mut model, "t");
    assert!(
        press(&mut model, "t").is_empty(),
        "the key that opened it does not confirm"
    );
    let commands = press(&mut model, "y");
    assert!(matches!(
        commands.as_slice(),
        [Command::Fetch(_, Request::SetAutoRenew(id, false))] if *id == Uuid::from_u128(300)
    ));
}

#[test]
fn command_line_jumps_to_views_with_completion() {
    let mut model = loaded();
    press(&mut model, ":lic");
    insta::assert_snapshot!(render(&model));
    key(&mut model, KeyCode::Tab);
    assert!(matches!(model.overlays.last(), Some(Overlay::Command(line)) if line == "licenses"));
    key(&mut model, KeyCode::Enter);
    assert_eq!(model.tab, Tab::Licenses);
    press(&mut model, ":q");
    key(&mut model, KeyCode::Enter);
    assert!(model.quit);
}

fn quote_reply() -> QuoteView {
    QuoteView {
        currency: Currency::Cny,
        lines: order(OrderStatus::PendingPayment).lines,
        total: "198.00".parse().expect("amount"),
        payment_methods: vec![PaymentMethod::Alipay, PaymentMethod::WechatPay],
        period: Period {
            start: now(),
            end: now() + Duration::days(90),
        },
    }
}

/// Walks the subscribe wizard to the quote for two failback licenses; returns the id of the
/// quote request it sends the server.
fn wizard_at_quote(model: &mut Model) -> RequestId {
    press(model, "s");
    key(model, KeyCode::Down);
    key(model, KeyCode::Enter);
    key(model, KeyCode::Backspace);
    press(model, "2");
    key(model, KeyCode::Enter);
    let commands = key(model, KeyCode::Enter);
    let [Command::Fetch(quote_id, Request::Quote(_))] = commands.as_slice() else {
        panic!("the quote step asks the server: {commands:?}");
    };
    *quote_id
}

/// The server's quote for the wizard's two failback licenses.
fn answer_quote(model: &mut Model, quote_id: RequestId) {
    update(model, Msg::Reply(quote_id, Ok(Reply::Quote(quote_reply()))));
}

/// Walks the subscribe wizard through the server's quote and confirms it; returns the id of
/// the order request it sends. For the scenarios about what follows a placed order.
fn wizard_places_order(model: &mut Model) -> RequestId {
    let quote_id = wizard_at_quote(model);
    answer_quote(model, quote_id);
    key(model, KeyCode::Enter);
    let commands = press(model, "y");
    let [Command::Fetch(place_id, Request::PlaceOrder { .. })] = commands.as_slice() else {
        panic!("confirming places the order: {commands:?}");
    };
    *place_id
}

#[test]
fn subscribe_wizard_product_step() {
    let mut model = loaded();
    press(&mut model, "s");
    key(&mut model, KeyCode::Down);
    insta::assert_snapshot!(render(&model));
}

/// `s` pressed while the catalog is still on its way (a slow server, the first second of the
/// demo) is not lost: the wizard opens when the catalog arrives.
/// A console just started: its requests sent, none answered; and the catalog's request.
fn started_without_a_catalog() -> (Model, RequestId) {
    let mut model = Model::new(account(), "http://x", Theme { color: false }, now());
    update(&mut model, Msg::Resize(100, 24));
    let catalog_id = entitle_tui::update::start(&mut model)
        .into_iter()
        .find_map(|command| match command {
            Command::Fetch(id, Request::Catalog) => Some(id),
            _ => None,
        })
        .expect("the catalog is asked for at start");
    (model, catalog_id)
}

#[test]
fn subscribe_pressed_before_the_catalog_arrives_opens_the_wizard_when_it_does() {
    let (mut model, catalog_id) = started_without_a_catalog();
    press(&mut model, "s");
    assert!(model.overlays.is_empty(), "no wizard without products");
    assert!(
        matches!(&model.message, Some((text, Level::Info)) if text.contains("when it arrives")),
        "{:?}",
        model.message
    );
    update(
        &mut model,
        Msg::Reply(catalog_id, Ok(Reply::Catalog(catalog()))),
    );
    assert!(
        matches!(model.overlays.last(), Some(Overlay::Wizard(w)) if w.step == Step::Product),
        "{:?}",
        model.overlays
    );
    // Once: a later catalog refresh does not open a second wizard.
    key(&mut model, KeyCode::Esc);
    let refreshed = press(&mut model, "6r");
    for command in refreshed {
        if let Command::Fetch(id, Request::Catalog) = command {
            update(&mut model, Msg::Reply(id, Ok(Reply::Catalog(catalog()))));
        }
    }
    assert!(model.overlays.is_empty(), "{:?}", model.overlays);
}

#[test]
fn subscribe_waiting_for_a_catalog_that_fails_says_so_and_opens_nothing_on_the_retry() {
    let (mut model, catalog_id) = started_without_a_catalog();
    press(&mut model, "s");
    // A stale reply (to a request the console no longer waits for) leaves the wait alone.
    update(
        &mut model,
        Msg::Reply(catalog_id + 1000, Ok(Reply::Catalog(catalog()))),
    );
    assert!(
        model.purchase_waiting,
        "a stale reply does not take the wait"
    );
    assert!(model.overlays.is_empty());
    update(
        &mut model,
        Msg::Reply(catalog_id, Err("server unreachable".to_owned())),
    );
    assert!(!model.purchase_waiting);
    assert!(
        matches!(&model.message, Some((text, Level::Error)) if text.contains("catalog did not load")),
        "{:?}",
        model.message
    );
    // The catalog's own retry, later, fills the catalog without a wizard popping up.
    let retry = update(&mut model, Msg::Tick(now() + chrono::Duration::seconds(10)))
        .into_iter()
        .find_map(|command| match command {
            Command::Fetch(id, Request::Catalog) => Some(id),
            _ => None,
        })
        .expect("a failed catalog is asked for again");
    update(&mut model, Msg::Reply(retry, Ok(Reply::Catalog(catalog()))));
    assert!(model.catalog.data.is_some());
    assert!(model.overlays.is_empty(), "{:?}", model.overlays);
}

#[test]
fn subscribe_wizard_quote_then_pay() {
    let mut model = loaded();
    let quote_id = wizard_at_quote(&mut model);
    answer_quote(&mut model, quote_id);
    insta::assert_snapshot!("subscribe_wizard_quote", render(&model));

    key(&mut model, KeyCode::Enter);
    insta::assert_snapshot!("subscribe_wizard_confirm", render(&model));
    let commands = press(&mut model, "y");
    let [Command::Fetch(place_id, Request::PlaceOrder { request, .. })] = commands.as_slice()
    else {
        panic!("confirming places the order: {commands:?}");
    };
    assert!(
        matches!(request, entitle_domain::api::OrderRequest::Purchase(p) if p.item.quantity == 2)
    );

    let commands = update(
        &mut model,
        Msg::Reply(
            *place_id,
            Ok(Reply::Order(order(OrderStatus::PendingPayment))),
        ),
    );
    assert!(commands.is_empty(), "no display here: nothing is launched");
    insta::assert_snapshot!("payment_dialog_without_browser", render(&model));

    // The console follows the order until it is paid.
    let mut poll = None;
    for _ in 0..4 {
        for command in update(&mut model, Msg::Tick(now())) {
            if let Command::Fetch(id, Request::Order(_)) = command {
                poll = Some(id);
            }
        }
    }
    let poll = poll.expect("the order is polled");
    let commands = update(
        &mut model,
        Msg::Reply(poll, Ok(Reply::Order(order(OrderStatus::Paid)))),
    );
    assert_eq!(model.tab, Tab::Home);
    assert!(model.overlays.is_empty());
    assert_eq!(model.fresh_order, Some(Uuid::from_u128(500)));
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::Fetch(_, Request::Licenses { .. })))
    );
}

#[test]
fn with_a_display_the_checkout_opens_in_the_browser() {
    let mut model = loaded();
    model.can_launch_browser = true;
    let place_id = wizard_places_order(&mut model);
    let commands = update(
        &mut model,
        Msg::Reply(
            place_id,
            Ok(Reply::Order(order(OrderStatus::PendingPayment))),
        ),
    );
    assert_eq!(
        commands,
        vec![Command::OpenUrl(
            order(OrderStatus::PendingPayment)
                .checkout
                .expect("checkout")
                .url
        )]
    );
}

#[test]
fn a_scan_checkout_draws_the_providers_code_and_opens_nothing() {
    let mut model = loaded();
    model.can_launch_browser = true;
    let place_id = wizard_places_order(&mut model);
    let mut wechat = order(OrderStatus::PendingPayment);
    if let Some(checkout) = wechat.checkout.as_mut() {
        checkout.provider = "wechat_pay".to_owned();
        checkout.url = "http://127.0.0.1:8080/pay/0000000000000000000000000000050a".to_owned();
        checkout.qr_code = Some("weixin://wxpay/bizpayurl?pr=abc123".to_owned()).into();
    }
    let commands = update(&mut model, Msg::Reply(place_id, Ok(Reply::Order(wechat))));
    assert!(
        !commands.iter().any(|c| matches!(c, Command::OpenUrl(_))),
        "a scan flow opens no browser: {commands:?}"
    );
    // A tall terminal: the code is drawn where it fits.
    let screen = render_on(&model, 100, 60);
    assert!(screen.contains("scan the QR code with WeChat"), "{screen}");
    let code = entitle_tui::browser::qr("weixin://wxpay/bizpayurl?pr=abc123").expect("a code");
    let row = code[3].trim();
    assert!(
        screen.contains(row),
        "the provider's code is drawn, not the URL's: {screen}"
    );
}

#[test]
fn home_shows_a_renewal_due_and_p_pays_it_on_a_fresh_checkout() {
    let mut model = loaded();
    assert!(press(&mut model, "p").is_empty(), "nothing to pay yet");
    let mut due = order(OrderStatus::PendingPayment);
    due.kind = OrderType::Renewal;
    due.product = "dr".to_owned();
    due.expires_at = Some(now() + Duration::days(12)).into();
    if let Some(summary) = model.summary.data.as_mut() {
        summary.renewals_due = vec![due.clone()];
    }
    let screen = render(&model);
    assert!(
        screen.contains("Renewals due — press p to pay the first"),
        "{screen}"
    );
    assert!(screen.contains("198.00 CNY  pay before"), "{screen}");
    let [Command::Fetch(reopen, Request::ReopenCheckout(id))] = press(&mut model, "p")[..] else {
        panic!("p asks for a fresh checkout");
    };
    assert_eq!(id, due.id);
    // No browser here (the test's console): nothing opens, and the dialog says so.
    let opened = update(
        &mut model,
        Msg::Reply(reopen, Ok(Reply::Checkout(due.clone()))),
    );
    assert!(opened.is_empty(), "{opened:?}");
    assert!(
        matches!(model.overlays.last(), Some(Overlay::Payment(watch))
            if watch.not_opened.as_deref().is_some_and(|why| why.starts_with("no browser here"))),
        "the payment dialog follows the renewal order: {:?}",
        model.overlays.last()
    );
    assert!(render(&model).contains(&due.checkout.as_ref().expect("checkout").url));
}

#[test]
fn the_sandbox_pays_only_an_unpaid_sandbox_checkout_and_the_footer_says_when() {
    for (provider, status, offered) in [
        ("sandbox", OrderStatus::PendingPayment, true),
        ("alipay", OrderStatus::PendingPayment, false),
        ("sandbox", OrderStatus::Expired, false),
    ] {
        let mut model = loaded();
        let mut followed = order(status);
        if let Some(checkout) = followed.checkout.as_mut() {
            checkout.provider = provider.to_owned();
        }
        let watch = PaymentWatch {
            order: Some(followed),
            ..PaymentWatch::default()
        };
        model.overlays.push(Overlay::Payment(Box::new(watch)));
        let footer_shows = footer(&render(&model)).contains("p pay in the sandbox");
        let paid = press(&mut model, "p")
            .iter()
            .any(|c| matches!(c, Command::Fetch(_, Request::CompleteSandboxCheckout(_))));
        assert_eq!(
            (footer_shows, paid),
            (offered, offered),
            "{provider} {status:?}"
        );
    }
}

#[test]
fn a_test_mode_server_says_sandbox_in_the_header() {
    let mut model = loaded();
    assert!(
        !render(&model)
            .lines()
            .next()
            .unwrap_or_default()
            .contains("SANDBOX")
    );
    model.sandbox = true;
    let screen = render(&model);
    assert!(
        screen
            .lines()
            .next()
            .unwrap_or_default()
            .contains("SANDBOX"),
        "{screen}"
    );
}

#[test]
fn a_refusal_is_shown_as_the_server_words_it() {
    let mut model = loaded();
    let quote_id = wizard_at_quote(&mut model);
    update(
        &mut model,
        Msg::Reply(
            quote_id,
            Err(
                "a trial cannot be upgraded, running or ended: buy premium first, then upgrade"
                    .to_owned(),
            ),
        ),
    );
    insta::assert_snapshot!(render(&model));
}

#[test]
fn a_reply_to_a_replaced_request_is_dropped() {
    let mut model = loaded();
    press(&mut model, "3");
    let first = press(&mut model, "r");
    let second = press(&mut model, "r");
    let subs_id = |commands: &[Command]| {
        commands.iter().find_map(|c| match c {
            Command::Fetch(id, Request::Subscriptions) => Some(*id),
            _ => None,
        })
    };
    let (old, new) = (
        subs_id(&first).expect("first"),
        subs_id(&second).expect("second"),
    );
    update(
        &mut model,
        Msg::Reply(old, Ok(Reply::Subscriptions(Vec::new()))),
    );
    assert_eq!(
        model.subscriptions.data.as_ref().map(Vec::len),
        Some(1),
        "stale reply dropped"
    );
    update(
        &mut model,
        Msg::Reply(new, Ok(Reply::Subscriptions(Vec::new()))),
    );
    assert_eq!(model.subscriptions.data.as_ref().map(Vec::len), Some(0));
}

#[test]
fn an_unreachable_server_is_a_message_with_a_retry_not_an_empty_list() {
    let mut model = loaded();
    press(&mut model, "4");
    let commands = press(&mut model, "r");
    let orders = commands
        .iter()
        .find_map(|c| match c {
            Command::Fetch(id, Request::Orders) => Some(*id),
            _ => None,
        })
        .expect("orders reloaded");
    update(
        &mut model,
        Msg::Reply(
            orders,
            Err("cannot reach the server at http://127.0.0.1:8080".to_owned()),
        ),
    );
    insta::assert_snapshot!(render(&model));
    assert_eq!(
        model.orders.data.as_ref().map(Vec::len),
        Some(2),
        "the last data is kept"
    );
    let later = update(&mut model, Msg::Tick(now() + Duration::seconds(6)));
    assert!(
        later
            .iter()
            .any(|c| matches!(c, Command::Fetch(_, Request::Orders))),
        "it retries"
    );
}

#[test]
fn a_hundred_thousand_licenses_draw_only_the_visible_rows_and_page_as_you_scroll() {
    let mut model = loaded();
    press(&mut model, "2");
    let rows: Vec<License> = (0..100_000)
        .map(|n| license(n, "dr", LicenseSource::Order, 30))
        .collect();
    model.licenses.list.rows = rows;
    model.licenses.list.complete = false;
    model.licenses.list.next_cursor = Some("cursor".to_owned());
    model.licenses.reshape();
    let commands = key(&mut model, KeyCode::Char('G'));
    assert_eq!(model.licenses.list.cursor.selected, 99_999);
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::Fetch(_, Request::Licenses { cursor: Some(_) }))),
        "near the end of what is loaded, the next page is asked for"
    );
    let screen = render(&model);
    assert!(screen.contains("DR-99999"), "the last row is on screen");
    assert!(!screen.contains("DR-00000-"), "the first is not drawn");
    let commands = key(&mut model, KeyCode::Up);
    assert!(commands.is_empty(), "one page request at a time");
}

#[test]
fn a_notch_of_the_wheel_near_the_end_asks_for_the_next_page_once() {
    let mut model = loaded();
    press(&mut model, "2");
    model.licenses.list.rows = (0..50)
        .map(|n| license(n, "dr", LicenseSource::Order, 30))
        .collect();
    model.licenses.list.complete = false;
    model.licenses.list.next_cursor = Some("page-2".to_owned());
    model.licenses.reshape();
    let scroll = crossterm::event::MouseEvent {
        kind: crossterm::event::MouseEventKind::ScrollDown,
        column: 10,
        row: 10,
        modifiers: KeyModifiers::NONE,
    };
    let commands = update(&mut model, Msg::Mouse(scroll));
    assert_eq!(
        model.licenses.list.cursor.selected, 3,
        "a notch moves three rows"
    );
    let pages: Vec<_> = commands
        .iter()
        .filter(|c| matches!(c, Command::Fetch(_, Request::Licenses { cursor: Some(c) }) if c == "page-2"))
        .collect();
    assert_eq!(
        pages.len(),
        1,
        "the page the first step asked for is sent: {commands:?}"
    );
    assert!(model.licenses.list.page.is_loading());
}

#[test]
fn quitting_and_esc_walk_back() {
    let mut model = loaded();
    press(&mut model, "4");
    key(&mut model, KeyCode::Esc);
    assert_eq!(model.tab, Tab::Home, "Esc walks back to Home");
    key(&mut model, KeyCode::Tab);
    assert_eq!(model.tab, Tab::Licenses);
    key(&mut model, KeyCode::BackTab);
    assert_eq!(model.tab, Tab::Home);
    press(&mut model, "q");
    assert!(model.quit);
}

#[test]
fn the_sandbox_clock_and_jobs_are_an_admins() {
    let mut model = loaded();
    press(&mut model, ":advance P1M");
    assert!(
        key(&mut model, KeyCode::Enter).is_empty(),
        "an account key cannot move the clock"
    );
    assert!(matches!(&model.message, Some((text, _)) if text.contains("admin key")));

    model.admin = true;
    press(&mut model, ":advance P1M");
    let commands = key(&mut model, KeyCode::Enter);
    assert!(
        matches!(commands.as_slice(), [Command::Fetch(_, Request::AdvanceClock(d))] if d == "P1M")
    );
    press(&mut model, ":run renewals");
    let commands = key(&mut model, KeyCode::Enter);
    let [Command::Fetch(run_id, Request::RunJob(job))] = commands.as_slice() else {
        panic!("a job run: {commands:?}");
    };
    assert_eq!(job, "renewals");
    let reloads = update(
        &mut model,
        Msg::Reply(
            *run_id,
            Ok(Reply::Note("renewals: 1 subscriptions renewed".to_owned())),
        ),
    );
    assert!(
        reloads
            .iter()
            .any(|c| matches!(c, Command::Fetch(_, Request::Subscriptions))),
        "everything reloads"
    );
}

#[test]
fn invoices_view() {
    insta::assert_snapshot!(screen_after("5"));
}

#[test]
fn the_licenses_view_asks_the_domain_whether_a_license_is_consumed_or_activated() {
    let mut model = loaded();
    press(&mut model, "2");
    // The first row is a DR license: used for its whole term, never consumed.
    press(&mut model, "c");
    assert!(model.overlays.is_empty(), "{:?}", model.overlays);
    assert!(
        matches!(&model.message, Some((text, Level::Info)) if text.starts_with("Only one-time licenses are consumed")),
        "{:?}",
        model.message
    );
    // The failback license (the third row) is one-time: consuming it asks first.
    press(&mut model, "jjc");
    assert!(matches!(model.overlays.last(), Some(Overlay::Confirm(_))));
    key(&mut model, KeyCode::Esc);
    // Once expired, neither consumed nor activated: the domain says when it ended.
    if let Some(row) = model.licenses.list.rows.get_mut(2) {
        row.valid_until = now() - Duration::days(1);
    }
    for action in ["c", "a"] {
        model.message = None;
        press(&mut model, action);
        assert!(model.overlays.is_empty(), "{action}: {:?}", model.overlays);
        assert!(
            matches!(&model.message, Some((text, _)) if text.starts_with("This license expired")),
            "{action}: {:?}",
            model.message
        );
    }
}

#[test]
fn the_orders_view_asks_the_domain_what_an_order_allows_and_says_why_not() {
    let mut model = loaded();
    press(&mut model, "4");
    // The first row is the paid order: final, so neither canceled nor paid again.
    assert!(press(&mut model, "x").is_empty());
    assert!(
        model.overlays.is_empty(),
        "no confirmation to cancel a paid order"
    );
    assert!(
        matches!(&model.message, Some((text, Level::Info)) if text.starts_with("A paid order is final")),
        "{:?}",
        model.message
    );
    assert!(
        press(&mut model, "p").is_empty(),
        "no fresh checkout for a paid order"
    );
    // A trial cost nothing: there is nothing to invoice, and no form opens.
    let free = Order {
        total: "0.00".parse().expect("amount"),
        ..paid_order()
    };
    model.orders.data = Some(vec![free]);
    press(&mut model, "i");
    assert!(model.overlays.is_empty(), "{:?}", model.overlays);
    assert!(
        matches!(&model.message, Some((text, _)) if text.contains("nothing to invoice")),
        "{:?}",
        model.message
    );
}

#[test]
fn an_invoice_is_requested_from_the_orders_view() {
    let mut model = loaded();
    press(&mut model, "4");
    key(&mut model, KeyCode::Down);
    press(&mut model, "i");
    assert!(model.overlays.is_empty(), "an unpaid order has no invoice");
    assert!(matches!(&model.message, Some((text, _)) if text.contains("paid")));
    key(&mut model, KeyCode::Up);
    press(&mut model, "i");
    assert!(
        matches!(model.overlays.last(), Some(Overlay::InvoiceForm(_))),
        "a form for the paid order"
    );
    key(&mut model, KeyCode::Right);
    key(&mut model, KeyCode::Down);
    press(&mut model, " ");
    key(&mut model, KeyCode::Down);
    press(&mut model, "Acme Shanghai Ltd");
    insta::assert_snapshot!(render(&model));
    for _ in 0..6 {
        key(&mut model, KeyCode::Down);
    }
    let commands = key(&mut model, KeyCode::Enter);
    let [Command::Fetch(request_id, Request::RequestInvoice(order_id, request))] =
        commands.as_slice()
    else {
        panic!("the form sends its request: {commands:?}");
    };
    assert_eq!(*order_id, Uuid::from_u128(600));
    assert_eq!(request.kind, InvoiceType::VatSpecial);
    assert!(request.buyer.company);
    update(
        &mut model,
        Msg::Reply(
            *request_id,
            Err(
                "a vat_special invoice needs: taxpayer_id, address, phone, bank, account_number"
                    .to_owned(),
            ),
        ),
    );
    assert!(
        matches!(model.overlays.last(), Some(Overlay::InvoiceForm(form)) if form.error.is_some()),
        "the refusal shows in the form"
    );
}

/// A second invoice, still waiting for the batch.
fn requested_invoice() -> Invoice {
    Invoice {
        id: id(701),
        order_id: id(601),
        status: InvoiceStatus::Requested,
        number: None.into(),
        kind: InvoiceType::VatOrdinary,
        buyer: BuyerDetails {
            title: Some("Acme Pudong Branch".to_owned()),
            ..BuyerDetails::default()
        },
        issued_at: None.into(),
        ..invoice()
    }
}

#[test]
fn invoices_come_page_by_page_and_both_pages_are_shown() {
    let mut model = loaded();
    press(&mut model, "5");
    let refreshed = refresh_invoices(&mut model);
    let [Command::Fetch(first, Request::Invoices { cursor: None })] = refreshed.as_slice() else {
        panic!("r asks for the first page again");
    };
    let next = update(
        &mut model,
        Msg::Reply(
            *first,
            Ok(Reply::Invoices(InvoicePage {
                items: vec![invoice()],
                next_cursor: Some("page-2".to_owned()).into(),
            })),
        ),
    );
    let [
        Command::Fetch(
            second,
            Request::Invoices {
                cursor: Some(cursor),
            },
        ),
    ] = next.as_slice()
    else {
        panic!("a short first page asks for the next one at once: {next:?}");
    };
    assert_eq!(cursor, "page-2");
    assert!(
        render(&model).contains("1 loaded, more on scroll"),
        "the first page is shown while the second loads"
    );
    let after = update(
        &mut model,
        Msg::Reply(
            *second,
            Ok(Reply::Invoices(InvoicePage {
                items: vec![requested_invoice()],
                next_cursor: None.into(),
            })),
        ),
    );
    assert!(after.is_empty(), "the last page asks for nothing more");
    insta::assert_snapshot!(render(&model));
}

#[test]
fn a_long_invoice_list_asks_for_the_next_page_as_the_selection_nears_its_end() {
    let mut model = loaded();
    press(&mut model, "5");
    let refreshed = refresh_invoices(&mut model);
    let [Command::Fetch(first, _)] = refreshed.as_slice() else {
        panic!("r asks for the first page again");
    };
    let items: Vec<Invoice> = (0..250)
        .map(|n| Invoice {
            id: id(10_000 + n),
            number: Some(format!("CN-VO-2026-{n:06}")).into(),
            ..invoice()
        })
        .collect();
    let next = update(
        &mut model,
        Msg::Reply(
            *first,
            Ok(Reply::Invoices(InvoicePage {
                items,
                next_cursor: Some("page-2".to_owned()).into(),
            })),
        ),
    );
    assert!(
        next.is_empty(),
        "far from the end, nothing more is asked for"
    );
    let commands = key(&mut model, KeyCode::Char('G'));
    assert!(
        matches!(
            commands.as_slice(),
            [Command::Fetch(_, Request::Invoices { cursor: Some(c) })] if c == "page-2"
        ),
        "near the end, the next page is asked for: {commands:?}"
    );
    assert!(
        render(&model).contains("CN-VO-2026-000249"),
        "the last row is on screen"
    );
    assert!(
        key(&mut model, KeyCode::Up).is_empty(),
        "one page request at a time"
    );
}

/// `r` on the invoices view: the summary and the first page of invoices again.
fn refresh_invoices(model: &mut Model) -> Vec<Command> {
    press(model, "r")
        .into_iter()
        .filter(|c| matches!(c, Command::Fetch(_, Request::Invoices { .. })))
        .collect()
}

/// What `entitle fingerprint` prints on the air-gapped host.
const FINGERPRINT: &str = "3f9a0c1d2e4b5a69788001122334455667788990";
/// A host the license was on before.
const OLD_FINGERPRINT: &str = "b71e04c9d2a35f8e6107aa2b3c4d5e6f70819203";
const LICENSE_FILE: &str = concat!(
    "-----BEGIN ENTITLE LICENSE FILE-----\n",
    "v4.public.eyJsaWNlbnNlIjoiRFItMDAwMDEifQ\n",
    "-----END ENTITLE LICENSE FILE-----\n",
);

/// A machine of license 1 (`DR-00001-…`), activated `n` months ago by an operator.
fn machine(
    n: u128,
    hostname: &str,
    fingerprint: &str,
    status: MachineStatus,
    stale: bool,
) -> Machine {
    let activated = now() - Duration::days(30 * n as i64);
    Machine {
        id: id(2000 + n),
        license_id: id(1001),
        fingerprint: fingerprint.to_owned(),
        hostname: hostname.to_owned(),
        platform: Some("linux-x86_64".to_owned()).into(),
        status,
        activated_by: MachineActor::Operator,
        activated_at: activated,
        last_heartbeat_at: None.into(),
        heartbeat_due: None.into(),
        released_at: ((status == MachineStatus::Released)
            .then_some(activated + Duration::days(20)))
        .into(),
        file_issued_at: Some(activated).into(),
        file_stale: stale,
    }
}

#[test]
fn only_a_bound_licenses_detail_asks_for_its_machines() {
    let mut model = loaded();
    press(&mut model, "2");
    let commands = key(&mut model, KeyCode::Enter);
    assert!(
        matches!(
            commands.as_slice(),
            [Command::Fetch(_, Request::Machines(license))] if *license == id(1001)
        ),
        "a bound license's detail asks for its machines: {commands:?}"
    );
    key(&mut model, KeyCode::Esc);
    if let Some(catalog) = model.catalog.data.as_mut() {
        for product in catalog.iter_mut() {
            product.licensing.binding = Binding::Unbound;
            product.host_bound = false;
        }
    }
    assert!(
        key(&mut model, KeyCode::Enter).is_empty(),
        "an unbound product's license has no machines"
    );
    assert!(matches!(model.overlays.last(), Some(Overlay::Detail(_))));
    assert!(
        !render(&model).contains("Machines"),
        "nothing extra is shown"
    );
    key(&mut model, KeyCode::Esc);
    press(&mut model, "e");
    assert!(
        model.overlays.is_empty(),
        "an unbound license has no license file to export"
    );
}

#[test]
fn license_detail_lists_its_machines() {
    let model = license_detail_with_machines();
    let screen = render(&model);
    assert!(
        screen.contains("3f9a0c1d2e4b…"),
        "the fingerprint is shortened: {screen}"
    );
    assert!(screen.contains("e export file"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn e_activates_an_air_gapped_host_and_writes_its_license_file() {
    let mut model = loaded();
    press(&mut model, "2e");
    assert!(
        matches!(model.overlays.last(), Some(Overlay::ExportFile(_))),
        "e opens the export form"
    );
    press(&mut model, FINGERPRINT);
    key(&mut model, KeyCode::Tab);
    press(&mut model, "airgap-01");
    assert!(render(&model).contains("Export a license file"));
    let commands = key(&mut model, KeyCode::Enter);
    let [
        Command::Fetch(
            refused,
            Request::ActivateMachine {
                license,
                key: license_key,
                input,
            },
        ),
    ] = commands.as_slice()
    else {
        panic!("Enter asks the server to activate the host: {commands:?}");
    };
    assert_eq!(*license, id(1001));
    assert_eq!(license_key, "DR-00001-AAAAA-BBBBB-CCCCC");
    assert_eq!(input.fingerprint, FINGERPRINT);
    assert_eq!(input.hostname, "airgap-01");

    // A 409: the server's detail shows in the form, which stays open to try again.
    let detail = "the license is active on another machine: release it first";
    update(&mut model, Msg::Reply(*refused, Err(detail.to_owned())));
    assert!(
        matches!(
            model.overlays.last(),
            Some(Overlay::ExportFile(form)) if form.error.as_deref() == Some(detail)
        ),
        "the refusal shows in the form"
    );
    let commands = key(&mut model, KeyCode::Enter);
    let [Command::Fetch(accepted, Request::ActivateMachine { .. })] = commands.as_slice() else {
        panic!("Enter tries again: {commands:?}");
    };
    let activation = Activation {
        machine: machine(1, "airgap-01", FINGERPRINT, MachineStatus::Active, false),
        license_file: LICENSE_FILE.to_owned(),
    };
    let commands = update(
        &mut model,
        Msg::Reply(
            *accepted,
            Ok(Reply::Activation {
                key: "DR-00001-AAAAA-BBBBB-CCCCC".to_owned(),
                activation,
            }),
        ),
    );
    assert!(model.overlays.is_empty(), "the form closes");
    assert!(
        commands.contains(&Command::WriteFile {
            name: format!("{}-airgap-01.lic", id(1001)),
            contents: LICENSE_FILE.to_owned(),
        }),
        "the runtime is asked to write the file: {commands:?}"
    );
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::Fetch(_, Request::StaleFiles))),
        "Home's stale files are asked for again"
    );
    let written = PathBuf::from("/srv/ops/DR-00001-AAAAA-BBBBB-CCCCC-airgap-01.lic");
    update(&mut model, Msg::FileWritten(Ok(written)));
    assert_eq!(
        model.message,
        Some((
            "License file written to /srv/ops/DR-00001-AAAAA-BBBBB-CCCCC-airgap-01.lic".to_owned(),
            Level::Success
        ))
    );
}

/// A machine of license `n` whose file predates the license's renewal.
fn stale_file(n: u128, hostname: &str) -> StaleFile {
    StaleFile {
        license: license(n, "dr", LicenseSource::Order, 360),
        machine: Machine {
            id: id(2100 + n),
            license_id: id(1000 + n),
            ..machine(n, hostname, FINGERPRINT, MachineStatus::Active, true)
        },
        file_valid_until: now() + Duration::days(6),
    }
}

#[test]
fn home_lists_the_license_files_to_renew() {
    let mut model = loaded();
    assert!(
        !render(&model).contains("License files to renew"),
        "nothing when no file is stale"
    );
    for command in press(&mut model, "r") {
        let Command::Fetch(request_id, request) = command else {
            continue;
        };
        let reply = match request {
            Request::StaleFiles => Reply::StaleFiles(vec![
                stale_file(1, "airgap-01"),
                stale_file(2, "vault-dr.example.com"),
            ]),
            other => start_reply(other),
        };
        update(&mut model, Msg::Reply(request_id, Ok(reply)));
    }
    let screen = render(&model);
    assert!(screen.contains("License files to renew: 2"), "{screen}");
    insta::assert_snapshot!(screen);
}

// At 80×24, the smallest terminal the console is made for: nothing that matters is cut, and
// what is shown is named as customers know it (issue 23).

fn render_80(model: &Model) -> String {
    render_on(model, 80, 24)
}

/// The footer: the screen's last line, without the quotes the test backend puts around it.
fn footer(screen: &str) -> String {
    screen
        .lines()
        .last()
        .unwrap_or_default()
        .trim_matches(|c: char| c == '"' || c == ' ')
        .to_owned()
}

#[test]
fn licenses_view_at_80x24() {
    let mut model = loaded();
    press(&mut model, "2");
    let screen = render_80(&model);
    for whole in [
        "FAILBACK-00003-AAAAA-BBBBB-CCCCC",
        "DR-00001-AAAAA-BBBBB-CCCCC",
        "Failback License",
        "DR License",
        "2026-12-14",
        "2027-11-19",
    ] {
        assert!(screen.contains(whole), "{whole} is shown whole: {screen}");
    }
    assert!(
        !screen.contains("failback "),
        "products by name, not code: {screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn the_licenses_filter_matches_product_names() {
    let mut model = loaded();
    press(&mut model, "2/dr lic");
    assert_eq!(
        model.licenses.shown.len(),
        2,
        "the two DR License rows, found by the name the table shows"
    );
}

#[test]
fn home_view_at_80x24() {
    let screen = render_80(&loaded());
    assert!(
        screen.contains("Alipay, WeChat Pay"),
        "the account line wraps rather than being cut: {screen}"
    );
    assert!(screen.contains("DR License"), "{screen}");
    assert!(screen.contains("Failback License"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn subscribe_wizard_product_step_at_80x24() {
    let mut model = loaded();
    press(&mut model, "s");
    let screen = render_80(&model);
    assert!(
        screen.contains("DR License        199.00 CNY / month · 1990.00 CNY / year"),
        "each product priced per cycle in the account's currency: {screen}"
    );
    assert!(screen.contains("99.00 CNY once"), "{screen}");
    let keys = footer(&screen);
    assert!(keys.contains("Enter next"), "the wizard's keys: {keys}");
    assert!(keys.contains("Esc cancel"), "{keys}");
    assert!(!keys.contains("1-6"), "not the view's: {keys}");
    insta::assert_snapshot!(screen);
}

#[test]
fn subscribe_wizard_quote_step_at_80x24() {
    let mut model = loaded();
    let quote_id = wizard_at_quote(&mut model);
    answer_quote(&mut model, quote_id);
    let screen = render_80(&model);
    for note in [
        "Failback License",
        "Non-refundable",
        "Effective at once",
        "Assess first",
        "agree to these terms",
        "Enter Subscribe Now",
    ] {
        assert!(screen.contains(note), "{note}: {screen}");
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn the_footer_shows_the_keys_of_the_open_dialog() {
    let mut model = loaded();
    press(&mut model, "3t");
    let screen = render_80(&model);
    let keys = footer(&screen);
    assert!(keys.contains("y confirm"), "{keys}");
    assert!(
        !keys.contains("auto-renew") && !keys.contains("1-6"),
        "not the keys of the view under the dialog: {keys}"
    );
    assert!(keys.ends_with("? help"), "{keys}");
    insta::assert_snapshot!(screen);

    // `?` opens the help over the dialog, with the dialog's keys; Esc goes back to it.
    press(&mut model, "?");
    assert!(matches!(model.overlays.last(), Some(Overlay::Help)));
    assert!(render_80(&model).contains("This dialog"));
    key(&mut model, KeyCode::Esc);
    assert!(matches!(model.overlays.last(), Some(Overlay::Confirm(_))));
}

#[test]
fn where_question_marks_are_typed_the_footer_offers_f1_for_help() {
    let mut model = loaded();
    press(&mut model, "2a?");
    assert!(
        matches!(model.overlays.last(), Some(Overlay::HostInput { host, .. }) if host == "?"),
        "? is typed into the host"
    );
    let keys = footer(&render_80(&model));
    assert!(keys.contains("Enter next"), "{keys}");
    assert!(keys.ends_with("F1 help"), "{keys}");
    key(&mut model, KeyCode::F(1));
    assert!(matches!(model.overlays.last(), Some(Overlay::Help)));
}

// Every account view and every dialog the scenarios above open, at the smallest terminal the
// console is made for and at a large one (issue 23).

/// A loaded console after `keys` are typed.
fn typed(keys: &str) -> Model {
    let mut model = loaded();
    press(&mut model, keys);
    model
}

/// `model`, checked to show the subscribe wizard at `step`.
fn at_step(model: Model, step: Step) -> Model {
    assert!(
        matches!(model.overlays.last(), Some(Overlay::Wizard(w)) if w.step == step),
        "the wizard is at {step:?}"
    );
    model
}

/// The subscribe wizard after `keys`, checked to be at `step`.
fn wizard_after(keys: &[KeyCode], step: Step) -> Model {
    let mut model = typed("s");
    for code in keys {
        key(&mut model, *code);
    }
    at_step(model, step)
}

/// A license's detail, its two machines answered by the server.
fn license_detail_with_machines() -> Model {
    let mut model = typed("2");
    let [Command::Fetch(request, Request::Machines(_))] = key(&mut model, KeyCode::Enter)[..]
    else {
        panic!("the detail asks for the license's machines");
    };
    let machines = vec![
        machine(1, "airgap-01", FINGERPRINT, MachineStatus::Active, true),
        machine(
            2,
            "old-host-02",
            OLD_FINGERPRINT,
            MachineStatus::Released,
            false,
        ),
    ];
    update(
        &mut model,
        Msg::Reply(request, Ok(Reply::Machines(machines))),
    );
    model
}

/// The subscribe wizard at its quote, the server's quote shown.
fn wizard_quote() -> Model {
    let mut model = loaded();
    let quote_id = wizard_at_quote(&mut model);
    answer_quote(&mut model, quote_id);
    at_step(model, Step::Quote)
}

/// The payment dialog following the order the wizard placed.
fn payment_dialog() -> Model {
    let mut model = loaded();
    let place_id = wizard_places_order(&mut model);
    update(
        &mut model,
        Msg::Reply(
            place_id,
            Ok(Reply::Order(order(OrderStatus::PendingPayment))),
        ),
    );
    assert!(matches!(model.overlays.last(), Some(Overlay::Payment(_))));
    model
}

/// The invoice form of the paid order, filled in for a company.
fn invoice_form() -> Model {
    let mut model = typed("4i");
    assert!(matches!(
        model.overlays.last(),
        Some(Overlay::InvoiceForm(_))
    ));
    key(&mut model, KeyCode::Right);
    key(&mut model, KeyCode::Down);
    press(&mut model, " ");
    key(&mut model, KeyCode::Down);
    press(&mut model, "Acme Shanghai Ltd");
    model
}

/// The export form of the first license, filled in.
fn export_form() -> Model {
    let mut model = typed("2e");
    assert!(matches!(
        model.overlays.last(),
        Some(Overlay::ExportFile(_))
    ));
    press(&mut model, FINGERPRINT);
    key(&mut model, KeyCode::Tab);
    press(&mut model, "airgap-01");
    model
}

/// The screen at `width`×`height`, the model told of the size first (as the runtime does).
fn render_sized(model: &mut Model, width: u16, height: u16) -> String {
    update(model, Msg::Resize(width, height));
    render_on(model, width, height)
}

/// The cells a row of the test backend's screen takes: without its quotes and the note of
/// the cells hidden under wide characters.
fn row_width(row: &str) -> usize {
    let inner = match row.split_once("\" Hidden by multi-width symbols") {
        Some((head, _)) => head,
        None => row.strip_suffix('"').unwrap_or(row),
    };
    let inner = inner.strip_prefix('"').unwrap_or(inner);
    ratatui::text::Line::raw(inner).width()
}

/// A screen to draw: its name, how the model gets there, a text it shows, and its footer's.
type Screen = (&'static str, fn() -> Model, &'static str, &'static str);

#[test]
fn every_account_view_and_dialog_reads_at_80x24_and_160x48() {
    // (snapshot name, the console, a text on screen, a text of the footer)
    let screens: &[Screen] = &[
        ("home", loaded, "┌ Home ", "? help"),
        ("licenses", || typed("2"), "┌ Licenses ", "? help"),
        ("licenses_filtered", || typed("2/fail"), "1 match", "? help"),
        ("subscriptions", || typed("3"), "┌ Subscriptions ", "? help"),
        ("orders", || typed("4"), "┌ Orders ", "? help"),
        ("invoices", || typed("5"), "┌ Invoices ", "? help"),
        ("catalog", || typed("6"), "┌ Catalog ", "? help"),
        ("help", || typed("?"), "┌ Help ", "? help"),
        (
            "help_over_a_dialog",
            || typed("3t?"),
            "This dialog",
            "? help",
        ),
        ("command_line", || typed(":lic"), "Tab: licenses", ":lic"),
        (
            "license_detail",
            || {
                let mut model = typed("2j");
                key(&mut model, KeyCode::Enter);
                model
            },
            "┌ License ",
            "? help",
        ),
        (
            "license_detail_with_machines",
            license_detail_with_machines,
            "Machines",
            "? help",
        ),
        (
            "export_file_form",
            export_form,
            "┌ Export a license file ",
            "F1 help",
        ),
        (
            "activate_host_input",
            || typed("2adb-2.example.com"),
            "┌ Activate on host ",
            "F1 help",
        ),
        (
            "activate_confirmation",
            || {
                let mut model = typed("2adb-2.example.com");
                key(&mut model, KeyCode::Enter);
                model
            },
            "┌ Activate this license? ",
            "? help",
        ),
        (
            "consume_confirmation",
            || typed("2jjc"),
            "┌ Consume this license? ",
            "? help",
        ),
        (
            "deactivate_confirmation",
            || typed("2jd"),
            "┌ Deactivate this license? ",
            "? help",
        ),
        (
            "auto_renew_confirmation",
            || typed("3t"),
            "┌ Turn auto-renew off? ",
            "? help",
        ),
        (
            "cancel_order_confirmation",
            || typed("4jx"),
            "┌ Cancel this unpaid order? ",
            "? help",
        ),
        (
            "invoice_form",
            invoice_form,
            "┌ Request an invoice ",
            "F1 help",
        ),
        (
            "subscribe_wizard_product",
            || at_step(typed("s"), Step::Product),
            "┌ Subscribe ",
            "? help",
        ),
        (
            "subscribe_wizard_cycle",
            || wizard_after(&[KeyCode::Enter], Step::Cycle),
            "┌ Subscribe ",
            "? help",
        ),
        (
            "subscribe_wizard_auto_renew",
            || wizard_after(&[KeyCode::Enter; 3], Step::AutoRenew),
            "┌ Subscribe ",
            "? help",
        ),
        (
            "subscribe_wizard_quantity",
            || wizard_after(&[KeyCode::Down, KeyCode::Enter], Step::Quantity),
            "┌ Subscribe ",
            "? help",
        ),
        (
            "subscribe_wizard_method",
            || {
                let keys = [KeyCode::Down, KeyCode::Enter, KeyCode::Backspace];
                let mut model = wizard_after(&keys, Step::Quantity);
                press(&mut model, "2");
                key(&mut model, KeyCode::Enter);
                at_step(model, Step::Method)
            },
            "┌ Subscribe ",
            "? help",
        ),
        (
            "subscribe_wizard_quote",
            wizard_quote,
            "Before you pay",
            "? help",
        ),
        (
            "subscribe_wizard_confirm",
            || {
                let mut model = wizard_quote();
                key(&mut model, KeyCode::Enter);
                model
            },
            "┌ Continue to the third-party payment platform? ",
            "? help",
        ),
        (
            "subscribe_wizard_refused",
            || {
                let mut model = loaded();
                let quote_id = wizard_at_quote(&mut model);
                let refusal = "a trial cannot be upgraded, running or ended: buy premium first, \
                               then upgrade";
                update(&mut model, Msg::Reply(quote_id, Err(refusal.to_owned())));
                model
            },
            "Refused: a trial cannot be upgraded",
            "? help",
        ),
        ("payment_dialog", payment_dialog, "┌ Payment ", "? help"),
    ];
    for (name, console, shown, keys) in screens {
        let mut model = console();
        for (width, height) in [(80u16, 24u16), (160, 48)] {
            let screen = render_sized(&mut model, width, height);
            let at = format!("{name} at {width}×{height}");
            assert_eq!(screen.lines().count(), usize::from(height), "{at}");
            for row in screen.lines() {
                assert!(
                    row_width(row) <= usize::from(width),
                    "{at}: a row wider than the screen: {row}"
                );
            }
            assert!(screen.contains(shown), "{at} shows {shown:?}: {screen}");
            let last = footer(&screen);
            assert!(last.contains(keys), "{at}: the footer {last:?}");
            insta::assert_snapshot!(format!("{name}_{width}x{height}"), screen);
        }
    }
}
