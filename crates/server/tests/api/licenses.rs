//! What customers do with licenses (DESIGN.md §3): consume one-time licenses once, activate
//! host-bound ones on one host at a time, and find them by product, status, source, expiry.

use chrono::Duration;
use entitle_client::LicenseQuery;
use entitle_domain::api::ProblemCode;
use entitle_domain::licenses::{LicenseSource, LicenseStatus};
use entitle_domain::{AccountKind, Cycle, PaymentMethod, Region};

use crate::accounts::account_with_key;
use crate::on_both_databases;
use crate::purchase::{buy, purchase};

on_both_databases! {
    async fn a_failback_license_is_consumed_once_and_not_after_it_expires(app) {
        let (account, client) = account_with_key(&app, "Runner", AccountKind::Individual, Region::Cn).await;
        buy(&app, &client, account.id, &purchase("failback", None, 2, PaymentMethod::Alipay)).await;
        let licenses = client.list_licenses(account.id, &LicenseQuery::default()).await.expect("licenses").items;
        assert_eq!(licenses.len(), 2);

        let consumed = client.consume_license(licenses[0].id, "failback-run-42").await.expect("consume");
        assert_eq!(consumed.status, LicenseStatus::Consumed);
        assert_eq!(consumed.consumed_reference.as_deref(), Some("failback-run-42"));
        assert!(consumed.consumed_at.is_some());
        let twice = client.consume_license(licenses[0].id, "failback-run-43").await.expect_err("twice");
        assert_eq!(twice.status().map(|s| s.as_u16()), Some(409));
        assert_eq!(twice.code(), Some(ProblemCode::LicenseAlreadyConsumed));

        app.clock.advance(Duration::days(95));
        let late = client.consume_license(licenses[1].id, "failback-run-44").await.expect_err("expired");
        assert_eq!(late.code(), Some(ProblemCode::LicenseExpired));
        assert_eq!(client.get_license(licenses[1].id).await.expect("license").status, LicenseStatus::Expired);
        assert_eq!(
            client.get_license(licenses[0].id).await.expect("license").status,
            LicenseStatus::Consumed,
            "a consumed license stays consumed"
        );
    }

    async fn a_dr_license_lives_on_one_host_at_a_time(app) {
        let (account, client) = account_with_key(&app, "Hosts", AccountKind::Individual, Region::Intl).await;
        buy(&app, &client, account.id, &purchase("dr", Some(Cycle::Month), 1, PaymentMethod::Paypal)).await;
        let dr = client
            .list_licenses(account.id, &LicenseQuery { product: Some("dr".to_owned()), ..LicenseQuery::default() })
            .await
            .expect("licenses")
            .items
            .remove(0);
        let on_a = client.activate_license(dr.id, "db-a.example.com").await.expect("activate");
        assert_eq!(on_a.host.as_deref(), Some("db-a.example.com"));
        let elsewhere = client.activate_license(dr.id, "db-b").await.expect_err("elsewhere");
        assert_eq!(elsewhere.code(), Some(ProblemCode::LicenseActiveElsewhere));
        assert!(client.activate_license(dr.id, "db-a.example.com").await.is_ok(), "same host again");
        let freed = client.deactivate_license(dr.id).await.expect("deactivate");
        assert_eq!(freed.host, None.into());
        assert_eq!(client.activate_license(dr.id, "db-b").await.expect("move").host.as_deref(), Some("db-b"));
        let bad = client.activate_license(dr.id, "no spaces allowed").await.expect_err("bad host");
        assert_eq!(bad.code(), Some(ProblemCode::ValidationFailed));
        let not_one_time = client.consume_license(dr.id, "run").await.expect_err("term license");
        assert_eq!(not_one_time.code(), Some(ProblemCode::LicenseNotConsumable));
    }

    async fn licenses_are_found_by_product_status_source_and_expiry(app) {
        let (account, client) = account_with_key(&app, "Finder", AccountKind::Individual, Region::Cn).await;
        buy(&app, &client, account.id, &purchase("dr", Some(Cycle::Year), 2, PaymentMethod::Alipay)).await;
        buy(&app, &client, account.id, &purchase("failback", None, 1, PaymentMethod::Alipay)).await;
        let query = |q: LicenseQuery| {
            let client = client.clone();
            async move { client.list_licenses(account.id, &q).await.expect("licenses").items }
        };
        assert_eq!(query(LicenseQuery { product: Some("failback".to_owned()), ..Default::default() }).await.len(), 3);
        assert_eq!(query(LicenseQuery { source: Some(LicenseSource::Bonus), ..Default::default() }).await.len(), 2);
        let soon = chrono::Utc::now() + Duration::days(120);
        assert_eq!(query(LicenseQuery { expiring_before: Some(soon), ..Default::default() }).await.len(), 1);
        assert_eq!(query(LicenseQuery { status: Some(LicenseStatus::Active), ..Default::default() }).await.len(), 5);
        let pages = query(LicenseQuery { limit: Some(2), ..Default::default() }).await;
        assert_eq!(pages.len(), 2);

        let summary = client.account_summary(account.id).await.expect("summary");
        let counts: Vec<(String, u64)> =
            summary.active_licenses.iter().map(|c| (c.product.clone(), c.count)).collect();
        assert_eq!(counts, vec![("dr".to_owned(), 2), ("failback".to_owned(), 3)]);
        assert_eq!(summary.expiring_within_30_days, 0);
        assert_eq!(summary.unpaid_orders, 0);

        app.clock.advance(Duration::days(100));
        assert_eq!(query(LicenseQuery { status: Some(LicenseStatus::Expired), ..Default::default() }).await.len(), 1);
        assert_eq!(query(LicenseQuery { status: Some(LicenseStatus::Active), ..Default::default() }).await.len(), 4);
    }
}
