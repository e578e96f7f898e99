//! Arranging data at scale straight in the database, through the server's own entities (so
//! it is stored exactly as the server stores it).

use std::time::{Duration, Instant};

use chrono::Utc;
use entitle_domain::invoices::InvoiceType;
use entitle_domain::licenses::{LicenseSource, LicenseStatus};
use entitle_domain::subscription::SubscriptionStatus;
use entitle_domain::{Currency, Cycle, PaymentMethod};
use entitle_server::store::entity::{invoice, license, subscription};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

/// The key of the seeded license `id`, written as the server writes keys (upper case).
pub fn key_of(id: Uuid) -> String {
    format!("DR-{}", id.simple()).to_uppercase()
}

/// Inserts `count` active DR licenses for `account`; returns their ids, oldest first.
pub async fn licenses(
    db: &DatabaseConnection,
    account: Uuid,
    count: u64,
) -> anyhow::Result<Vec<Uuid>> {
    let now = Utc::now();
    let mut ids = Vec::with_capacity(count as usize);
    insert_in_batches(db, count, || {
        let id = Uuid::now_v7();
        ids.push(id);
        license::ActiveModel {
            id: Set(id),
            key: Set(key_of(id)),
            account_id: Set(account),
            product_code: Set("dr".to_owned()),
            subscription_id: Set(None),
            order_id: Set(None),
            source: Set(LicenseSource::Order),
            status: Set(LicenseStatus::Active),
            valid_from: Set(now),
            valid_until: Set(now + chrono::Duration::days(365)),
            host: Set(None),
            consumed_at: Set(None),
            consumed_reference: Set(None),
            consumed_run_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
    })
    .await?;
    Ok(ids)
}

/// Brings PostgreSQL's planner statistics up to date after a bulk seed, as its autovacuum
/// would before real traffic (and keeps doing as the tables grow): without them it plans a
/// page of a 100 000-license account as a sort of every license (42 ms instead of 0.08 ms,
/// measured with `EXPLAIN ANALYZE`). SQLite is left without statistics, as the server leaves
/// it: nothing there updates them as tables grow, and statistics taken on a small table made
/// the renewal run scan the licenses table for every renewal (measured: 121/s, 17× the time
/// for 10× the work).
pub async fn analyze(db: &DatabaseConnection) -> anyhow::Result<()> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}

/// The id `back` licenses before `last` in the account's order: a cursor whose page ends at
/// the deepest license.
pub async fn cursor_before(
    db: &DatabaseConnection,
    account: Uuid,
    last: Uuid,
    back: u64,
) -> anyhow::Result<Uuid> {
    let ids: Vec<Uuid> = license::Entity::find()
        .select_only()
        .column(license::Column::Id)
        .filter(license::Column::AccountId.eq(account))
        .filter(license::Column::Id.lte(last))
        .order_by_desc(license::Column::Id)
        .limit(back + 1)
        .into_tuple()
        .all(db)
        .await?;
    ids.last()
        .copied()
        .ok_or_else(|| anyhow::anyhow!("no licenses"))
}

/// Single-row insert transactions per second SQLite sustains, one after another.
pub async fn insert_rate(db: &DatabaseConnection, over: Duration) -> anyhow::Result<f64> {
    db.execute_unprepared("CREATE TABLE IF NOT EXISTS bench_rows (id INTEGER PRIMARY KEY, v TEXT)")
        .await?;
    let started = Instant::now();
    let mut done = 0u64;
    while started.elapsed() < over {
        db.execute_unprepared("INSERT INTO bench_rows (v) VALUES ('x')")
            .await?;
        done += 1;
    }
    Ok(done as f64 / started.elapsed().as_secs_f64())
}

/// `count` monthly DR subscriptions on a fresh account, all due for renewal now.
pub async fn due_subscriptions(
    db: &DatabaseConnection,
    account: Uuid,
    count: u64,
) -> anyhow::Result<()> {
    let now = Utc::now();
    insert_in_batches(db, count, || subscription::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account),
        product_code: Set("dr".to_owned()),
        cycle: Set(Cycle::Month),
        quantity: Set(1),
        status: Set(SubscriptionStatus::Active),
        trial: Set(false),
        auto_renew: Set(true),
        anchor_at: Set(now - chrono::Duration::days(31)),
        current_period_start: Set(now - chrono::Duration::days(31)),
        current_period_end: Set(now - chrono::Duration::minutes(1)),
        created_at: Set(now),
        updated_at: Set(now),
        payment_method: Set(Some(PaymentMethod::Alipay)),
        order_id: Set(None),
        renewal_failures: Set(0),
        next_retry_at: Set(None),
        payment_token: Set(None),
    })
    .await
}

/// `count` requested VAT ordinary invoices for `account`, waiting for the batch.
pub async fn invoice_requests(
    db: &DatabaseConnection,
    account: Uuid,
    count: u64,
) -> anyhow::Result<()> {
    let now = Utc::now();
    insert_in_batches(db, count, || {
        invoice::ActiveModel::requested(
            Uuid::now_v7(),
            account,
            InvoiceType::VatOrdinary,
            r#"{"title":"Bench buyer","company":false}"#.to_owned(),
            Currency::Cny,
            19_900,
            now,
        )
    })
    .await
}

/// Inserts `count` rows made by `row`, a thousand to a statement: few round trips at a
/// benchmark's scale, while each statement stays within the databases' limits on bound
/// parameters.
async fn insert_in_batches<A>(
    db: &DatabaseConnection,
    count: u64,
    mut row: impl FnMut() -> A,
) -> anyhow::Result<()>
where
    A: ActiveModelTrait,
{
    let mut remaining = count;
    while remaining > 0 {
        let batch = remaining.min(1000);
        let rows: Vec<A> = (0..batch).map(|_| row()).collect();
        A::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
        remaining -= batch;
    }
    Ok(())
}
