//! Putting messages in the outbox, in the transaction of the change they report (issue 21): an
//! event that a customer must hear about (`domain::mail::message_for_event`) or an issued
//! invoice becomes one message to its account's billing contact, with the facts its templates
//! show gathered now (what was bought, the licenses and their expiry, the period, the pay
//! order). An account without a contact gets none. One message per news and kind (a unique
//! index), so the same news told twice is written once.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entitle_domain::api::Invoice;
use entitle_domain::mail::{Language, MessageKind, MessageStatus, message_for_event};
use entitle_domain::orders::{OrderStatus, OrderType};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use super::templates;
use crate::error::ServiceResult;
use crate::store::entity::{account, license, message, order, product, subscription};

/// News to tell: the event (or invoice) id, its kind, its account and what it says.
pub struct News<'a> {
    pub source_id: Uuid,
    pub kind: MessageKind,
    pub account_id: Uuid,
    pub data: &'a Value,
}

/// The messages `events` (id, kind, account, data) send, put in the outbox on `db`.
pub async fn for_events(
    db: &impl ConnectionTrait,
    events: &[(Uuid, &str, Option<Uuid>, &Value)],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let news: Vec<News<'_>> = events
        .iter()
        .filter_map(|(id, kind, account_id, data)| {
            let order_type = data["order"]["type"].as_str();
            Some(News {
                source_id: *id,
                kind: message_for_event(kind, order_type)?,
                account_id: (*account_id)?,
                data,
            })
        })
        .collect();
    put(db, &news, now).await
}

/// The messages the invoices just issued send.
pub async fn for_invoices(
    db: &impl ConnectionTrait,
    invoices: &[Invoice],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let data: Vec<Value> = invoices
        .iter()
        .map(|invoice| json!({ "invoice": invoice }))
        .collect();
    let news: Vec<News<'_>> = invoices
        .iter()
        .zip(&data)
        .map(|(invoice, data)| News {
            source_id: invoice.id,
            kind: MessageKind::InvoiceIssued,
            account_id: invoice.account_id,
            data,
        })
        .collect();
    put(db, &news, now).await
}

