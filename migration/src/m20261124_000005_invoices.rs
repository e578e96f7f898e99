//! Invoices: requests and issued invoices, the gapless counters per series and year, and the
//! weekly batches (claimed by their scheduled time, so each runs once).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Invoices {
    Table,
    Id,
    OrderId,
    AccountId,
    Type,
    Status,
    Buyer,
    Number,
    Currency,
    TotalMinor,
    NetMinor,
    TaxMinor,
    VatRate,
    RequestedAt,
    UpdatedAt,
    IssuedAt,
}

#[derive(DeriveIden)]
enum InvoiceCounters {
    Table,
    Series,
    Year,
    Last,
}

#[derive(DeriveIden)]
enum InvoiceBatches {
    Table,
    ScheduledAt,
    StartedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Invoices::Table)
                    .col(pk_uuid(Invoices::Id))
                    .col(uuid_uniq(Invoices::OrderId))
                    .col(uuid(Invoices::AccountId))
                    .col(string_len(Invoices::Type, 16))
                    .col(string_len(Invoices::Status, 16))
                    .col(text(Invoices::Buyer))
                    .col(string_len_null(Invoices::Number, 32))
                    .col(string_len(Invoices::Currency, 3))
                    .col(big_integer(Invoices::TotalMinor))
                    .col(big_integer_null(Invoices::NetMinor))
                    .col(big_integer_null(Invoices::TaxMinor))
                    .col(string_len_null(Invoices::VatRate, 16))
                    .col(timestamp_with_time_zone(Invoices::RequestedAt))
                    .col(timestamp_with_time_zone(Invoices::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Invoices::IssuedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("invoices_by_account")
                    .table(Invoices::Table)
                    .col(Invoices::AccountId)
                    .col(Invoices::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("invoices_number")
                    .table(Invoices::Table)
                    .col(Invoices::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InvoiceCounters::Table)
                    .col(string_len(InvoiceCounters::Series, 16))
                    .col(integer(InvoiceCounters::Year))
                    .col(big_integer(InvoiceCounters::Last))
                    .primary_key(
                        Index::create()
                            .col(InvoiceCounters::Series)
                            .col(InvoiceCounters::Year),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InvoiceBatches::Table)
                    .col(timestamp_with_time_zone(InvoiceBatches::ScheduledAt).primary_key())
                    .col(timestamp_with_time_zone(InvoiceBatches::StartedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            InvoiceBatches::Table.into_iden(),
            InvoiceCounters::Table.into_iden(),
            Invoices::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
