//! The catalog as data (DESIGN.md §1): seeded, read by any key, edited by admins.

use entitle_domain::api::ProblemCode;
use entitle_domain::api::{PriceEntry, ProductInput};
use entitle_domain::{AccountKind, Currency, Cycle, ProductKind, Region};

use crate::accounts::account_with_key;
use crate::on_both_databases;

fn price(cycle: Option<Cycle>, currency: Currency, amount: &str) -> PriceEntry {
    PriceEntry {
        cycle,
        currency,
        amount: amount.parse().expect("amount"),
    }
}

pub fn backup_product(amount: &str) -> ProductInput {
    let prices = vec![
        price(Some(Cycle::Month), Currency::Usd, amount),
        price(Some(Cycle::Month), Currency::Cny, "88.00"),
    ];
    ProductInput::new("backup", "Cloud Backup", ProductKind::Term, prices)
}

on_both_databases! {
    async fn the_default_catalog_is_seeded_with_prices_in_both_currencies(app) {
        let (_, customer) = account_with_key(&app, "Reader", AccountKind::Individual, Region::Cn).await;
        let products = customer.list_products().await.expect("catalog");
        let codes: Vec<&str> = products.iter().map(|p| p.code.as_str()).collect();
        for code in ["dr", "failback", "premium", "premium_plus", "enterprise"] {
            assert!(codes.contains(&code), "{code} missing from {codes:?}");
        }
        for product in &products {
            for currency in Currency::ALL {
                let of = |cycle| {
                    product
                        .prices
                        .iter()
                        .find(|p| p.cycle == cycle && p.currency == currency)
                        .map(|p| p.amount.value())
                };
                match product.kind {
                    ProductKind::Term => {
                        let monthly = of(Some(Cycle::Month)).expect("monthly price");
                        assert_eq!(of(Some(Cycle::Year)), Some(monthly * rust_decimal::Decimal::from(10)));
                    }
                    ProductKind::OneTime => assert!(of(None).is_some()),
                }
            }
        }
        let failback = customer.get_product("failback").await.expect("failback");
        assert_eq!(failback.validity_months, Some(3).into());
        assert!(!failback.auto_renewable);
        let dr = customer.get_product("dr").await.expect("dr");
        assert_eq!(dr.bonus.map(|b| b.product), Some("failback".to_owned()));
        let enterprise = customer.get_product("enterprise").await.expect("enterprise");
        assert!(enterprise.seat_based);
        assert_eq!(enterprise.account_kind, Some(AccountKind::Enterprise));
    }

    async fn an_admin_creates_and_updates_a_product(app) {
        let created = app.admin.create_product(&backup_product("12.50")).await.expect("create");
        let annual = created
            .prices
            .iter()
            .find(|p| p.cycle == Some(Cycle::Year) && p.currency == Currency::Usd)
            .expect("annual price defaulted");
        assert_eq!(annual.amount.to_string(), "125.00");
        assert_eq!(app.admin.get_product("backup").await.expect("read back"), created);

        let again = app.admin.create_product(&backup_product("12.50")).await.expect_err("exists");
        assert_eq!(again.code(), Some(ProblemCode::ProductExists));

        let mut changed = backup_product("15.00");
        changed.name = "Cloud Backup 2".to_owned();
        let updated = app.admin.update_product("backup", &changed).await.expect("update");
        assert_eq!(updated.name, "Cloud Backup 2");
        assert_eq!(app.admin.get_product("backup").await.expect("read back"), updated);

        let renamed = app.admin.update_product("other", &changed).await.expect_err("code differs");
        assert_eq!(renamed.code(), Some(ProblemCode::ValidationFailed));
        let missing = app.admin.get_product("nothing").await.expect_err("missing");
        assert_eq!(missing.code(), Some(ProblemCode::NotFound));
    }

    async fn large_amounts_with_cents_round_trip_exactly(app) {
        let big = "123456789012345.67";
        app.admin.create_product(&backup_product(big)).await.expect("create");
        let stored = app.admin.get_product("backup").await.expect("read back");
        let monthly = stored
            .prices
            .iter()
            .find(|p| p.cycle == Some(Cycle::Month) && p.currency == Currency::Usd)
            .expect("monthly");
        assert_eq!(monthly.amount.to_string(), big);
        let annual = stored
            .prices
            .iter()
            .find(|p| p.cycle == Some(Cycle::Year) && p.currency == Currency::Usd)
            .expect("annual");
        assert_eq!(annual.amount.to_string(), "1234567890123456.70");
    }

    async fn account_keys_cannot_edit_the_catalog(app) {
        let (_, customer) = account_with_key(&app, "Customer", AccountKind::Individual, Region::Intl).await;
        let refused = customer.create_product(&backup_product("1.00")).await.expect_err("admin only");
        assert_eq!(refused.code(), Some(ProblemCode::Forbidden));
    }

    async fn invalid_product_definitions_are_refused(app) {
        let mut bad_code = backup_product("1.00");
        bad_code.code = "Bad Code".to_owned();
        let mut one_time_without_validity = backup_product("1.00");
        one_time_without_validity.kind = ProductKind::OneTime;
        let mut negative = backup_product("1.00");
        negative.prices[0].amount = "-1.00".parse().expect("amount");
        let mut unknown_bonus = backup_product("1.00");
        unknown_bonus.bonus = Some(entitle_domain::api::Bonus {
            product: "nothing".to_owned(),
            per_unit: 1,
        });
        for input in [bad_code, one_time_without_validity, negative, unknown_bonus] {
            let refused = app.admin.create_product(&input).await.expect_err("invalid");
            assert_eq!(refused.code(), Some(ProblemCode::ValidationFailed), "{input:?}");
        }
    }
}
