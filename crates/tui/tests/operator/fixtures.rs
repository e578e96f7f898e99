//! The operator views' fixtures: an admin's console with every view loaded, and the
//! helpers that drive and draw it.

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use entitle_domain::api::{
    Account, AccountOverview, AccountOverviewPage, AccountSummary, AuditEvent, AuditPage, Invoice,
    InvoicePage, InvoiceQueue, JobStatus, LicensePage, WebhookAttempt, WebhookDelivery,
    WebhookEndpoint,
};
use entitle_domain::invoices::{BuyerDetails, InvoiceStatus, InvoiceType};
use entitle_domain::jobs::Job;
use entitle_domain::mail::Language;
use entitle_domain::webhooks::DeliveryStatus;
use entitle_domain::{AccountKind, Region};
use entitle_tui::model::{Command, Model, Msg, Reply, Request};
use entitle_tui::operator::{Answer, Ask, Deliveries};
use entitle_tui::theme::Theme;
use entitle_tui::update::update;
use entitle_tui::views;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use uuid::Uuid;

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0)
        .single()
        .expect("valid")
}

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub fn account(n: u128, name: &str, kind: AccountKind, region: Region) -> Account {
    Account {
        id: id(n),
        name: name.to_owned(),
        kind,
        region,
        currency: region.currency(),
        payment_methods: region.payment_methods().to_vec(),
        email: None.into(),
        language: match region {
            Region::Cn => Language::ZhHans,
            Region::Intl => Language::En,
        },
        created_at: now() - Duration::days(40 - n as i64),
    }
}

pub fn acme() -> Account {
    account(1, "Acme Shanghai", AccountKind::Individual, Region::Cn)
}

pub fn berlin() -> Account {
    account(2, "Demo Berlin", AccountKind::Enterprise, Region::Intl)
}

pub fn overviews() -> AccountOverviewPage {
    let overview = |account: Account, live: u64, unpaid: u64| AccountOverview {
        account,
        live_subscriptions: live,
        unpaid_orders: unpaid,
    };
    AccountOverviewPage {
        items: vec![
            overview(acme(), 1, 0),
            overview(berlin(), 2, 1),
            overview(
                account(3, "Northwind Labs", AccountKind::Enterprise, Region::Cn),
                0,
                0,
            ),
        ],
        next_cursor: None.into(),
    }
}

fn invoice(n: u128, account: &Account, kind: InvoiceType, number: Option<&str>) -> Invoice {
    Invoice {
        id: id(700 + n),
        order_id: id(600 + n),
        account_id: account.id,
        kind,
        status: if number.is_some() {
            InvoiceStatus::Issued
        } else {
            InvoiceStatus::Requested
        },
        number: number.map(str::to_owned).into(),
        buyer: BuyerDetails {
            title: Some(format!("{} Ltd", account.name)),
            company: true,
            ..BuyerDetails::default()
        },
        currency: account.currency,
        total: "5970.00".parse().expect("amount"),
        net: None.into(),
        tax: None.into(),
        vat_rate: None.into(),
        requested_at: now() - Duration::days(3),
        issued_at: number.map(|_| now() - Duration::days(1)).into(),
    }
}

pub fn queue() -> InvoiceQueue {
    InvoiceQueue {
        requested: vec![invoice(2, &berlin(), InvoiceType::Standard, None)],
        issued: vec![invoice(
            1,
            &acme(),
            InvoiceType::VatSpecial,
            Some("CN-VS-2026-000042"),
        )],
        next_batch_at: Some(now() + Duration::days(6)).into(),
    }
}

pub const FAILING_URL: &str = "https://hooks.berlin.example/entitle";

pub fn endpoints() -> Vec<WebhookEndpoint> {
    let endpoint = |n: u128, url: &str| WebhookEndpoint {
        id: id(800 + n),
        url: url.to_owned(),
        events: vec!["*".to_owned()],
        active: true,
        created_at: now() - Duration::days(30),
    };
    vec![
        endpoint(1, "https://erp.acme.example/webhooks"),
        endpoint(2, FAILING_URL),
    ]
}

pub fn deliveries() -> Deliveries {
    let delivery = |n: u128, endpoint: u128, event: &str, status: DeliveryStatus| {
        let code: Option<u16> = match status {
            DeliveryStatus::Delivered => Some(200),
            _ => Some(500),
        };
        WebhookDelivery {
            id: id(900 + n),
            event_id: id(950 + n),
            event_type: event.to_owned(),
            endpoint_id: id(800 + endpoint),
            status,
            next_attempt_at: (status == DeliveryStatus::Pending)
                .then(|| now() + Duration::minutes(5))
                .into(),
            delivered_at: (status == DeliveryStatus::Delivered)
                .then(|| now() - Duration::hours(1))
                .into(),
            attempts: vec![WebhookAttempt {
                attempted_at: now() - Duration::hours(1),
                status_code: code.into(),
                error: None.into(),
            }],
        }
    };
    Deliveries {
        items: vec![
            delivery(3, 2, "subscription.renewed", DeliveryStatus::Pending),
            delivery(2, 2, "order.paid", DeliveryStatus::Failed),
            delivery(1, 1, "order.paid", DeliveryStatus::Delivered),
        ],
        complete: true,
    }
}

