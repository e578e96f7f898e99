//! Stored admin keys (issue 17): created, listed, rotated and revoked like an account's keys,
//! so that the bootstrap key can be retired; and a bootstrap key too short to be safe is
//! refused at start.

use entitle_domain::AccountKind;
use entitle_domain::Region;
use entitle_domain::account::KeyRole;
use entitle_domain::api::ProblemCode;
use entitle_domain::clock::OffsetClock;
use entitle_server::{AppState, Config, StartError};

use crate::accounts::{account_with_key, key_named as named};
use crate::harness::{ADMIN_KEY, SANDBOX_SECRET};
use crate::on_both_databases;

on_both_databases! {
    async fn admin_keys_are_created_listed_rotated_and_revoked(app) {
        assert!(app.admin.list_admin_api_keys().await.expect("list").items.is_empty());
        let made = app.admin.create_admin_api_key(&named("ops")).await.expect("create");
        assert!(made.key.starts_with(&made.prefix) && made.key.starts_with("ent_"));
        let ops = app.admin.with_key(&made.key);
        let me = ops.who_am_i().await.expect("who am i");
        assert_eq!((me.role, *me.account_id), (KeyRole::Admin, None));
        ops.list_accounts(None, None).await.expect("an admin's operation");

        let listed = ops.list_admin_api_keys().await.expect("list").items;
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].id, listed[0].prefix.as_str()), (made.id, made.prefix.as_str()));
        let json = serde_json::to_string(&listed).expect("json");
        assert!(!json.contains(&made.key), "a listing never shows a secret");

        let rotated = ops.rotate_api_key(made.id).await.expect("rotate");
        assert_ne!(rotated.id, made.id);
        assert_eq!(rotated.name, "ops");
        assert_eq!(
            ops.who_am_i().await.expect_err("the old key stops at once").code(),
            Some(ProblemCode::Unauthorized)
        );
        let fresh = app.admin.with_key(&rotated.key);
        assert_eq!(fresh.who_am_i().await.expect("the new key works").role, KeyRole::Admin);
        let revoked = fresh.revoke_api_key(rotated.id).await.expect("revoke");
        assert!(revoked.revoked_at.is_some());
        assert_eq!(
            fresh.who_am_i().await.expect_err("revoked").code(),
            Some(ProblemCode::Unauthorized)
        );
        let keys = app.admin.list_admin_api_keys().await.expect("list").items;
        assert_eq!(keys.len(), 2);
        assert!(keys.iter().all(|k| k.revoked_at.is_some()));
    }

    async fn account_keys_cannot_make_see_or_touch_admin_keys(app) {
        let made = app.admin.create_admin_api_key(&named("ops")).await.expect("create");
        let (account, customer) =
            account_with_key(&app, "Curious", AccountKind::Individual, Region::Intl).await;
        let refused = customer.create_admin_api_key(&named("mine")).await.expect_err("create");
        assert_eq!(refused.status().map(|s| s.as_u16()), Some(403));
        let refused = customer.list_admin_api_keys().await.expect_err("list");
        assert_eq!(refused.status().map(|s| s.as_u16()), Some(403));
        for hidden in [
            customer.rotate_api_key(made.id).await.expect_err("rotate"),
            customer.revoke_api_key(made.id).await.expect_err("revoke"),
        ] {
            assert_eq!(hidden.code(), Some(ProblemCode::NotFound), "an admin key's existence is hidden");
        }
        let own = customer.list_api_keys(account.id).await.expect("own keys").items;
        assert!(own.iter().all(|k| k.id != made.id), "admin keys are no account's");
        assert!(
            app.admin.list_admin_api_keys().await.expect("list").items.iter().all(|k| k.revoked_at.is_none()),
            "nothing was revoked"
        );
    }

    async fn a_stored_admin_key_keeps_working_once_the_bootstrap_key_is_retired(app) {
        let made = app.admin.create_admin_api_key(&named("ops")).await.expect("create");
        let retired = app
            .another_instance_with(|config| config.bootstrap_admin_key = None)
            .await;
        assert_eq!(
            retired.admin.who_am_i().await.expect_err("the bootstrap key is gone").code(),
            Some(ProblemCode::Unauthorized)
        );
        let ops = retired.admin.with_key(&made.key);
        assert_eq!(ops.who_am_i().await.expect("the stored key").role, KeyRole::Admin);
        let made_there = ops.create_admin_api_key(&named("second")).await.expect("create");
        assert_eq!(ops.list_admin_api_keys().await.expect("list").items.len(), 2);
        assert_ne!(made_there.id, made.id);
    }
}

async fn start_with_bootstrap_key(key: &str) -> Result<AppState, StartError> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}/entitle.db?mode=rwc", dir.path().display());
    let mut config = Config::new(&url, "http://127.0.0.1:1", SANDBOX_SECRET);
    config.bootstrap_admin_key = Some(key.to_owned());
    let started = AppState::new(config, OffsetClock::default()).await;
    assert_eq!(
        dir.path().join("entitle.db").exists(),
        started.is_ok(),
        "a refused key is refused before the database is opened"
    );
    started
}

#[tokio::test]
async fn a_bootstrap_key_under_32_characters_is_refused_at_start() {
    let refused = start_with_bootstrap_key(&"k".repeat(31)).await;
    match refused {
        Err(StartError::WeakBootstrapKey { length }) => assert_eq!(length, 31),
        other => panic!(
            "a 31-character key must be refused: {:?}",
            other.map(|_| ())
        ),
    }
    let said = start_with_bootstrap_key("admin-secret")
        .await
        .map(|_| ())
        .expect_err("refused")
        .to_string();
    assert!(
        said.contains("at least 32") && said.contains("/v1/admin/api-keys"),
        "{said}"
    );
    assert!(
        start_with_bootstrap_key(&"k".repeat(32)).await.is_ok(),
        "32 is enough"
    );
    assert!(ADMIN_KEY.len() >= 32, "the tests' own key is long enough");
}
