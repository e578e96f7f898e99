//! Licenses the licensed software can check (issue 22): each product's licensing settings,
//! the machines licenses are activated on, the license files issued to them, and the keys
//! that sign those files.
//!
//! - `products.host_bound` becomes `binding` (`node_locked`, `floating`, `unbound`) with a
//!   grace period, a heartbeat interval and a limit on moves; DR keeps running 7 days past its
//!   term, Enterprise seats float.
//! - `machines`: at most one active machine per license, decided by a partial unique index
//!   (each license is one unit or seat), so two activations at once cannot both win.
//! - `license_files`: what was issued to whom, with the validity it carried, so a renewal shows
//!   which isolated hosts need a new file.
//! - `signing_keys`: Ed25519 keys shared by every instance, at most one `active`, again by a
//!   partial unique index; the private half sealed when a key-encryption key is configured.
//! - `licenses.consumed_run_id`: a failback run consumes once; the same run asking again is
//!   answered the same.
//! - A license activated on a host before this migration keeps it: an active machine is made
//!   for each, named by its host as the older `activate {host}` door names one (the SHA-256
//!   of `host:<name>`), activated by an operator.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::DateTimeUtc;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};
use sha2::{Digest, Sha256};
use uuid::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Products {
    Table,
    HostBound,
    Binding,
    GraceDays,
    HeartbeatSeconds,
    TransferLimit,
    TransferWindowDays,
}

#[derive(DeriveIden)]
enum Licenses {
    Table,
    ConsumedRunId,
}

#[derive(DeriveIden)]
enum Machines {
    Table,
    Id,
    LicenseId,
    AccountId,
    Fingerprint,
    Hostname,
    Platform,
    Status,
    ActivatedBy,
    ActivatedAt,
    LastHeartbeatAt,
    ReleasedAt,
    ReleasedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LicenseFiles {
    Table,
    Id,
    LicenseId,
    MachineId,
    Kid,
    IssuedAt,
    ExpiresAt,
    ValidUntil,
}

#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    Kid,
    PublicKey,
    PrivateKey,
    Sealed,
    Status,
    CreatedAt,
    ActivatedAt,
    RetiredAt,
}

