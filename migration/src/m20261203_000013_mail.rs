//! Customers hear from Entitle (issue 21): a billing contact and a language per account, and
//! the outbox of messages to them.
//!
//! A message is written in the same transaction as the change it reports (an event, an issued
//! invoice), so none is lost and none is told of a change that did not happen; the `mail` job
//! claims each (`claimed_until`, a conditional update), sends it and records the outcome.
//! `source_id` (the event or invoice it reports) is unique per kind: the same news never makes
//! two messages, and the `Message-ID` derived from it makes a resend recognisable.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Email,
    Language,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    AccountId,
    SourceId,
    Kind,
    Language,
    ToAddress,
    Subject,
    Data,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    SentAt,
    LastError,
    MessageId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            ColumnDef::new(Accounts::Email)
                .string_len(254)
                .null()
                .to_owned(),
            ColumnDef::new(Accounts::Language)
                .string_len(16)
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Accounts::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Messages::Table)
                    .col(ColumnDef::new(Messages::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Messages::AccountId).uuid().not_null())
                    .col(ColumnDef::new(Messages::SourceId).uuid().not_null())
                    .col(ColumnDef::new(Messages::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(Messages::Language).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Messages::ToAddress)
                            .string_len(254)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Messages::Subject).text().not_null())
                    .col(ColumnDef::new(Messages::Data).text().not_null())
                    .col(ColumnDef::new(Messages::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Messages::Attempts).integer().not_null())
                    .col(
                        ColumnDef::new(Messages::NextAttemptAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Messages::ClaimedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Messages::SentAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Messages::LastError).text().null())
                    .col(
                        ColumnDef::new(Messages::MessageId)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Messages::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("messages_one_per_news")
                    .table(Messages::Table)
                    .col(Messages::SourceId)
                    .col(Messages::Kind)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("messages_due")
                    .table(Messages::Table)
                    .col(Messages::Status)
                    .col(Messages::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("messages_of_account")
                    .table(Messages::Table)
                    .col(Messages::AccountId)
                    .col(Messages::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Messages::Table).to_owned())
            .await?;
        for column in [Accounts::Email, Accounts::Language] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Accounts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
