//! A saved payment method per subscription (issue 20): the provider's reference to what the
//! first payment saved — Stripe's customer and payment method, PayPal's vault id — never card
//! data. A renewal charges it off-session; a subscription without one pays to renew.
//!
//! Nullable, so every existing subscription reads as "no saved method" and keeps renewing as
//! before (the sandbox charges without a reference).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    PaymentToken,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Subscriptions::Table)
                    .add_column(
                        ColumnDef::new(Subscriptions::PaymentToken)
                            .string_len(200)
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Subscriptions::Table)
                    .drop_column(Subscriptions::PaymentToken)
                    .to_owned(),
            )
            .await
    }
}
