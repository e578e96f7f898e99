//! Time passing: renewal retries on subscriptions, job runs, reminders sent, and outbound
//! webhooks (endpoints, events, deliveries and every delivery attempt).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    RenewalFailures,
    NextRetryAt,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    TermStart,
}

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Job,
    LastStartedAt,
    LastFinishedAt,
    LastOutcome,
    LastDetail,
    Runs,
}

#[derive(DeriveIden)]
enum Reminders {
    Table,
    Subject,
    SubjectId,
    EndsAt,
    DaysBefore,
    SentAt,
}

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    Url,
    Events,
    Secret,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    Type,
    AccountId,
    Payload,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    EventId,
    EndpointId,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    DeliveredAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    AttemptedAt,
    StatusCode,
    Error,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Subscriptions::Table)
                    .add_column(integer(Subscriptions::RenewalFailures).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Subscriptions::Table)
                    .add_column(timestamp_with_time_zone_null(Subscriptions::NextRetryAt))
                    .to_owned(),
            )
            .await?;
        // A renewal order's term starts where the subscription's period ended.
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(timestamp_with_time_zone_null(Orders::TermStart))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JobRuns::Table)
                    .col(string_len(JobRuns::Job, 32).primary_key())
                    .col(timestamp_with_time_zone_null(JobRuns::LastStartedAt))
                    .col(timestamp_with_time_zone_null(JobRuns::LastFinishedAt))
                    .col(string_len_null(JobRuns::LastOutcome, 16))
                    .col(text_null(JobRuns::LastDetail))
                    .col(big_integer(JobRuns::Runs).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Reminders::Table)
                    .col(string_len(Reminders::Subject, 32))
                    .col(uuid(Reminders::SubjectId))
                    .col(timestamp_with_time_zone(Reminders::EndsAt))
                    .col(integer(Reminders::DaysBefore))
                    .col(timestamp_with_time_zone(Reminders::SentAt))
                    .primary_key(
                        Index::create()
                            .col(Reminders::Subject)
                            .col(Reminders::SubjectId)
                            .col(Reminders::EndsAt)
                            .col(Reminders::DaysBefore),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookEndpoints::Table)
                    .col(pk_uuid(WebhookEndpoints::Id))
                    .col(text(WebhookEndpoints::Url))
                    // Comma-separated event types, or `*`.
                    .col(text(WebhookEndpoints::Events))
                    .col(string(WebhookEndpoints::Secret))
                    .col(boolean(WebhookEndpoints::Active))
                    .col(timestamp_with_time_zone(WebhookEndpoints::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(pk_uuid(Events::Id))
                    .col(string_len(Events::Type, 64))
                    .col(uuid_null(Events::AccountId))
                    .col(text(Events::Payload))
                    .col(timestamp_with_time_zone(Events::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(pk_uuid(WebhookDeliveries::Id))
                    .col(uuid(WebhookDeliveries::EventId))
                    .col(uuid(WebhookDeliveries::EndpointId))
                    .col(string_len(WebhookDeliveries::Status, 16))
                    .col(integer(WebhookDeliveries::Attempts))
                    .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::ClaimedUntil,
                    ))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::DeliveredAt,
                    ))
                    .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("webhook_deliveries_due")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::Status)
                    .col(WebhookDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempts::Table)
                    .col(pk_uuid(WebhookAttempts::Id))
                    .col(uuid(WebhookAttempts::DeliveryId))
                    .col(timestamp_with_time_zone(WebhookAttempts::AttemptedAt))
                    .col(integer_null(WebhookAttempts::StatusCode))
                    .col(text_null(WebhookAttempts::Error))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("subscriptions_due")
                    .table(Alias::new("subscriptions"))
                    .col(Alias::new("status"))
                    .col(Alias::new("current_period_end"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("licenses_due")
                    .table(Alias::new("licenses"))
                    .col(Alias::new("status"))
                    .col(Alias::new("valid_until"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookAttempts::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            Events::Table.into_iden(),
            WebhookEndpoints::Table.into_iden(),
            Reminders::Table.into_iden(),
            JobRuns::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .drop_column(Orders::TermStart)
                    .to_owned(),
            )
            .await?;
        for column in [Subscriptions::NextRetryAt, Subscriptions::RenewalFailures] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Subscriptions::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
