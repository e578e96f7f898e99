//! The default catalog of DESIGN.md §1, with prices in CNY and USD. Annual prices are ten
//! months ("buy a year, pay ten months"). Prices are minor units (fen, cents).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One seeded product: its rules, and its monthly (term) or one-time price in CNY and USD.
struct Seed {
    code: &'static str,
    name: &'static str,
    kind: &'static str,
    family: &'static str,
    tier: Option<i32>,
    seat_based: bool,
    trial_days: Option<i32>,
    validity_months: Option<i32>,
    bonus_failback: bool,
    account_kind: Option<&'static str>,
    one_per_account: bool,
    host_bound: bool,
    max_quantity: i32,
    cny_minor: i64,
    usd_minor: i64,
}

const SEEDS: [Seed; 5] = [
    Seed {
        code: "dr",
        name: "DR License",
        kind: "term",
        family: "dr",
        tier: None,
        seat_based: false,
        trial_days: None,
        validity_months: None,
        bonus_failback: true,
        account_kind: None,
        one_per_account: false,
        host_bound: true,
        max_quantity: 1000,
        cny_minor: 19900,
        usd_minor: 2900,
    },
    Seed {
        code: "failback",
        name: "Failback License",
        kind: "one_time",
        family: "failback",
        tier: None,
        seat_based: false,
        trial_days: None,
        validity_months: Some(3),
        bonus_failback: false,
        account_kind: None,
        one_per_account: false,
        host_bound: true,
        max_quantity: 1000,
        cny_minor: 9900,
        usd_minor: 1500,
    },
    Seed {
        code: "premium",
        name: "Premium",
        kind: "term",
        family: "cloud",
        tier: Some(1),
        seat_based: false,
        trial_days: Some(14),
        validity_months: None,
        bonus_failback: false,
        account_kind: Some("individual"),
        one_per_account: true,
        host_bound: false,
        max_quantity: 1,
        cny_minor: 6800,
        usd_minor: 990,
    },
    Seed {
        code: "premium_plus",
        name: "Premium Plus",
        kind: "term",
        family: "cloud",
        tier: Some(2),
        seat_based: false,
        trial_days: None,
        validity_months: None,
        bonus_failback: false,
        account_kind: Some("individual"),
        one_per_account: true,
        host_bound: false,
        max_quantity: 1,
        cny_minor: 12800,
        usd_minor: 1990,
    },
    Seed {
        code: "enterprise",
        name: "Enterprise",
        kind: "term",
        family: "enterprise",
        tier: Some(1),
        seat_based: true,
        trial_days: None,
        validity_months: None,
        bonus_failback: false,
        account_kind: Some("enterprise"),
        one_per_account: true,
        host_bound: false,
        max_quantity: 10_000,
        cny_minor: 9800,
        usd_minor: 1490,
    },
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let seeded_at = Expr::current_timestamp();
        for seed in SEEDS {
            let mut product = Query::insert();
            product
                .into_table("products")
                .columns([
                    "code",
                    "name",
                    "kind",
                    "family",
                    "tier",
                    "seat_based",
                    "auto_renewable",
                    "trial_days",
                    "validity_months",
                    "bonus_product",
                    "bonus_per_unit",
                    "account_kind",
                    "one_per_account",
                    "host_bound",
                    "max_quantity",
                    "active",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    seed.code.into(),
                    seed.name.into(),
                    seed.kind.into(),
                    seed.family.into(),
                    seed.tier.into(),
                    seed.seat_based.into(),
                    (seed.kind == "term").into(),
                    seed.trial_days.into(),
                    seed.validity_months.into(),
                    seed.bonus_failback.then_some("failback").into(),
                    seed.bonus_failback.then_some(1_i32).into(),
                    seed.account_kind.into(),
                    seed.one_per_account.into(),
                    seed.host_bound.into(),
                    seed.max_quantity.into(),
                    true.into(),
                    seeded_at.clone(),
                    seeded_at.clone(),
                ]);
            manager.exec_stmt(product).await?;

            let mut prices = Query::insert();
            prices.into_table("product_prices").columns([
                "product_code",
                "cycle",
                "currency",
                "amount_minor",
            ]);
            for (currency, monthly) in [("CNY", seed.cny_minor), ("USD", seed.usd_minor)] {
                if seed.kind == "term" {
                    prices.values_panic([
                        seed.code.into(),
                        "month".into(),
                        currency.into(),
                        monthly.into(),
                    ]);
                    prices.values_panic([
                        seed.code.into(),
                        "year".into(),
                        currency.into(),
                        (monthly * 10).into(),
                    ]);
                } else {
                    prices.values_panic([
                        seed.code.into(),
                        "once".into(),
                        currency.into(),
                        monthly.into(),
                    ]);
                }
            }
            manager.exec_stmt(prices).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for seed in SEEDS {
            let mut prices = Query::delete();
            prices
                .from_table("product_prices")
                .and_where(Expr::col("product_code").eq(seed.code));
            manager.exec_stmt(prices).await?;
            let mut product = Query::delete();
            product
                .from_table("products")
                .and_where(Expr::col("code").eq(seed.code));
            manager.exec_stmt(product).await?;
        }
        Ok(())
    }
}
