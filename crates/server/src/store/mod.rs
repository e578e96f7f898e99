//! The database: connecting, migrating, and the SeaORM entities.
//!
//! SQLite is the embedded default and PostgreSQL the production store; the same code and the
//! same tests run on both. Money is kept in integer minor units (see the migration crate).

pub mod entity;
mod postgres;
mod sqlite;

use std::time::Duration;

use entitle_migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};

/// Whether `err` is a unique index refusing a second row: how the database tells the loser of
/// a race that the other writer went first (DESIGN.md: where two writers can race, the
/// database decides).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// Connects to `url` and brings the schema up to date.
///
/// SQLite gets a pool of several connections (SeaORM opens one unless told otherwise) and the
/// WAL journal, so readers never wait for a writer; sqlx sets a busy timeout and turns foreign
/// keys on for each connection (DESIGN.md §11).
///
/// PostgreSQL connections send each statement at once, Nagle's algorithm off (see
/// `postgres`).
///
/// A pooled connection is pinged only after it sat idle for half a minute (when a server, a
/// proxy or a firewall may have dropped it), not on every checkout: sqlx's default ping costs
/// one more round trip per query, which the benchmarks measured as the read path's largest
/// single cost after the query itself.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let sqlite = url.starts_with("sqlite:");
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(if sqlite { 8 } else { 16 })
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false);
    if sqlite {
        sqlite::configure_process();
        options.map_sqlx_sqlite_pool_opts(|pool| {
            pool.after_connect(|conn, meta| Box::pin(sqlite::prepare_connection(conn, meta)))
        });
    } else {
        let server = postgres::server_addresses(url).await;
        options.map_sqlx_postgres_pool_opts(move |pool| {
            let server = server.clone();
            pool.after_connect(move |_conn, _meta| {
                postgres::no_delay(&server);
                Box::pin(async { Ok(()) })
            })
        });
    }
    let db = Database::connect(options).await?;
    if sqlite {
        db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
    } else {
        warn_if_commits_are_not_durable(&db).await?;
    }
    Migrator::up(&db, None).await?;
    Ok(db)
}

/// PostgreSQL's `synchronous_commit` is left on (its default): a commit returns once it is on
/// disk, so a payment acknowledged to its provider survives a crash of the database. A server
/// configured otherwise is told so at every start.
async fn warn_if_commits_are_not_durable(db: &DatabaseConnection) -> Result<(), DbErr> {
    let setting = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SHOW synchronous_commit",
        ))
        .await?
        .and_then(|row| row.try_get_by_index::<String>(0).ok());
    if setting.as_deref() == Some("off") {
        tracing::warn!(
            "PostgreSQL synchronous_commit is off: a payment acknowledged to its provider may be \
             lost if the database crashes; turn it on"
        );
    }
    Ok(())
}

/// Whether the database answers, for the readiness probe.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// `CASE WHEN key = k₁ THEN v₁ … ELSE column END`: a value of its own for each row of one
/// multi-row `UPDATE` (keyed by `key`), on SQLite and PostgreSQL alike; a row not listed keeps
/// `column` as it is.
pub fn per_row<K, V>(
    key: impl ColumnTrait + Copy,
    column: impl ColumnTrait,
    values: impl IntoIterator<Item = (K, V)>,
) -> Expr
where
    K: Into<sea_orm::Value>,
    V: Into<sea_orm::Value>,
{
    values
        .into_iter()
        .fold(CaseStatement::new(), |case, (k, v)| {
            case.case(Expr::col(key).eq(k), Expr::value(v))
        })
        .finally(Expr::col(column))
        .into()
}
