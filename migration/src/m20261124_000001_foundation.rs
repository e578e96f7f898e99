//! Accounts, API keys, the catalog and subscriptions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Name,
    Kind,
    Region,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    AccountId,
    Role,
    Name,
    Prefix,
    KeyHash,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Code,
    Name,
    Kind,
    Family,
    Tier,
    SeatBased,
    AutoRenewable,
    TrialDays,
    ValidityMonths,
    BonusProduct,
    BonusPerUnit,
    AccountKind,
    OnePerAccount,
    HostBound,
    MaxQuantity,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProductPrices {
    Table,
    ProductCode,
    Cycle,
    Currency,
    AmountMinor,
}

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    Id,
    AccountId,
    ProductCode,
    Cycle,
    Quantity,
    Status,
    Trial,
    AutoRenew,
    AnchorAt,
    CurrentPeriodStart,
    CurrentPeriodEnd,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .col(pk_uuid(Accounts::Id))
                    .col(string(Accounts::Name))
                    .col(string_len(Accounts::Kind, 16))
                    .col(string_len(Accounts::Region, 8))
                    .col(timestamp_with_time_zone(Accounts::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(pk_uuid(ApiKeys::Id))
                    .col(uuid_null(ApiKeys::AccountId))
                    .col(string_len(ApiKeys::Role, 16))
                    .col(string(ApiKeys::Name))
                    .col(string_len(ApiKeys::Prefix, 32))
                    .col(string_len_uniq(ApiKeys::KeyHash, 64))
                    .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiKeys::Table, ApiKeys::AccountId)
                            .to(Accounts::Table, Accounts::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(string_len(Products::Code, 32).primary_key())
                    .col(string(Products::Name))
                    .col(string_len(Products::Kind, 16))
                    .col(string_len(Products::Family, 32))
                    .col(integer_null(Products::Tier))
                    .col(boolean(Products::SeatBased))
                    .col(boolean(Products::AutoRenewable))
                    .col(integer_null(Products::TrialDays))
                    .col(integer_null(Products::ValidityMonths))
                    .col(string_len_null(Products::BonusProduct, 32))
                    .col(integer_null(Products::BonusPerUnit))
                    .col(string_len_null(Products::AccountKind, 16))
                    .col(boolean(Products::OnePerAccount))
                    .col(boolean(Products::HostBound))
                    .col(integer(Products::MaxQuantity))
                    .col(boolean(Products::Active))
                    .col(timestamp_with_time_zone(Products::CreatedAt))
                    .col(timestamp_with_time_zone(Products::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProductPrices::Table)
                    .col(string_len(ProductPrices::ProductCode, 32))
                    // `month`, `year`, or `once` for one-time products.
                    .col(string_len(ProductPrices::Cycle, 8))
                    .col(string_len(ProductPrices::Currency, 3))
                    .col(big_integer(ProductPrices::AmountMinor))
                    .primary_key(
                        Index::create()
                            .col(ProductPrices::ProductCode)
                            .col(ProductPrices::Cycle)
                            .col(ProductPrices::Currency),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProductPrices::Table, ProductPrices::ProductCode)
                            .to(Products::Table, Products::Code)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Subscriptions::Table)
                    .col(pk_uuid(Subscriptions::Id))
                    .col(uuid(Subscriptions::AccountId))
                    .col(string_len(Subscriptions::ProductCode, 32))
                    .col(string_len(Subscriptions::Cycle, 8))
                    .col(integer(Subscriptions::Quantity))
                    .col(string_len(Subscriptions::Status, 16))
                    .col(boolean(Subscriptions::Trial))
                    .col(boolean(Subscriptions::AutoRenew))
                    .col(timestamp_with_time_zone(Subscriptions::AnchorAt))
                    .col(timestamp_with_time_zone(Subscriptions::CurrentPeriodStart))
                    .col(timestamp_with_time_zone(Subscriptions::CurrentPeriodEnd))
                    .col(timestamp_with_time_zone(Subscriptions::CreatedAt))
                    .col(timestamp_with_time_zone(Subscriptions::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Subscriptions::Table, Subscriptions::AccountId)
                            .to(Accounts::Table, Accounts::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Subscriptions::Table, Subscriptions::ProductCode)
                            .to(Products::Table, Products::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("subscriptions_by_account")
                    .table(Subscriptions::Table)
                    .col(Subscriptions::AccountId)
                    .col(Subscriptions::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Subscriptions::Table.into_iden(),
            ProductPrices::Table.into_iden(),
            Products::Table.into_iden(),
            ApiKeys::Table.into_iden(),
            Accounts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