pub fn jobs() -> Vec<JobStatus> {
    let status = |job: Job, outcome: &str, detail: &str, runs: u64| JobStatus {
        job,
        last_started_at: Some(now() - Duration::minutes(10)).into(),
        last_finished_at: Some(now() - Duration::minutes(10) + Duration::seconds(3)).into(),
        last_outcome: Some(outcome.to_owned()).into(),
        last_detail: Some(detail.to_owned()).into(),
        runs,
        next_run_at: Some(now() + Duration::minutes(5)).into(),
    };
    vec![
        status(Job::Renewals, "ok", "1 subscriptions renewed", 12),
        status(Job::Webhooks, "failed", "endpoint answered 500", 40),
        JobStatus {
            last_started_at: None.into(),
            last_finished_at: None.into(),
            last_outcome: None.into(),
            last_detail: None.into(),
            runs: 0,
            ..status(Job::Invoices, "", "", 0)
        },
    ]
}

pub fn audit() -> AuditPage {
    let event = |n: u128, minutes: i64, actor: String, action: &str, entity: &str| AuditEvent {
        id: id(1100 + n),
        at: now() - Duration::minutes(minutes),
        actor,
        actor_key_id: None.into(),
        actor_key_prefix: Some("bootstrap".to_owned()).into(),
        account_id: Some(berlin().id).into(),
        action: action.to_owned(),
        entity: entity.to_owned(),
        entity_id: id(1200 + n),
        before: None.into(),
        after: None.into(),
    };
    AuditPage {
        items: vec![
            event(
                2,
                5,
                format!("account:{}", berlin().id),
                "order.created",
                "order",
            ),
            event(1, 60, "admin".to_owned(), "account.created", "account"),
        ],
        next_cursor: None.into(),
    }
}

/// What the server answers to each request a console starts with.
pub fn start_reply(request: Request, shown: &Account) -> Reply {
    match request {
        Request::Summary => Reply::Summary(AccountSummary {
            account: shown.clone(),
            active_licenses: Vec::new(),
            expiring_within_30_days: 0,
            unpaid_orders: 0,
            renewals_due: Vec::new(),
            latest_messages: Vec::new(),
        }),
        Request::Licenses { .. } => Reply::Licenses(LicensePage {
            items: Vec::new(),
            next_cursor: None.into(),
        }),
        Request::Subscriptions => Reply::Subscriptions(Vec::new()),
        Request::Orders => Reply::Orders(Vec::new()),
        Request::Invoices { .. } => Reply::Invoices(InvoicePage {
            items: Vec::new(),
            next_cursor: None.into(),
        }),
        Request::Catalog => Reply::Catalog(Vec::new()),
        Request::StaleFiles => Reply::StaleFiles(Vec::new()),
        Request::Operator(ask) => Reply::Operator(match ask {
            Ask::Accounts { .. } => Answer::Accounts(overviews()),
            Ask::InvoiceQueue => Answer::InvoiceQueue(queue()),
            Ask::WebhookEndpoints => Answer::WebhookEndpoints(endpoints()),
            Ask::WebhookDeliveries => Answer::WebhookDeliveries(deliveries()),
            Ask::Jobs => Answer::Jobs(jobs()),
            Ask::Audit { .. } => Answer::Audit(audit()),
            other => panic!("unexpected start request {other:?}"),
        }),
        other => panic!("unexpected start request {other:?}"),
    }
}

/// Answers `commands` as the server would at start, 5 seconds ago.
pub fn answer(model: &mut Model, commands: Vec<Command>) {
    let at = model.now;
    let shown = model.account.clone();
    for command in commands {
        let Command::Fetch(request_id, request) = command else {
            continue;
        };
        model.now = at - Duration::seconds(5);
        update(
            model,
            Msg::Reply(request_id, Ok(start_reply(request, &shown))),
        );
    }
    model.now = at;
}

/// A console with a key of role `admin` (or not), everything loaded, without colour.
pub fn console(admin: bool) -> Model {
    let mut model = Model::new(
        acme(),
        "http://127.0.0.1:8080",
        Theme { color: false },
        now(),
    );
    model.admin = admin;
    update(&mut model, Msg::Resize(100, 24));
    let commands = entitle_tui::update::start(&mut model);
    answer(&mut model, commands);
    model
}

pub fn key(model: &mut Model, code: KeyCode) -> Vec<Command> {
    update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn press(model: &mut Model, keys: &str) -> Vec<Command> {
    keys.chars()
        .flat_map(|c| key(model, KeyCode::Char(c)))
        .collect()
}

/// The operator requests among `commands`.
pub fn asks(commands: &[Command]) -> Vec<Ask> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Fetch(_, Request::Operator(ask)) => Some(ask.clone()),
            _ => None,
        })
        .collect()
}

/// The id of the one request among `commands` that `pick` matches.
pub fn request_id(commands: &[Command], pick: impl Fn(&Request) -> bool) -> u64 {
    let found: Vec<u64> = commands
        .iter()
        .filter_map(|c| match c {
            Command::Fetch(id, request) if pick(request) => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(found.len(), 1, "one such request in {commands:?}");
    found[0]
}

/// The screen drawn at `width`×`height` (the model told of the size first).
pub fn buffer(model: &mut Model, width: u16, height: u16) -> Buffer {
    update(model, Msg::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|frame| views::draw(model, frame))
        .expect("draw");
    terminal.backend().buffer().clone()
}

/// The screen as text, one line per row.
pub fn screen(model: &mut Model, width: u16, height: u16) -> String {
    let buffer = buffer(model, width, height);
    (0..height)
        .map(|y| row(&buffer, y))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Row `y` of a drawn screen.
pub fn row(buffer: &Buffer, y: u16) -> String {
    (0..buffer.area.width)
        .map(|x| buffer[(x, y)].symbol())
        .collect::<String>()
        // A no-break space (which keeps a key with what it does) shows as a space.
        .replace('\u{a0}', " ")
}
