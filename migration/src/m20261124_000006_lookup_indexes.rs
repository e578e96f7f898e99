//! Indexes for the lookups the benchmarks found scanning a whole table (each one turned a
//! run over n items into n² work):
//! - the invoice batch reads requests oldest first, a chunk at a time: `(status,
//!   requested_at, id)` makes each chunk cost its own size;
//! - a renewal asks the provider for the order's saved-method charge: `sandbox_charges` by
//!   `order_id`;
//! - an upgrade checks for one already pending on its subscription: `orders` by
//!   `subscription_id`;
//! - a delivery's attempts are listed with it: `webhook_attempts` by `delivery_id`.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(index, table, columns)`.
const INDEXES: [(&str, &str, &[&str]); 4] = [
    (
        "invoices_by_status_and_request",
        "invoices",
        &["status", "requested_at", "id"],
    ),
    ("sandbox_charges_by_order", "sandbox_charges", &["order_id"]),
    ("orders_by_subscription", "orders", &["subscription_id"]),
    (
        "webhook_attempts_by_delivery",
        "webhook_attempts",
        &["delivery_id"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, columns) in INDEXES {
            let mut index = Index::create();
            index.name(name).table(Alias::new(table));
            for column in columns {
                index.col(Alias::new(*column));
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
