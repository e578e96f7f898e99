//! Time to draw one frame of the Licenses view with 100 000 licenses loaded (target < 2 ms),
//! on the real view code into ratatui's `TestBackend`.

use chrono::{Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use entitle_domain::api::{Account, License};
use entitle_domain::licenses::{LicenseSource, LicenseStatus};
use entitle_domain::{AccountKind, Currency, PaymentMethod, Region};
use entitle_tui::model::{Model, Tab};
use entitle_tui::theme::Theme;
use entitle_tui::views;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use uuid::Uuid;

fn model(licenses: usize) -> Model {
    let now = Utc::now();
    let account = Account {
        id: Uuid::now_v7(),
        name: "Bench".to_owned(),
        kind: AccountKind::Individual,
        region: Region::Cn,
        currency: Currency::Cny,
        payment_methods: vec![PaymentMethod::Alipay],
        email: None.into(),
        language: entitle_domain::mail::Language::ZhHans,
        created_at: now,
    };
    let mut model = Model::new(account, "http://127.0.0.1:8080", Theme { color: true }, now);
    model.tab = Tab::Licenses;
    model.page_size = 33;
    model.licenses.list.rows = (0..licenses)
        .map(|n| License {
            id: Uuid::now_v7(),
            key: format!("DR-{n:05}-AAAAA-BBBBB-CCCCC"),
            product: "dr".to_owned(),
            status: LicenseStatus::Active,
            valid_from: now,
            valid_until: now + Duration::days(365),
            source: LicenseSource::Order,
            order_id: None.into(),
            subscription_id: None.into(),
            host: None.into(),
            consumed_at: None.into(),
            consumed_reference: None.into(),
        })
        .collect();
    model.licenses.reshape();
    model
}

fn licenses_frame(c: &mut Criterion) {
    let mut model = model(100_000);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    c.bench_function("licenses view, 100 000 rows, one frame", |b| {
        b.iter(|| {
            // Move through the table as an operator does, one row a frame.
            let len = model.licenses.shown.len();
            let height = model.page_size;
            model.licenses.list.cursor.move_by(997, len, height);
            if model.licenses.list.cursor.selected + 1 >= len {
                model.licenses.list.cursor = Default::default();
            }
            terminal
                .draw(|frame| views::draw(&model, frame))
                .expect("draw");
        })
    });
}

criterion_group!(benches, licenses_frame);
criterion_main!(benches);
