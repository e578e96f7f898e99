//! A change and its audit entry are one transaction (DESIGN.md §7): with the audit table
//! unwritable, none of the changes issue 17 names — accounts, catalog, webhook endpoints, keys,
//! clock moves, admin job runs — is made.

use entitle_domain::api::WebhookEndpointInput;
use entitle_domain::{AccountKind, Region};
use sea_orm::{ConnectionTrait, Statement};

use crate::accounts::{account_with_key, key_named, new_account};
use crate::catalog::backup_product;
use crate::harness::TestApp;
use crate::on_both_databases;

async fn execute(app: &TestApp, sql: &str) {
    app.db
        .execute_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .expect(sql);
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let row = app
        .db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .expect(sql)
        .expect("a row");
    row.try_get_by_index(0).expect("a count")
}

/// What the refused changes would have touched.
async fn state(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM accounts",
        "SELECT COUNT(*) FROM products WHERE code = 'backup'",
        "SELECT COUNT(*) FROM webhook_endpoints",
        "SELECT COUNT(*) FROM api_keys",
        "SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NOT NULL",
        "SELECT COUNT(*) FROM job_runs WHERE last_started_at IS NOT NULL",
    ] {
        counts.push(count(app, sql).await);
    }
    counts
}

on_both_databases! {
    async fn a_change_whose_audit_entry_cannot_be_written_is_not_made(app) {
        let (account, customer) =
            account_with_key(&app, "Kept", AccountKind::Individual, Region::Intl).await;
        let key = customer.list_api_keys(account.id).await.expect("keys").items.remove(0);
        let before = state(&app).await;
        let clock_before = app.admin.clock().await.expect("clock").offset_seconds;

        execute(&app, "ALTER TABLE audit_events RENAME TO audit_events_away").await;
        let name = || key_named("refused");
        let failures = [
            app.admin
                .create_account(&new_account("Refused", AccountKind::Individual, Region::Cn))
                .await
                .map(|_| ()),
            app.admin.create_product(&backup_product("9.00")).await.map(|_| ()),
            app.admin
                .create_webhook_endpoint(&WebhookEndpointInput {
                    url: "https://hooks.example.com/refused".to_owned(),
                    events: vec!["*".to_owned()],
                    secret: "whsec-0123456789abcdef".to_owned(),
                })
                .await
                .map(|_| ()),
            app.admin.create_admin_api_key(&name()).await.map(|_| ()),
            app.admin.create_api_key(account.id, &name()).await.map(|_| ()),
            app.admin.rotate_api_key(key.id).await.map(|_| ()),
            app.admin.revoke_api_key(key.id).await.map(|_| ()),
            app.admin.advance_clock("P1D").await.map(|_| ()),
            app.admin.run_job("expiry").await.map(|_| ()),
        ];
        execute(&app, "ALTER TABLE audit_events_away RENAME TO audit_events").await;

        for (n, failure) in failures.into_iter().enumerate() {
            let err = failure.expect_err("no audit entry, no change");
            assert_eq!(err.status().map(|s| s.as_u16()), Some(500), "change {n}: {err:?}");
        }
        assert_eq!(state(&app).await, before, "nothing was stored");
        assert_eq!(
            app.admin.clock().await.expect("clock").offset_seconds,
            clock_before,
            "the clock did not move"
        );
        customer.get_account(account.id).await.expect("the key was neither rotated nor revoked");
    }
}
