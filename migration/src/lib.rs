//! Entitle's schema: one migration per change, applied in order at every start.
//!
//! Money is stored as integer minor units (`BIGINT`) on every database: SeaORM reads a SQLite
//! `Decimal` column through `f64` and loses digits (DESIGN.md §11), so the store converts to
//! `rust_decimal::Decimal` at its edge. Times are UTC.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_foundation;
mod m20261124_000002_default_catalog;
mod m20261124_000003_purchases;
mod m20261124_000004_lifecycle;
mod m20261124_000005_invoices;
mod m20261124_000006_lookup_indexes;
mod m20261201_000007_saved_charge_once;
mod m20261202_000008_live_payments;
mod m20261202_000009_order_claims;
mod m20261202_000010_admin_keys;
mod m20261202_000011_input_limits;
mod m20261203_000012_saved_methods;
mod m20261203_000013_mail;
mod m20261203_000014_machines;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_foundation::Migration),
            Box::new(m20261124_000002_default_catalog::Migration),
            Box::new(m20261124_000003_purchases::Migration),
            Box::new(m20261124_000004_lifecycle::Migration),
            Box::new(m20261124_000005_invoices::Migration),
            Box::new(m20261124_000006_lookup_indexes::Migration),
            Box::new(m20261201_000007_saved_charge_once::Migration),
            Box::new(m20261202_000008_live_payments::Migration),
            Box::new(m20261202_000009_order_claims::Migration),
            Box::new(m20261202_000010_admin_keys::Migration),
            Box::new(m20261202_000011_input_limits::Migration),
            Box::new(m20261203_000012_saved_methods::Migration),
            Box::new(m20261203_000013_mail::Migration),
            Box::new(m20261203_000014_machines::Migration),
        ]
    }
}
