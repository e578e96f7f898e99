//! Accounts and API keys: who may see and do what (DESIGN.md §2, §7).

use entitle_client::Client;
use entitle_domain::account::KeyRole;
use entitle_domain::api::ProblemCode;
use entitle_domain::api::{AccountInput, ApiKeyInput, CreatedApiKey};
use entitle_domain::{AccountKind, Currency, PaymentMethod, Region};
use entitle_server::auth::cache::KeyCache;

use crate::on_both_databases;

pub fn new_account(name: &str, kind: AccountKind, region: Region) -> AccountInput {
    AccountInput {
        name: name.to_owned(),
        kind,
        region,
        email: None,
        language: None,
    }
}

/// A new API key's request: only its name is chosen.
pub fn key_named(name: &str) -> ApiKeyInput {
    ApiKeyInput {
        name: name.to_owned(),
    }
}

/// Registers an account and returns it with a client holding its own key.
pub async fn account_with_key(
    app: &crate::harness::TestApp,
    name: &str,
    kind: AccountKind,
    region: Region,
) -> (entitle_domain::api::Account, Client) {
    let (account, key) = account_with_named_key(app, name, kind, region, "console").await;
    (account, app.admin.with_key(&key.key))
}

/// Registers an account and gives it an API key named `key_name`, both by the admin; returns
/// the key as created (its secret shown this once), for the scenarios about keys themselves.
pub async fn account_with_named_key(
    app: &crate::harness::TestApp,
    name: &str,
    kind: AccountKind,
    region: Region,
    key_name: &str,
) -> (entitle_domain::api::Account, CreatedApiKey) {
    let account = app
        .admin
        .create_account(&new_account(name, kind, region))
        .await
        .expect("create account");
    let key = app
        .admin
        .create_api_key(account.id, &key_named(key_name))
        .await
        .expect("create key");
    (account, key)
}

