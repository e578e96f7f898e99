//! The audit log names the key that acted (DESIGN.md §7: "who (the key that acted)"), not only
//! its role: the stored key's id (none for the bootstrap admin key, a provider or the server)
//! and its visible prefix (`bootstrap` for the bootstrap key). Events logged before this
//! migration keep both empty: which key made them was never recorded.
//!
//! Stored admin keys need no change of their own: `api_keys` already has a `role` and a
//! nullable `account_id`. The two columns are added in one call, so on one connection (see
//! `m20261202_000008_live_payments`), as two statements because SQLite adds one column at a
//! time.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    ActorKeyId,
    ActorKeyPrefix,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let key_id = backend.build(
            &Table::alter()
                .table(AuditEvents::Table)
                .add_column(uuid_null(AuditEvents::ActorKeyId))
                .to_owned(),
        );
        let key_prefix = backend.build(
            &Table::alter()
                .table(AuditEvents::Table)
                .add_column(string_len_null(AuditEvents::ActorKeyPrefix, 32))
                .to_owned(),
        );
        db.execute_unprepared(&format!("{key_id}; {key_prefix}"))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let mut statements = Vec::new();
        for column in [AuditEvents::ActorKeyId, AuditEvents::ActorKeyPrefix] {
            statements.push(
                backend
                    .build(
                        &Table::alter()
                            .table(AuditEvents::Table)
                            .drop_column(column)
                            .to_owned(),
                    )
                    .to_string(),
            );
        }
        db.execute_unprepared(&statements.join("; ")).await?;
        Ok(())
    }
}
