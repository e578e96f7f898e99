//! One invoice per order, by a unique index rather than a look before the insert: two
//! first-time invoice requests for one order at once both found no invoice and both inserted
//! one (or, on SQLite, the second failed as a 500). With the index the database decides: one
//! insert stands and the other request is answered 409 `invoice_exists`.
//!
//! Duplicates left by that race are removed first, keeping the issued invoice or else the
//! oldest request: an extra one was only ever `requested` (the weekly batch would have issued
//! both, but a number, once issued, is never taken back, so issued invoices are not touched).
//! The same SQL on SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "DELETE FROM invoices WHERE status = 'requested' AND EXISTS (\
             SELECT 1 FROM invoices other WHERE other.order_id = invoices.order_id \
             AND other.id <> invoices.id \
             AND (other.status <> 'requested' OR other.id < invoices.id))",
        )
        .await?;
        db.execute_unprepared("CREATE UNIQUE INDEX invoices_one_per_order ON invoices (order_id)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX invoices_one_per_order")
            .await?;
        Ok(())
    }
}
