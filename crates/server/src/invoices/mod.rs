//! Invoices (DESIGN.md §6): requested for a paid order, changeable until issued, issued by
//! the weekly batch with a number sequential and without gaps per year and series, final once
//! issued.
//!
//! The batch takes the counters' rows first (a write, so on SQLite it holds the write lock and
//! on PostgreSQL the row locks), then issues each requested invoice with a conditional update
//! and a number only if that update took: two batches at once issue each invoice once, and
//! no number is skipped.

pub mod api;
mod batch;
pub mod pdf;
pub mod queue;

pub use batch::{issue_requested, scheduled_batch};

use entitle_domain::Clock;
use entitle_domain::Money;
use entitle_domain::api::ProblemCode;
use entitle_domain::api::{Amount, Invoice, InvoicePage, InvoiceRequest};
use entitle_domain::invoices::{
    BuyerDetails, InvoiceRefusal, InvoiceStatus, InvoicingConflict, check_changeable,
    check_invoiceable, check_printable, check_request,
};
use sea_orm::DatabaseConnection;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use uuid::Uuid;

use crate::accounts::service as accounts;
use crate::audit::{Actor, Change, snapshot};
use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult};
use crate::orders::store as orders;
use crate::pagination::PageRequest;
use crate::store::entity::invoice;

fn corrupt(what: &str) -> ServiceError {
    ServiceError::Corrupt(format!("invoice {what}"))
}

/// The wire form.
pub fn view(row: &invoice::Model) -> ServiceResult<Invoice> {
    let currency = row.currency;
    let amount = |minor: i64| Amount::of(Money::from_minor(minor, currency));
    Ok(Invoice {
        id: row.id,
        order_id: row.order_id,
        account_id: row.account_id,
        kind: row.kind,
        status: row.status,
        number: row.number.clone().into(),
        buyer: serde_json::from_str(&row.buyer).map_err(|_| corrupt("buyer"))?,
        currency,
        total: amount(row.total_minor),
        net: row.net_minor.map(amount).into(),
        tax: row.tax_minor.map(amount).into(),
        vat_rate: row.vat_rate.clone().into(),
        requested_at: row.requested_at,
        issued_at: row.issued_at.into(),
    })
}

fn conflict(conflict: InvoicingConflict) -> ServiceError {
    ServiceError::Conflict {
        code: conflict.code(),
        detail: conflict.to_string(),
    }
}

fn refused(refusal: InvoiceRefusal) -> ServiceError {
    ServiceError::Rule {
        code: refusal.code(),
        detail: refusal.to_string(),
    }
}

/// Requests an invoice for a paid order, or changes the request while it is not issued.
/// Returns the invoice and whether it is new.
pub async fn request(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    principal: Principal,
    order_id: Uuid,
    input: InvoiceRequest,
) -> ServiceResult<(Invoice, bool)> {
    let row = orders::owned(db, principal, order_id).await?;
    let total = orders::total(&row)?;
    check_invoiceable(row.status, total).map_err(conflict)?;
    let account = accounts::load(db, principal, row.account_id).await?;
    check_request(account.region, input.kind, &input.buyer).map_err(refused)?;
    let buyer = serde_json::to_string(&trimmed(input.buyer))
        .map_err(|e| ServiceError::Invalid(e.to_string()))?;
    let now = clock.now();
    // Read before the transaction, so that its first statement is a write: on SQLite a
    // transaction that read first cannot write after another writer committed (it would fail
    // as a 500, not wait its turn). The database decides between two first requests: the
    // invoice's order is unique (`invoices_one_per_order`), and the insert that loses is 409.
    let existing = invoice::Entity::find()
        .filter(invoice::Column::OrderId.eq(order_id))
        .one(db)
        .await?;
    let txn = db.begin().await?;
    let (saved, created, before) = match existing {
        Some(current) => {
            // An issued invoice never changes (the domain says so); the update is conditional,
            // so a batch issuing it between the read and the write is refused the same way,
            // with the number it was given.
            check_changeable(current.status, current.number.as_deref()).map_err(conflict)?;
            let changed = invoice::Entity::update_many()
                .col_expr(invoice::Column::Kind, Expr::value(input.kind))
                .col_expr(invoice::Column::Buyer, Expr::value(buyer))
                .col_expr(invoice::Column::UpdatedAt, Expr::value(now))
                .filter(invoice::Column::Id.eq(current.id))
                .filter(invoice::Column::Status.eq(InvoiceStatus::Requested))
                .exec(&txn)
                .await?;
            let saved = invoice::Entity::find_by_id(current.id)
                .one(&txn)
                .await?
                .ok_or(ServiceError::NotFound("invoice"))?;
            if changed.rows_affected == 0 {
                check_changeable(saved.status, saved.number.as_deref()).map_err(conflict)?;
            }
            (saved, false, snapshot(&view(&current)?))
        }
        None => {
            let saved = invoice::ActiveModel::requested(
                order_id,
                row.account_id,
                input.kind,
                buyer,
                total.currency(),
                row.total_minor,
                now,
            )
            .insert(&txn)
            .await
            .map_err(|err| {
                if crate::store::is_unique_violation(&err) {
                    ServiceError::Conflict {
                        code: ProblemCode::InvoiceExists,
                        detail: "an invoice for this order was requested at the same moment by \
                                 another request: read it, or send this request again to change \
                                 it"
                        .to_owned(),
                    }
                } else {
                    ServiceError::Store(err)
                }
            })?;
            (saved, true, None)
        }
    };
    let after = view(&saved)?;
    Change::new(
        Actor::from(principal),
        if created {
            "invoice.requested"
        } else {
            "invoice.changed"
        },
        "invoice",
        saved.id,
    )
    .account(row.account_id)
    .states(&before, &after)
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok((after, created))
}

fn trimmed(buyer: BuyerDetails) -> BuyerDetails {
    let clean = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    BuyerDetails {
        title: clean(buyer.title),
        company: buyer.company,
        taxpayer_id: clean(buyer.taxpayer_id),
        address: clean(buyer.address),
        phone: clean(buyer.phone),
        bank: clean(buyer.bank),
        account_number: clean(buyer.account_number),
    }
}

/// One invoice the principal may see.
pub async fn get(
    db: &DatabaseConnection,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<invoice::Model> {
    crate::auth::owned::find::<invoice::Entity>(db, principal, id).await
}

/// The PDF of the issued invoice `id`; a requested one has none yet.
pub async fn pdf(
    db: &DatabaseConnection,
    principal: Principal,
    id: Uuid,
) -> ServiceResult<Vec<u8>> {
    let row = get(db, principal, id).await?;
    check_printable(row.status).map_err(conflict)?;
    Ok(pdf::render(&view(&row)?))
}

/// One page of an account's invoices, oldest first.
pub async fn list(
    db: &DatabaseConnection,
    principal: Principal,
    account_id: Uuid,
    page: PageRequest,
) -> ServiceResult<InvoicePage> {
    accounts::ensure_visible(db, principal, account_id).await?;
    let query = invoice::Entity::find()
        .filter(invoice::Column::AccountId.eq(account_id))
        .order_by_asc(invoice::Column::Id);
    let (rows, next_cursor) = page
        .load(db, query, invoice::Column::Id, |row| row.id)
        .await?;
    Ok(InvoicePage {
        items: rows.iter().map(view).collect::<ServiceResult<_>>()?,
        next_cursor: next_cursor.into(),
    })
}