fn at(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn maybe_at(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn add(table: impl IntoIden, column: ColumnDef) -> TableAlterStatement {
    Table::alter().table(table).add_column(column).to_owned()
}

/// One active machine for each license activated on a host before machines existed.
async fn backfill_hosts(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let hosts = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id, account_id, host, updated_at FROM licenses WHERE host IS NOT NULL",
        ))
        .await?;
    for row in hosts {
        let license: Uuid = row.try_get("", "id")?;
        let account: Uuid = row.try_get("", "account_id")?;
        let host: String = row.try_get("", "host")?;
        let at: DateTimeUtc = row.try_get("", "updated_at")?;
        let fingerprint = hex::encode(Sha256::digest(format!("host:{host}").as_bytes()));
        let insert = Query::insert()
            .into_table(Machines::Table)
            .columns([
                Machines::Id,
                Machines::LicenseId,
                Machines::AccountId,
                Machines::Fingerprint,
                Machines::Hostname,
                Machines::Status,
                Machines::ActivatedBy,
                Machines::ActivatedAt,
                Machines::CreatedAt,
                Machines::UpdatedAt,
            ])
            .values_panic([
                Uuid::now_v7().into(),
                license.into(),
                account.into(),
                fingerprint.into(),
                host.into(),
                "active".into(),
                "operator".into(),
                at.into(),
                at.into(),
                at.into(),
            ])
            .to_owned();
        manager.exec_stmt(insert).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let settings = [
            ColumnDef::new(Products::Binding)
                .string_len(16)
                .not_null()
                .default("unbound")
                .to_owned(),
            ColumnDef::new(Products::GraceDays)
                .integer()
                .not_null()
                .default(0)
                .to_owned(),
            ColumnDef::new(Products::HeartbeatSeconds)
                .integer()
                .not_null()
                .default(600)
                .to_owned(),
            ColumnDef::new(Products::TransferLimit)
                .integer()
                .not_null()
                .default(3)
                .to_owned(),
            ColumnDef::new(Products::TransferWindowDays)
                .integer()
                .not_null()
                .default(30)
                .to_owned(),
        ];
        for column in settings {
            manager.alter_table(add(Products::Table, column)).await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared("UPDATE products SET binding = 'node_locked' WHERE host_bound")
            .await?;
        db.execute_unprepared("UPDATE products SET grace_days = 7 WHERE code = 'dr'")
            .await?;
        db.execute_unprepared("UPDATE products SET binding = 'floating' WHERE code = 'enterprise'")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Products::Table)
                    .drop_column(Products::HostBound)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(add(
                Licenses::Table,
                ColumnDef::new(Licenses::ConsumedRunId)
                    .string_len(128)
                    .null()
                    .to_owned(),
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Machines::Table)
                    .col(ColumnDef::new(Machines::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Machines::LicenseId).uuid().not_null())
                    .col(ColumnDef::new(Machines::AccountId).uuid().not_null())
                    .col(
                        ColumnDef::new(Machines::Fingerprint)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Machines::Hostname)
                            .string_len(253)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Machines::Platform).string_len(64).null())
                    .col(ColumnDef::new(Machines::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Machines::ActivatedBy)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(at(Machines::ActivatedAt))
                    .col(maybe_at(Machines::LastHeartbeatAt))
                    .col(maybe_at(Machines::ReleasedAt))
                    .col(ColumnDef::new(Machines::ReleasedBy).string_len(16).null())
                    .col(at(Machines::CreatedAt))
                    .col(at(Machines::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // One active machine per license, whoever races to activate it.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX machines_one_active ON machines (license_id) \
             WHERE status = 'active'",
        )
        .await?;
        backfill_hosts(manager).await?;
        manager
            .create_index(
                Index::create()
                    .name("machines_by_license")
                    .table(Machines::Table)
                    .col(Machines::LicenseId)
                    .col(Machines::ActivatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LicenseFiles::Table)
                    .col(
                        ColumnDef::new(LicenseFiles::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(LicenseFiles::LicenseId).uuid().not_null())
                    .col(ColumnDef::new(LicenseFiles::MachineId).uuid().not_null())
                    .col(ColumnDef::new(LicenseFiles::Kid).string_len(64).not_null())
                    .col(at(LicenseFiles::IssuedAt))
                    .col(at(LicenseFiles::ExpiresAt))
                    .col(at(LicenseFiles::ValidUntil))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("license_files_by_machine")
                    .table(LicenseFiles::Table)
                    .col(LicenseFiles::MachineId)
                    .col(LicenseFiles::IssuedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SigningKeys::Table)
                    .col(
                        ColumnDef::new(SigningKeys::Kid)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(SigningKeys::PublicKey)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(SigningKeys::PrivateKey).text().not_null())
                    .col(ColumnDef::new(SigningKeys::Sealed).boolean().not_null())
                    .col(
                        ColumnDef::new(SigningKeys::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(at(SigningKeys::CreatedAt))
                    .col(maybe_at(SigningKeys::ActivatedAt))
                    .col(maybe_at(SigningKeys::RetiredAt))
                    .to_owned(),
            )
            .await?;
        // At most one key signs, whichever instance activates one.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (status) \
             WHERE status = 'active'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SigningKeys::Table.into_iden(),
            LicenseFiles::Table.into_iden(),
            Machines::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Licenses::Table)
                    .drop_column(Licenses::ConsumedRunId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(add(
                Products::Table,
                ColumnDef::new(Products::HostBound)
                    .boolean()
                    .not_null()
                    .default(false)
                    .to_owned(),
            ))
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE products SET host_bound = (binding = 'node_locked')")
            .await?;
        for column in [
            Products::Binding,
            Products::GraceDays,
            Products::HeartbeatSeconds,
            Products::TransferLimit,
            Products::TransferWindowDays,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Products::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
