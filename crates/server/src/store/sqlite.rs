//! SQLite settings sqlx has no option for.
//!
//! Memory statistics (`SQLITE_CONFIG_MEMSTATUS`) are off for the process: with them on, every
//! allocation SQLite makes takes one global mutex to count it, so the pool's connections
//! queue behind each other (sqlx copies every column value of every row it reads, an
//! allocation each). The read-path profile showed that mutex leaving a quarter of the CPU
//! idle under load. Entitle never reads those statistics.
//!
//! The query planner stability guarantee (`SQLITE_DBCONFIG_ENABLE_QPSG`): without it, a
//! statement whose `LIMIT` is a bound parameter (every SeaORM `.one()` and every page) is
//! marked expired each time the parameter is bound, so SQLite parses and plans it again on
//! every execution even though sqlx cached it. The read-path profile showed that re-prepare
//! as the largest single cost of a licenses page (15 % of the server's CPU). With the
//! guarantee a statement is planned once, for any value, which is what a cache of prepared
//! statements is for.
//!
//! Durability is stated, not assumed: every connection runs with `synchronous=FULL`, so a
//! committed payment is on disk before the commit returns and survives a power cut (in WAL
//! mode `NORMAL` would only keep the database consistent, and could lose the last commits).

use std::ffi::c_int;
use std::sync::Once;

use sea_orm::sqlx::pool::PoolConnectionMetadata;
use sea_orm::sqlx::{Error, Executor, SqliteConnection};

/// Turns SQLite's memory statistics off, once per process and before the first connection
/// opens (SQLite takes process-wide settings only before it initialises). Should SQLite have
/// been initialised already by someone else, the setting is refused and the statistics stay
/// on: slower under load, never wrong, so that is logged and not an error.
pub fn configure_process() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: SQLITE_CONFIG_MEMSTATUS takes one int; sqlite3_config is safe to call
        // before sqlite3_initialize, and refuses (SQLITE_MISUSE) after it.
        let rc = unsafe {
            libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0 as c_int)
        };
        if rc != libsqlite3_sys::SQLITE_OK {
            tracing::warn!(code = rc, "SQLite memory statistics stay on");
        }
    });
}

/// Sets up a new pooled connection: the stability guarantee, and `synchronous=FULL`.
pub async fn prepare_connection(
    conn: &mut SqliteConnection,
    _meta: PoolConnectionMetadata,
) -> Result<(), Error> {
    plan_statements_once(conn).await?;
    conn.execute("PRAGMA synchronous = FULL").await?;
    Ok(())
}

/// Turns the stability guarantee on for the connection.
async fn plan_statements_once(conn: &mut SqliteConnection) -> Result<(), Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is this connection's open handle, held locked for the call, so no other
    // call runs on it; SQLITE_DBCONFIG_ENABLE_QPSG takes an int (1: on) and an int pointer
    // for the resulting setting, which may be null.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as c_int,
            std::ptr::null_mut::<c_int>(),
        )
    };
    if rc == libsqlite3_sys::SQLITE_OK {
        Ok(())
    } else {
        Err(Error::Protocol(format!(
            "sqlite3_db_config(ENABLE_QPSG) failed with code {rc}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Statement};

    #[tokio::test]
    async fn every_sqlite_connection_syncs_each_commit_to_disk() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}/durable.db?mode=rwc", dir.path().display());
        let db = crate::store::connect(&url)
            .await
            .expect("connects and migrates");
        // Several at once, so that several pooled connections answer.
        let reads = (0..8).map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                db.query_one_raw(Statement::from_string(
                    db.get_database_backend(),
                    "PRAGMA synchronous",
                ))
                .await
                .expect("the pragma")
                .expect("a row")
                .try_get_by_index::<i32>(0)
                .expect("a number")
            })
        });
        for read in reads {
            // 2 is FULL (0 OFF, 1 NORMAL, 3 EXTRA).
            assert_eq!(read.await.expect("the read ran"), 2);
        }
    }

    #[tokio::test]
    async fn sqlite_keeps_no_memory_statistics_once_the_store_connected() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}/stats.db?mode=rwc", dir.path().display());
        let db = crate::store::connect(&url)
            .await
            .expect("connects and migrates");
        db.execute_unprepared("SELECT count(*) FROM licenses")
            .await
            .expect("a query that allocates");
        // SAFETY: a plain read of a process-wide counter.
        let counted = unsafe { libsqlite3_sys::sqlite3_memory_used() };
        assert_eq!(
            counted, 0,
            "SQLite counted its allocations, so it takes the global statistics mutex on each"
        );
    }
}
