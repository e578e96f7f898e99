//! Live payments (DESIGN.md §8): an order may have several checkouts over its life (a pay-to-renew
//! order lives days, a provider's QR code minutes, so `POST /v1/orders/{id}/checkout` opens a
//! fresh one), each with the provider's own reference and, for a scan flow, its QR code text;
//! and every payment a provider reports is recorded once under the provider's own id.
//!
//! `checkout_sessions.order_id` was unique as a column constraint, which SQLite cannot drop: the
//! table is rebuilt under a new name, its rows copied, and renamed back (the same SQL on SQLite
//! and PostgreSQL; nothing references it by a foreign key).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CheckoutSessions {
    Table,
    Id,
    OrderId,
    Provider,
    Url,
    AmountMinor,
    Currency,
    PaymentMethod,
    Status,
    CreatedAt,
    ExpiresAt,
    ProviderRef,
    QrCode,
}

#[derive(DeriveIden)]
enum CheckoutSessionsRebuilt {
    Table,
}

#[derive(DeriveIden)]
enum ProviderPayments {
    Table,
    Id,
    Provider,
    ProviderPaymentId,
    OrderId,
    SessionId,
    Outcome,
    AmountMinor,
    Currency,
    OccurredAt,
    RecordedAt,
    FoundBy,
}

const COPIED: &str = "id, order_id, provider, url, amount_minor, currency, payment_method, \
                      status, created_at, expires_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let rebuilt = Table::create()
            .table(CheckoutSessionsRebuilt::Table)
            .col(pk_uuid(CheckoutSessions::Id))
            .col(uuid(CheckoutSessions::OrderId))
            .col(string_len(CheckoutSessions::Provider, 32))
            .col(text(CheckoutSessions::Url))
            .col(big_integer(CheckoutSessions::AmountMinor))
            .col(string_len(CheckoutSessions::Currency, 3))
            .col(string_len(CheckoutSessions::PaymentMethod, 16))
            .col(string_len(CheckoutSessions::Status, 16))
            .col(timestamp_with_time_zone(CheckoutSessions::CreatedAt))
            .col(timestamp_with_time_zone(CheckoutSessions::ExpiresAt))
            .col(text_null(CheckoutSessions::ProviderRef))
            .col(text_null(CheckoutSessions::QrCode))
            .to_owned();
        let db = manager.get_connection();
        let create = db.get_database_backend().build(&rebuilt).to_string();
        // One call, so one connection: on SQLite a second pooled connection may still read the
        // schema from before the drop and refuse the rename.
        db.execute_unprepared(&format!(
            "{create}; \
             INSERT INTO checkout_sessions_rebuilt ({COPIED}) SELECT {COPIED} FROM checkout_sessions; \
             DROP TABLE checkout_sessions; \
             ALTER TABLE checkout_sessions_rebuilt RENAME TO checkout_sessions"
        ))
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("checkout_sessions_of_order")
                    .table(CheckoutSessions::Table)
                    .col(CheckoutSessions::OrderId)
                    .to_owned(),
            )
            .await?;
        // Reconciliation reads the open checkouts oldest first.
        manager
            .create_index(
                Index::create()
                    .name("checkout_sessions_open")
                    .table(CheckoutSessions::Table)
                    .col(CheckoutSessions::Status)
                    .col(CheckoutSessions::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProviderPayments::Table)
                    .col(pk_uuid(ProviderPayments::Id))
                    .col(string_len(ProviderPayments::Provider, 32))
                    .col(string_len(ProviderPayments::ProviderPaymentId, 128))
                    .col(uuid(ProviderPayments::OrderId))
                    .col(uuid_null(ProviderPayments::SessionId))
                    .col(string_len(ProviderPayments::Outcome, 16))
                    .col(big_integer(ProviderPayments::AmountMinor))
                    .col(string_len(ProviderPayments::Currency, 3))
                    .col(timestamp_with_time_zone(ProviderPayments::OccurredAt))
                    .col(timestamp_with_time_zone(ProviderPayments::RecordedAt))
                    .col(string_len(ProviderPayments::FoundBy, 16))
                    .to_owned(),
            )
            .await?;
        // A provider's payment is recorded once, however often its news arrives.
        manager
            .create_index(
                Index::create()
                    .name("provider_payments_once")
                    .table(ProviderPayments::Table)
                    .col(ProviderPayments::Provider)
                    .col(ProviderPayments::ProviderPaymentId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("provider_payments_of_order")
                    .table(ProviderPayments::Table)
                    .col(ProviderPayments::OrderId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProviderPayments::Table).to_owned())
            .await?;
        for index in ["checkout_sessions_open", "checkout_sessions_of_order"] {
            manager
                .drop_index(
                    Index::drop()
                        .name(index)
                        .table(CheckoutSessions::Table)
                        .to_owned(),
                )
                .await?;
        }
        for column in [CheckoutSessions::ProviderRef, CheckoutSessions::QrCode] {
            manager
                .alter_table(
                    Table::alter()
                        .table(CheckoutSessions::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
