//! The purchase flow: orders, checkout sessions, the sandbox provider's ledger, licenses, the
//! audit log; subscriptions learn their saved payment method and their order.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    AccountId,
    Type,
    Status,
    ProductCode,
    Cycle,
    Quantity,
    Periods,
    SubscriptionId,
    AutoRenew,
    Lines,
    Currency,
    TotalMinor,
    PaymentMethod,
    ReturnUrl,
    IdempotencyKey,
    RequestHash,
    CreatedAt,
    ExpiresAt,
    PaidAt,
    CanceledAt,
    UpdatedAt,
}

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
}

#[derive(DeriveIden)]
enum SandboxCharges {
    Table,
    Id,
    SessionId,
    OrderId,
    Outcome,
    AmountMinor,
    Currency,
    PaymentMethod,
    OccurredAt,
    DeliveredAt,
    Attempts,
}

#[derive(DeriveIden)]
enum Licenses {
    Table,
    Id,
    Key,
    AccountId,
    ProductCode,
    SubscriptionId,
    OrderId,
    Source,
    Status,
    ValidFrom,
    ValidUntil,
    Host,
    ConsumedAt,
    ConsumedReference,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    Actor,
    AccountId,
    Action,
    Entity,
    EntityId,
    Before,
    After,
}

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    PaymentMethod,
    OrderId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .col(pk_uuid(Orders::Id))
                    .col(uuid(Orders::AccountId))
                    .col(string_len(Orders::Type, 16))
                    .col(string_len(Orders::Status, 16))
                    .col(string_len(Orders::ProductCode, 32))
                    .col(string_len_null(Orders::Cycle, 8))
                    .col(integer(Orders::Quantity))
                    .col(integer(Orders::Periods))
                    .col(uuid_null(Orders::SubscriptionId))
                    .col(boolean_null(Orders::AutoRenew))
                    // The quoted lines as JSON: amounts are decimal strings, exact.
                    .col(text(Orders::Lines))
                    .col(string_len(Orders::Currency, 3))
                    .col(big_integer(Orders::TotalMinor))
                    .col(string_len_null(Orders::PaymentMethod, 16))
                    .col(text_null(Orders::ReturnUrl))
                    .col(string_len_null(Orders::IdempotencyKey, 255))
                    .col(string_len_null(Orders::RequestHash, 64))
                    .col(timestamp_with_time_zone(Orders::CreatedAt))
                    .col(timestamp_with_time_zone_null(Orders::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Orders::PaidAt))
                    .col(timestamp_with_time_zone_null(Orders::CanceledAt))
                    .col(timestamp_with_time_zone(Orders::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("orders_idempotency")
                    .table(Orders::Table)
                    .col(Orders::AccountId)
                    .col(Orders::IdempotencyKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("orders_by_account")
                    .table(Orders::Table)
                    .col(Orders::AccountId)
                    .col(Orders::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("orders_due_to_expire")
                    .table(Orders::Table)
                    .col(Orders::Status)
                    .col(Orders::ExpiresAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CheckoutSessions::Table)
                    .col(pk_uuid(CheckoutSessions::Id))
                    .col(uuid_uniq(CheckoutSessions::OrderId))
                    .col(string_len(CheckoutSessions::Provider, 32))
                    .col(text(CheckoutSessions::Url))
                    .col(big_integer(CheckoutSessions::AmountMinor))
                    .col(string_len(CheckoutSessions::Currency, 3))
                    .col(string_len(CheckoutSessions::PaymentMethod, 16))
                    .col(string_len(CheckoutSessions::Status, 16))
                    .col(timestamp_with_time_zone(CheckoutSessions::CreatedAt))
                    .col(timestamp_with_time_zone(CheckoutSessions::ExpiresAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SandboxCharges::Table)
                    .col(pk_uuid(SandboxCharges::Id))
                    .col(uuid_null(SandboxCharges::SessionId))
                    .col(uuid(SandboxCharges::OrderId))
                    .col(string_len(SandboxCharges::Outcome, 16))
                    .col(big_integer(SandboxCharges::AmountMinor))
                    .col(string_len(SandboxCharges::Currency, 3))
                    .col(string_len(SandboxCharges::PaymentMethod, 16))
                    .col(timestamp_with_time_zone(SandboxCharges::OccurredAt))
                    .col(timestamp_with_time_zone_null(SandboxCharges::DeliveredAt))
                    .col(integer(SandboxCharges::Attempts))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sandbox_charges_undelivered")
                    .table(SandboxCharges::Table)
                    .col(SandboxCharges::DeliveredAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Licenses::Table)
                    .col(pk_uuid(Licenses::Id))
                    .col(string_len_uniq(Licenses::Key, 64))
                    .col(uuid(Licenses::AccountId))
                    .col(string_len(Licenses::ProductCode, 32))
                    .col(uuid_null(Licenses::SubscriptionId))
                    .col(uuid_null(Licenses::OrderId))
                    .col(string_len(Licenses::Source, 16))
                    .col(string_len(Licenses::Status, 16))
                    .col(timestamp_with_time_zone(Licenses::ValidFrom))
                    .col(timestamp_with_time_zone(Licenses::ValidUntil))
                    .col(string_len_null(Licenses::Host, 253))
                    .col(timestamp_with_time_zone_null(Licenses::ConsumedAt))
                    .col(string_len_null(Licenses::ConsumedReference, 200))
                    .col(timestamp_with_time_zone(Licenses::CreatedAt))
                    .col(timestamp_with_time_zone(Licenses::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("licenses_by_account")
                    .table(Licenses::Table)
                    .col(Licenses::AccountId)
                    .col(Licenses::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("licenses_by_subscription")
                    .table(Licenses::Table)
                    .col(Licenses::SubscriptionId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(pk_uuid(AuditEvents::Id))
                    .col(timestamp_with_time_zone(AuditEvents::At))
                    .col(string_len(AuditEvents::Actor, 64))
                    .col(uuid_null(AuditEvents::AccountId))
                    .col(string_len(AuditEvents::Action, 64))
                    .col(string_len(AuditEvents::Entity, 32))
                    .col(uuid(AuditEvents::EntityId))
                    .col(text_null(AuditEvents::Before))
                    .col(text_null(AuditEvents::After))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_by_account")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::AccountId)
                    .col(AuditEvents::Id)
                    .to_owned(),
            )
            .await?;

        // SQLite takes one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Subscriptions::Table)
                    .add_column(string_len_null(Subscriptions::PaymentMethod, 16))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Subscriptions::Table)
                    .add_column(uuid_null(Subscriptions::OrderId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Subscriptions::OrderId, Subscriptions::PaymentMethod] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Subscriptions::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            AuditEvents::Table.into_iden(),
            Licenses::Table.into_iden(),
            SandboxCharges::Table.into_iden(),
            CheckoutSessions::Table.into_iden(),
            Orders::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
