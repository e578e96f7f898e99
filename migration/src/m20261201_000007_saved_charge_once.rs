//! One saved-method charge per order in the sandbox's ledger, by a unique index rather than a
//! look before the insert: a renewal retried after a crash, or charged by two servers at once,
//! gets the charge already made instead of a second one (the look-then-insert let two racing
//! charges both through), and a charge costs one statement instead of two (the renewal
//! benchmark's largest share of PostgreSQL's time). Checkout payments carry their session and
//! are not concerned. The same SQL on SQLite and PostgreSQL, both of which have partial
//! indexes.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A second saved charge of one order could only come from the race this closes; the
        // sandbox moves no money, so the later one goes and the first one stands.
        manager
            .get_connection()
            .execute_unprepared(
                "DELETE FROM sandbox_charges WHERE session_id IS NULL AND EXISTS (\
                 SELECT 1 FROM sandbox_charges earlier WHERE earlier.session_id IS NULL \
                 AND earlier.order_id = sandbox_charges.order_id \
                 AND earlier.id < sandbox_charges.id)",
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX sandbox_charges_saved_once ON sandbox_charges (order_id) \
                 WHERE session_id IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX sandbox_charges_saved_once")
            .await?;
        Ok(())
    }
}
