//! Webhooks: the endpoints events are sent to, and the latest deliveries with their status,
//! attempts and next retry. An endpoint whose deliveries fail stands out (the error style,
//! and its count of failing deliveries).

use crossterm::event::KeyCode;
use entitle_domain::api::WebhookDelivery;
use entitle_domain::webhooks::DeliveryStatus;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use uuid::Uuid;

use super::{NO_SELECTION, short_id};
use crate::keys::Hint;
use crate::keys::{self, Key};
use crate::model::{Command, Model};
use crate::paged::{self, MOVE_KEYS};
use crate::widgets::{self, Fit};

pub mod state;
pub use state::{Deliveries, Webhooks};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Move,
}

/// The view's keys: the handler below, the footer and the help read this table.
const KEYS: &[Key<Act>] = &[Key::new(MOVE_KEYS, "↑↓/jk", "deliveries", Act::Move)];

pub(super) fn hints() -> Vec<Hint> {
    keys::hints(KEYS)
}

/// A key on the webhooks view; `None` leaves it to the console.
pub(super) fn on_key(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    match keys::action(KEYS, code)? {
        Act::Move => step(model, code),
    }
}

/// Moves the selection among the deliveries.
pub(super) fn step(model: &mut Model, code: KeyCode) -> Option<Vec<Command>> {
    let webhooks = &mut model.operator.webhooks;
    let len = webhooks
        .deliveries
        .data
        .as_ref()
        .map_or(0, |d| d.items.len());
    let height = (model.page_size * 2 / 3).max(1);
    paged::step(&mut webhooks.cursor, code, len, height).then(Vec::new)
}

/// Whether a delivery is failing: given up, or waiting to retry after a failed attempt.
fn failing(delivery: &WebhookDelivery) -> bool {
    match delivery.status {
        DeliveryStatus::Failed => true,
        DeliveryStatus::Pending => !delivery.attempts.is_empty(),
        DeliveryStatus::Delivered => false,
    }
}

/// How many of the loaded deliveries to `endpoint` are failing.
fn failures(deliveries: &[WebhookDelivery], endpoint: Uuid) -> usize {
    deliveries
        .iter()
        .filter(|d| d.endpoint_id == endpoint && failing(d))
        .count()
}

/// What the last attempt got: the endpoint's HTTP status, or why none came.
fn last_answer(delivery: &WebhookDelivery) -> String {
    match delivery.attempts.last() {
        Some(attempt) => match (*attempt.status_code, attempt.error.as_deref()) {
            (Some(code), _) => format!("HTTP {code}"),
            (None, Some(error)) => error.to_owned(),
            (None, None) => String::new(),
        },
        None => "not tried yet".to_owned(),
    }
}

/// The endpoints' columns; the events give way first, the URL takes the width left.
const ENDPOINTS: [(&str, Fit); 4] = [
    ("Endpoint", Fit::Grow),
    ("Events", Fit::Shed(0)),
    ("Active", Fit::Keep),
    ("Health", Fit::Keep),
];

/// The deliveries' columns; the endpoint is kept before the last answer where there is room
/// for one of them (the endpoints table above names the failing ones).
const DELIVERIES: [(&str, Fit); 6] = [
    ("Event", Fit::Grow),
    ("Endpoint", Fit::Shed(0)),
    ("Status", Fit::Keep),
    ("Tries", Fit::Keep),
    ("Next retry", Fit::Keep),
    ("Last answer", Fit::Shed(1)),
];

pub(super) fn draw(model: &Model, frame: &mut Frame, area: Rect) {
    let webhooks = &model.operator.webhooks;
    let endpoints = webhooks.endpoints.data.as_deref().unwrap_or_default();
    let deliveries = webhooks
        .deliveries
        .data
        .as_ref()
        .map_or(&[][..], |d| d.items.as_slice());
    let rows = u16::try_from(endpoints.len()).unwrap_or(u16::MAX);
    let top_height = rows.saturating_add(3).clamp(4, (area.height / 2).max(4));
    let [top, bottom] =
        Layout::vertical([Constraint::Length(top_height), Constraint::Fill(1)]).areas(area);

    let state = widgets::state_line(&webhooks.endpoints, model);
    let block = widgets::titled("Endpoints", &state, model);
    let failed = model.theme.error();
    let table = widgets::table_styled(
        endpoints,
        NO_SELECTION,
        top,
        model,
        &ENDPOINTS,
        |e| {
            let failing = failures(deliveries, e.id);
            vec![
                e.url.clone(),
                e.events.join(", "),
                if e.active { "yes" } else { "no" }.to_owned(),
                match failing {
                    0 => "ok".to_owned(),
                    n => format!("{n} failing"),
                },
            ]
        },
        |e| {
            if failures(deliveries, e.id) > 0 {
                failed
            } else {
                Style::new()
            }
        },
    );
    frame.render_widget(table.block(block), top);

    let mut state = widgets::state_line(&webhooks.deliveries, model);
    if webhooks
        .deliveries
        .data
        .as_ref()
        .is_some_and(|d| !d.complete)
    {
        state = format!("only the oldest {} read · {state}", deliveries.len());
    }
    let block = widgets::titled("Deliveries, newest first", &state, model);
    let url = |id: Uuid| {
        endpoints
            .iter()
            .find(|e| e.id == id)
            .map_or_else(|| short_id(id), |e| e.url.clone())
    };
    let table = widgets::table_styled(
        deliveries,
        webhooks.cursor,
        bottom,
        model,
        &DELIVERIES,
        |d| {
            vec![
                d.event_type.clone(),
                url(d.endpoint_id),
                d.status.to_string(),
                d.attempts.len().to_string(),
                d.next_attempt_at.map(widgets::date).unwrap_or_default(),
                last_answer(d),
            ]
        },
        |d| if failing(d) { failed } else { Style::new() },
    );
    frame.render_widget(table.block(block), bottom);
}
