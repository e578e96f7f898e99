//! A license activated on a host before machines existed keeps its host after the upgrade
//! (m20261203_000014): one active machine, named by its host the way the older
//! `activate {host}` door names one.

use entitle_migration::Migrator;
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Database, Statement};
use sha2::{Digest, Sha256};
use uuid::Uuid;

#[tokio::test]
async fn hosts_activated_before_machines_become_active_machines() {
    let db = Database::connect("sqlite::memory:").await.expect("sqlite");
    Migrator::up(&db, Some(13))
        .await
        .expect("the migrations before machines");
    let at = chrono::Utc::now();
    let license = Uuid::now_v7();
    let account = Uuid::now_v7();
    let columns = [
        "id",
        "key",
        "account_id",
        "product_code",
        "source",
        "status",
        "valid_from",
        "valid_until",
        "host",
        "created_at",
        "updated_at",
    ];
    for (id, key, host) in [
        (license, "DR-HOSTED", Some("db-1.example.com")),
        (Uuid::now_v7(), "DR-FREE", None),
    ] {
        let insert = Query::insert()
            .into_table(Alias::new("licenses"))
            .columns(columns.map(Alias::new))
            .values_panic([
                id.into(),
                key.into(),
                account.into(),
                "dr".into(),
                "order".into(),
                "active".into(),
                at.into(),
                (at + chrono::Duration::days(30)).into(),
                host.map(str::to_owned).into(),
                at.into(),
                at.into(),
            ])
            .to_owned();
        db.execute(&insert).await.expect("a license");
    }

    Migrator::up(&db, None)
        .await
        .expect("the machines migration");
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT license_id, fingerprint, hostname, status, activated_by FROM machines",
        ))
        .await
        .expect("machines");
    assert_eq!(rows.len(), 1, "one machine, for the hosted license only");
    let row = &rows[0];
    let got = |column: &str| row.try_get::<String>("", column).expect(column);
    assert_eq!(
        row.try_get::<Uuid>("", "license_id").expect("license"),
        license
    );
    assert_eq!(got("hostname"), "db-1.example.com");
    assert_eq!(
        got("fingerprint"),
        hex::encode(Sha256::digest(b"host:db-1.example.com"))
    );
    assert_eq!(
        (got("status"), got("activated_by")),
        ("active".to_owned(), "operator".to_owned())
    );
}
