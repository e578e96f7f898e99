//! One thing, paid once (DESIGN.md §3, §5): what a waiting order holds exclusively is in the
//! store, so two writers racing are decided by a unique index, not by a read before the insert.
//!
//! - `orders.claim` names it: `edition:<family>` (a product sold once per account),
//!   `upgrade:<subscription>`, `seats:<subscription>`, `trial:<family>`;
//! - at most one order waiting for payment per account and claim;
//! - at most one trial per account and family, ever.
//!
//! Orders made before this migration have no claim (the reads that guarded them still run).
//!
//! Customers' `Idempotency-Key`s are stored as `request:<key>`, apart from the keys Entitle
//! makes for itself (`renewal:…`), so a customer sending `renewal:…` can neither block nor
//! replay a renewal. The stored customer keys are moved into that space here: they are the ones
//! with a request hash (Entitle's own keys have none).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    Claim,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(string_len_null(Orders::Claim, 80))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE UNIQUE INDEX orders_one_waiting_per_claim ON orders (account_id, claim) \
             WHERE status = 'pending_payment' AND claim IS NOT NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX orders_one_trial_per_family ON orders (account_id, claim) \
             WHERE type = 'trial' AND claim IS NOT NULL",
        )
        .await?;
        // Room for the prefix in front of the longest key a customer may send (255): SQLite
        // does not hold text to a declared length, PostgreSQL does.
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Postgres {
            db.execute_unprepared(
                "ALTER TABLE orders ALTER COLUMN idempotency_key TYPE varchar(300)",
            )
            .await?;
        }
        db.execute_unprepared(
            "UPDATE orders SET idempotency_key = 'request:' || idempotency_key \
             WHERE idempotency_key IS NOT NULL AND request_hash IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE orders SET idempotency_key = substr(idempotency_key, 9) \
             WHERE idempotency_key LIKE 'request:%' AND request_hash IS NOT NULL",
        )
        .await?;
        for index in [
            "orders_one_trial_per_family",
            "orders_one_waiting_per_claim",
        ] {
            db.execute_unprepared(&format!("DROP INDEX {index}"))
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .drop_column(Orders::Claim)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
