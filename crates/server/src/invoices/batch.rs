//! The weekly batch (DESIGN.md §6): issues every requested invoice with a number sequential
//! and without gaps per year and series, once however many servers run it.

use std::collections::HashMap;

use chrono::Datelike;
use entitle_domain::Clock;
use entitle_domain::Money;
use entitle_domain::Region;
use entitle_domain::invoices::{InvoiceStatus, InvoiceType, invoice_number, vat_breakdown};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};

use super::{corrupt, view};
use crate::audit::{self, Actor, Change};
use crate::config::Config;
use crate::error::ServiceResult;
use crate::store::entity::{invoice, invoice_batch, invoice_counter};

/// The VAT rate of invoices issued to accounts of `region`.
fn rate_for(config: &Config, kind: InvoiceType) -> Decimal {
    if kind.offered_in(Region::Cn) {
        config.vat_rate_cn
    } else {
        config.vat_rate_intl
    }
}

/// The weekly batch, as the scheduler runs it: once per scheduled time that has come, claimed
/// by that time so that several servers, or a server catching up, run it once.
pub async fn scheduled_batch(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    config: &Config,
) -> ServiceResult<u64> {
    let now = clock.now();
    let Some(due) = config.invoice_batch.last_due(now) else {
        return Ok(0);
    };
    let claimed = invoice_batch::Entity::insert(invoice_batch::ActiveModel {
        scheduled_at: Set(due),
        started_at: Set(now),
    })
    .exec_without_returning(db)
    .await;
    match claimed {
        Ok(_) => issue_requested(db, clock, config).await,
        Err(err) if crate::store::is_unique_violation(&err) => Ok(0),
        Err(err) => Err(err.into()),
    }
}

/// Issues every requested invoice now; returns how many.
pub async fn issue_requested(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    config: &Config,
) -> ServiceResult<u64> {
    let mut issued = 0;
    loop {
        let chunk = issue_chunk(db, clock, config).await?;
        if chunk == 0 {
            return Ok(issued);
        }
        issued += chunk;
    }
}

/// Invoices issued per transaction: the batch goes chunk by chunk, each under the counters'
/// lock, so a large batch is many short transactions rather than one long one.
const CHUNK: u64 = 1000;

/// Issues the next [`CHUNK`] requested invoices, oldest request first; returns how many.
async fn issue_chunk(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    config: &Config,
) -> ServiceResult<u64> {
    let now = clock.now();
    let year = now.with_timezone(&config.invoice_batch.offset).year();
    let txn = db.begin().await?;
    // The counters first: this write takes the lock the whole batch runs under.
    let counters: Vec<_> = [
        InvoiceType::VatOrdinary,
        InvoiceType::VatSpecial,
        InvoiceType::Standard,
    ]
    .into_iter()
    .map(|kind| invoice_counter::ActiveModel {
        series: Set(kind.series().to_owned()),
        year: Set(year),
        last: Set(0),
    })
    .collect();
    invoice_counter::Entity::insert_many(counters)
        .on_conflict(
            OnConflict::columns([
                invoice_counter::Column::Series,
                invoice_counter::Column::Year,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    invoice_counter::Entity::update_many()
        .col_expr(
            invoice_counter::Column::Last,
            Expr::col(invoice_counter::Column::Last),
        )
        .filter(invoice_counter::Column::Year.eq(year))
        .exec(&txn)
        .await?;
    let requested = invoice::Entity::find()
        .filter(invoice::Column::Status.eq(InvoiceStatus::Requested))
        .order_by_asc(invoice::Column::RequestedAt)
        .order_by_asc(invoice::Column::Id)
        .limit(CHUNK)
        .all(&txn)
        .await?;
    // Under that lock the counters are read once and advanced here; each is written back
    // once at the end of the chunk, inside the same transaction, if it moved.
    let read: HashMap<String, i64> = invoice_counter::Entity::find()
        .filter(invoice_counter::Column::Year.eq(year))
        .all(&txn)
        .await?
        .into_iter()
        .map(|counter| (counter.series, counter.last))
        .collect();
    let mut last = read.clone();
    let mut issued = 0;
    let mut changes = Vec::new();
    let mut issued_views = Vec::new();
    for row in requested {
        let kind = row.kind;
        let series = kind.series();
        let sequence = last.get(series).ok_or_else(|| corrupt("counter"))? + 1;
        let rate = rate_for(config, kind);
        let (net, tax) = vat_breakdown(Money::from_minor(row.total_minor, row.currency), rate)
            .map_err(|e| corrupt(&e.to_string()))?;
        let mut after = row.clone();
        after.status = InvoiceStatus::Issued;
        after.number = Some(invoice_number(
            kind,
            year,
            u64::try_from(sequence).unwrap_or(0),
        ));
        after.net_minor = Some(net.to_minor().map_err(|e| corrupt(&e.to_string()))?);
        after.tax_minor = Some(tax.to_minor().map_err(|e| corrupt(&e.to_string()))?);
        after.vat_rate = Some(rate.normalize().to_string());
        after.issued_at = Some(now);
        after.updated_at = now;
        let took = invoice::Entity::update_many()
            .col_expr(invoice::Column::Status, Expr::value(after.status))
            .col_expr(invoice::Column::Number, Expr::value(after.number.clone()))
            .col_expr(invoice::Column::NetMinor, Expr::value(after.net_minor))
            .col_expr(invoice::Column::TaxMinor, Expr::value(after.tax_minor))
            .col_expr(
                invoice::Column::VatRate,
                Expr::value(after.vat_rate.clone()),
            )
            .col_expr(invoice::Column::IssuedAt, Expr::value(now))
            .col_expr(invoice::Column::UpdatedAt, Expr::value(now))
            .filter(invoice::Column::Id.eq(row.id))
            .filter(invoice::Column::Status.eq(InvoiceStatus::Requested))
            .exec(&txn)
            .await?;
        if took.rows_affected == 0 {
            continue;
        }
        last.insert(series.to_owned(), sequence);
        issued_views.push(view(&after)?);
        changes.push(
            Change::new(Actor::System, "invoice.issued", "invoice", row.id)
                .account(row.account_id)
                .states(&view(&row)?, &view(&after)?),
        );
        issued += 1;
    }
    for (series, &value) in last
        .iter()
        .filter(|(series, value)| read.get(*series) != Some(value))
    {
        invoice_counter::Entity::update_many()
            .col_expr(invoice_counter::Column::Last, Expr::value(value))
            .filter(invoice_counter::Column::Series.eq(series))
            .filter(invoice_counter::Column::Year.eq(year))
            .exec(&txn)
            .await?;
    }
    audit::record(&txn, now, changes).await?;
    // Each issued invoice is emailed with its PDF (issue 21), written with the issue.
    crate::mail::outbox::for_invoices(&txn, &issued_views, now).await?;
    txn.commit().await?;
    Ok(issued)
}