async fn put(
    db: &impl ConnectionTrait,
    news: &[News<'_>],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if news.is_empty() {
        return Ok(());
    }
    let contacts: HashMap<Uuid, account::Model> = account::Entity::find()
        .filter(account::Column::Id.is_in(news.iter().map(|n| n.account_id)))
        .filter(account::Column::Email.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    if contacts.is_empty() {
        return Ok(());
    }
    let names: HashMap<String, String> = product::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.code, p.name))
        .collect();
    for item in news {
        let Some(to) = contacts.get(&item.account_id) else {
            continue;
        };
        let Some(email) = to.email.clone() else {
            continue;
        };
        let language = to
            .language
            .unwrap_or_else(|| Language::of_region(to.region));
        let mut context = facts(db, item, &names).await?;
        context["account"] = json!({ "name": to.name });
        context["language"] = json!(language);
        let subject = templates::subject(item.kind, language, &context)?;
        message::Entity::insert(message::ActiveModel {
            id: Set(Uuid::now_v7()),
            account_id: Set(item.account_id),
            source_id: Set(item.source_id),
            kind: Set(item.kind),
            language: Set(language),
            to_address: Set(email),
            subject: Set(subject),
            data: Set(context.to_string()),
            status: Set(MessageStatus::Pending),
            attempts: Set(0),
            next_attempt_at: Set(Some(now)),
            claimed_until: Set(None),
            sent_at: Set(None),
            last_error: Set(None),
            message_id: Set(format!("<{}.{}@entitle>", item.source_id, item.kind)),
            created_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([message::Column::SourceId, message::Column::Kind])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// A product's display name, by code (the code itself if the catalog lost it).
fn named(names: &HashMap<String, String>, code: &Value) -> Value {
    let code = code.as_str().unwrap_or_default();
    json!(names.get(code).map_or(code, String::as_str))
}

/// `view` (an order's or subscription's wire form) with its product's display name.
fn with_name(view: &Value, names: &HashMap<String, String>) -> Value {
    let mut view = view.clone();
    if view.is_object() {
        view["product_name"] = named(names, &view["product"]);
    }
    view
}

/// What the templates of `item`'s kind show, gathered from the news and the store.
async fn facts(
    db: &impl ConnectionTrait,
    item: &News<'_>,
    names: &HashMap<String, String>,
) -> ServiceResult<Value> {
    let data = item.data;
    Ok(match item.kind {
        MessageKind::PaymentReceived | MessageKind::RenewalCharged => {
            let order = with_name(&data["order"], names);
            let order_id = order["id"].as_str().and_then(|id| Uuid::try_parse(id).ok());
            let licenses = match order_id {
                Some(id) => licenses_of(db, id, names).await?,
                None => Vec::new(),
            };
            let subscription = match order["subscription_id"]
                .as_str()
                .and_then(|id| Uuid::try_parse(id).ok())
            {
                Some(id) => subscription::Entity::find_by_id(id)
                    .one(db)
                    .await?
                    .map(|sub| subscription_facts(&sub, names)),
                None => None,
            };
            json!({ "order": order, "licenses": licenses, "subscription": subscription })
        }
        MessageKind::RenewalDue => json!({
            "order": with_name(&data["order"], names),
            "subscription": with_name(&data["subscription"], names),
            "pay_before": data["pay_before"],
            "pay_order": data["order"]["id"],
        }),
        MessageKind::RenewalFailed => {
            let subscription = with_name(&data["subscription"], names);
            let pay_order = match subscription["id"]
                .as_str()
                .and_then(|id| Uuid::try_parse(id).ok())
            {
                Some(id) => waiting_renewal(db, id).await?,
                None => None,
            };
            json!({
                "subscription": subscription,
                "failed_charges": data["failed_charges"],
                "next_retry_at": data["next_retry_at"],
                "pay_order": pay_order,
            })
        }
        MessageKind::ExpiryReminder => json!({
            "subject": { "product_name": named(names, &data["product"]) },
            "ends_at": data["ends_at"],
            "days_before": data["days_before"],
        }),
        MessageKind::Expired => match (&data["subscription"], &data["license"]) {
            (sub, _) if sub.is_object() => json!({
                "subject": { "product_name": named(names, &sub["product"]) },
                "ended_at": sub["current_period_end"],
            }),
            (_, license) => json!({
                "subject": { "product_name": named(names, &license["product"]), "key": license["key"] },
                "ended_at": license["valid_until"],
            }),
        },
        MessageKind::InvoiceIssued => json!({ "invoice": data["invoice"] }),
    })
}

fn subscription_facts(sub: &subscription::Model, names: &HashMap<String, String>) -> Value {
    json!({
        "id": sub.id,
        "product": sub.product_code,
        "product_name": names.get(&sub.product_code).unwrap_or(&sub.product_code),
        "quantity": sub.quantity,
        "cycle": sub.cycle,
        "current_period_start": sub.current_period_start,
        "current_period_end": sub.current_period_end,
    })
}

/// The licenses `order_id` granted, with their expiry.
async fn licenses_of(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    names: &HashMap<String, String>,
) -> ServiceResult<Vec<Value>> {
    Ok(license::Entity::find()
        .filter(license::Column::OrderId.eq(order_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| {
            json!({
                "key": l.key,
                "product_name": names.get(&l.product_code).unwrap_or(&l.product_code),
                "valid_until": l.valid_until,
            })
        })
        .collect())
}

/// The renewal order of `subscription` waiting for the customer's payment, if any: what a
/// failed renewal's pay link opens.
async fn waiting_renewal(
    db: &impl ConnectionTrait,
    subscription: Uuid,
) -> ServiceResult<Option<Uuid>> {
    Ok(order::Entity::find()
        .filter(order::Column::SubscriptionId.eq(subscription))
        .filter(order::Column::Kind.eq(OrderType::Renewal))
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment))
        .one(db)
        .await?
        .map(|row| row.id))
}