on_both_databases! {
    async fn an_account_takes_its_region_currency_and_methods(app) {
        let cn = app
            .admin
            .create_account(&new_account("Acme Shanghai", AccountKind::Individual, Region::Cn))
            .await
            .expect("create");
        assert_eq!(cn.currency, Currency::Cny);
        assert_eq!(cn.payment_methods, vec![PaymentMethod::Alipay, PaymentMethod::WechatPay]);
        let intl = app
            .admin
            .create_account(&new_account("Acme Berlin", AccountKind::Enterprise, Region::Intl))
            .await
            .expect("create");
        assert_eq!(intl.currency, Currency::Usd);
        assert_eq!(intl.kind, AccountKind::Enterprise);
        assert_eq!(app.admin.get_account(cn.id).await.expect("get"), cn);
    }

    async fn accounts_are_listed_in_pages_oldest_first(app) {
        let mut created = Vec::new();
        for n in 0..5 {
            let account = app
                .admin
                .create_account(&new_account(&format!("Customer {n}"), AccountKind::Individual, Region::Intl))
                .await
                .expect("create");
            created.push(account.id);
        }
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = app.admin.list_accounts(Some(2), cursor.as_deref()).await.expect("page");
            assert!(page.items.len() <= 2);
            seen.extend(page.items.iter().map(|a| a.id));
            match page.next_cursor.0 {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, created);
        let too_many = app.admin.list_accounts(Some(201), None).await.expect_err("refused");
        assert_eq!(too_many.status().map(|s| s.as_u16()), Some(400));
        assert_eq!(too_many.code(), Some(ProblemCode::ValidationFailed));
    }

    async fn an_account_key_sees_its_own_account_and_nothing_else(app) {
        let (own, client) =
            account_with_key(&app, "Own", AccountKind::Individual, Region::Cn).await;
        let me = client.who_am_i().await.expect("me");
        assert_eq!((me.role, *me.account_id), (KeyRole::Account, Some(own.id)));
        assert_eq!(app.admin.who_am_i().await.expect("me").role, KeyRole::Admin);
        let (other, _) =
            account_with_key(&app, "Other", AccountKind::Individual, Region::Cn).await;
        assert_eq!(client.get_account(own.id).await.expect("own account").id, own.id);

        let hidden = client.get_account(other.id).await.expect_err("hidden");
        assert_eq!(hidden.code(), Some(ProblemCode::NotFound));
        assert_eq!(hidden.status().map(|s| s.as_u16()), Some(404));

        let listing = client.list_accounts(None, None).await.expect_err("admin only");
        assert_eq!(listing.code(), Some(ProblemCode::Forbidden));
        let creating = client
            .create_account(&new_account("Mine", AccountKind::Individual, Region::Cn))
            .await
            .expect_err("admin only");
        assert_eq!(creating.code(), Some(ProblemCode::Forbidden));
        let key = client
            .create_api_key(own.id, &key_named("more"))
            .await
            .expect_err("admin only");
        assert_eq!(key.code(), Some(ProblemCode::Forbidden));
    }

    async fn unknown_keys_are_refused_with_a_problem(app) {
        let stranger = app.admin.with_key("ent_0000000000000000");
        let refused = stranger.list_products().await.expect_err("refused");
        assert_eq!(refused.status().map(|s| s.as_u16()), Some(401));
        assert_eq!(refused.code(), Some(ProblemCode::Unauthorized));

        let response = app.http.get(app.url("/v1/catalog/products")).send().await.expect("request");
        assert_eq!(response.status(), 401);
        assert_eq!(
            response.headers()["content-type"].to_str().expect("header"),
            "application/problem+json"
        );
    }

    async fn a_key_is_shown_once_and_stored_only_as_a_hash(app) {
        use sea_orm::{ConnectionTrait, Statement};

        let (account, key) =
            account_with_named_key(&app, "Keyed", AccountKind::Individual, Region::Intl, "integration").await;
        assert!(key.key.starts_with(&key.prefix));
        let rows = app
            .db
            .query_all_raw(Statement::from_string(
                app.db.get_database_backend(),
                "SELECT prefix, key_hash FROM api_keys",
            ))
            .await
            .expect("read keys");
        assert_eq!(rows.len(), 1);
        let stored_hash: String = rows[0].try_get("", "key_hash").expect("hash");
        assert_ne!(stored_hash, key.key);
        assert!(!stored_hash.contains(&key.key[4..]));
        assert_eq!(
            app.admin.with_key(&key.key).get_account(account.id).await.expect("works").id,
            account.id
        );
    }

    async fn keys_are_listed_by_prefix_rotated_and_revoked_at_once(app) {
        let (account, client) = account_with_key(&app, "Rotating", AccountKind::Individual, Region::Cn).await;
        let listed = client.list_api_keys(account.id).await.expect("keys").items;
        assert_eq!(listed.len(), 1);
        assert!(listed[0].prefix.starts_with("ent_"));
        assert_eq!(listed[0].revoked_at, None.into());

        let rotated = client.rotate_api_key(listed[0].id).await.expect("rotate");
        assert_ne!(rotated.id, listed[0].id);
        let old = client.get_account(account.id).await.expect_err("the old key stops at once");
        assert_eq!(old.code(), Some(ProblemCode::Unauthorized));
        let fresh = app.admin.with_key(&rotated.key);
        assert_eq!(fresh.get_account(account.id).await.expect("the new key works").id, account.id);

        let revoked = fresh.revoke_api_key(rotated.id).await.expect("revoke");
        assert!(revoked.revoked_at.is_some());
        assert_eq!(
            fresh.get_account(account.id).await.expect_err("revoked").code(),
            Some(ProblemCode::Unauthorized)
        );
        let keys = app.admin.list_api_keys(account.id).await.expect("keys").items;
        assert_eq!(keys.len(), 2);
        assert!(keys.iter().all(|k| k.revoked_at.is_some()));
        let json = serde_json::to_string(&keys).expect("json");
        assert!(!json.contains(&rotated.key), "a listing never shows a secret");

        let (_, other) = account_with_key(&app, "Other", AccountKind::Individual, Region::Cn).await;
        let hidden = other.revoke_api_key(keys[0].id).await.expect_err("another account's key");
        assert_eq!(hidden.code(), Some(ProblemCode::NotFound));
    }

    async fn another_instance_honours_a_revocation_within_the_key_cache_ttl(app) {
        let (account, key) =
            account_with_named_key(&app, "Cached", AccountKind::Individual, Region::Cn, "cached").await;
        let here = app.admin.with_key(&key.key);
        let other = app.another_instance().await;
        let there = other.admin.with_key(&key.key);
        there.get_account(account.id).await.expect("verified, and now cached there");

        here.revoke_api_key(key.id).await.expect("revoke on the first instance");
        assert_eq!(
            here.get_account(account.id).await.expect_err("revoked here").code(),
            Some(ProblemCode::Unauthorized),
            "the instance that revoked forgets the key at once"
        );
        tokio::time::sleep(KeyCache::TTL + std::time::Duration::from_millis(100)).await;
        assert_eq!(
            there.get_account(account.id).await.expect_err("revoked there").code(),
            Some(ProblemCode::Unauthorized),
            "another instance honours the revocation once its cache entry is older than the TTL"
        );
    }

    async fn blank_names_are_refused(app) {
        let refused = app
            .admin
            .create_account(&new_account("   ", AccountKind::Individual, Region::Cn))
            .await
            .expect_err("blank");
        assert_eq!(refused.code(), Some(ProblemCode::ValidationFailed));
    }
}
