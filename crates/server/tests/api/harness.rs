//! Starts the real server on an ephemeral port against a fresh database, and hands the test a
//! client for it. Each scenario runs on SQLite and, when `ENTITLE_TEST_POSTGRES_URL` is set, on
//! PostgreSQL, each test in a database of its own so tests run in parallel.
//!
//! PostgreSQL databases are copies of a template migrated once per schema version
//! (`CREATE DATABASE … TEMPLATE …`), dropped when the test ends, pass or fail.

use std::future::Future;

use chrono::{DateTime, Utc};
use entitle_client::Client;
use entitle_domain::Clock;
use entitle_domain::clock::OffsetClock;
use entitle_migration::{Migrator, MigratorTrait};
use entitle_server::payments::sandbox::SandboxProvider;
use entitle_server::{AppState, Config};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The admin key every test server accepts (the bootstrap key).
pub const ADMIN_KEY: &str = "test-admin-key-0123456789abcdef01234";
/// The secret the test server's sandbox signs callbacks with.
pub const SANDBOX_SECRET: &str = "test-sandbox-secret";
const POSTGRES_ENV: &str = "ENTITLE_TEST_POSTGRES_URL";

/// Which database a scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub base_url: String,
    /// A client with the admin key.
    pub admin: Client,
    /// Plain HTTP, for requests the typed client would never send.
    pub http: reqwest::Client,
    /// The server's database, for arranging what the API cannot create yet.
    pub db: DatabaseConnection,
    /// The server's clock, movable.
    pub clock: OffsetClock,
    /// The server's sandbox payment provider (test mode only; `None` in live mode).
    pub payments: Option<Arc<SandboxProvider>>,
    database_url: String,
}

impl TestApp {
    /// An absolute URL on the server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The OpenAPI document the server serves at `/openapi.json`.
    pub async fn served_spec(&self) -> serde_json::Value {
        self.http
            .get(self.url("/openapi.json"))
            .send()
            .await
            .expect("request the spec")
            .json()
            .await
            .expect("the spec is JSON")
    }

    /// A second server on the same database and the same clock: another instance behind a
    /// load balancer, or this one restarted.
    pub async fn another_instance(&self) -> TestApp {
        self.another_instance_with(|_| {}).await
    }

    /// Another server on the same database and clock, configured by `configure`.
    pub async fn another_instance_with(&self, configure: impl FnOnce(&mut Config)) -> TestApp {
        start_with(&self.database_url, self.clock.clone(), configure).await
    }
}

/// Moves the server's clock to `at` plus a minute (so that what falls due at `at` is due),
/// through the admin API as an operator would; a clock already a minute or more past `at`
/// stays where it is.
pub async fn move_to(app: &TestApp, at: DateTime<Utc>) {
    let seconds = (at - app.clock.now()).num_seconds() + 60;
    if seconds > 0 {
        app.admin
            .advance_clock(&format!("PT{seconds}S"))
            .await
            .expect("advance the clock");
    }
}

/// Runs `scenario` against a fresh server on `backend`.
pub async fn run<F, Fut>(backend: Backend, scenario: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_with(backend, |_| {}, scenario).await;
}

/// Runs `scenario` against a fresh server on `backend`, its configuration changed by
/// `configure` before it starts (live mode, real providers pointed at local fakes, …).
pub async fn run_with<F, Fut>(backend: Backend, configure: impl FnOnce(&mut Config), scenario: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temporary directory");
            let url = format!("sqlite://{}/entitle.db?mode=rwc", dir.path().display());
            let app = start_with(&url, OffsetClock::default(), configure).await;
            scenario(app).await;
        }
        Backend::Postgres => {
            let Ok(base) = std::env::var(POSTGRES_ENV) else {
                eprintln!("NOT RUN on PostgreSQL: set {POSTGRES_ENV} to run it");
                return;
            };
            let template = template(&base).await;
            let name = format!("entitle_t_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(&base)
                .await
                .expect("connect to PostgreSQL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                .await
                .expect("create the test database");
            let app = start_with(
                &with_database(&base, &name),
                OffsetClock::default(),
                configure,
            )
            .await;
            // Run in a task so that a failing scenario still lets the database be dropped.
            let outcome = tokio::spawn(scenario(app)).await;
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .expect("drop the test database");
            if let Err(failure) = outcome {
                std::panic::resume_unwind(failure.into_panic());
            }
        }
    }
}

async fn start_with(
    database_url: &str,
    clock: OffsetClock,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    let acceptor = entitle_server::bind("127.0.0.1:0").await.expect("bind");
    let addr = entitle_server::local_addr(&acceptor).expect("bound address");
    let base_url = format!("http://{addr}");
    let mut config = Config::new(database_url, &base_url, SANDBOX_SECRET);
    config.bootstrap_admin_key = Some(ADMIN_KEY.to_owned());
    // Tests run the jobs when they mean to, through the API.
    config.jobs_every = None;
    configure(&mut config);
    let state = AppState::new(config, clock.clone())
        .await
        .expect("open the database");
    let db = state.db.clone();
    let payments = state.payments.sandbox().cloned();
    tokio::spawn(entitle_server::serve(
        state,
        acceptor,
        std::future::pending(),
    ));
    TestApp {
        admin: Client::new(&base_url, ADMIN_KEY).expect("client"),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client"),
        base_url,
        db,
        clock,
        payments,
        database_url: database_url.to_owned(),
    }
}

/// `base` with its database name replaced by `name`.
fn with_database(base: &str, name: &str) -> String {
    let (url, query) = base
        .split_once('?')
        .map_or((base, None), |(u, q)| (u, Some(q)));
    let root = url.rsplit_once('/').map_or(url, |(root, _)| root);
    match query {
        Some(query) => format!("{root}/{name}?{query}"),
        None => format!("{root}/{name}"),
    }
}

/// The template database for the current schema, made once per schema version.
async fn template(base: &str) -> String {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let names: Vec<String> = Migrator::migrations()
                .iter()
                .map(|m| m.name().to_owned())
                .collect();
            let fingerprint = hex::encode(&Sha256::digest(names.join(",").as_bytes())[..6]);
            let name = format!("entitle_tpl_{fingerprint}");
            let admin = Database::connect(base)
                .await
                .expect("connect to PostgreSQL");
            let exists = admin
                .query_one_raw(sea_orm::Statement::from_string(
                    admin.get_database_backend(),
                    format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
                ))
                .await
                .expect("look for the template")
                .is_some();
            if !exists {
                // Built under a private name and renamed, so that concurrent test processes
                // never see a half-migrated template.
                let building = format!("{name}_{}", uuid::Uuid::new_v4().simple());
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {building}"))
                    .await
                    .expect("create the template");
                let db = Database::connect(&with_database(base, &building))
                    .await
                    .expect("connect to the template");
                Migrator::up(&db, None).await.expect("migrate the template");
                db.close().await.expect("close the template");
                let renamed = admin
                    .execute_unprepared(&format!("ALTER DATABASE {building} RENAME TO {name}"))
                    .await;
                if renamed.is_err() {
                    admin
                        .execute_unprepared(&format!("DROP DATABASE {building} WITH (FORCE)"))
                        .await
                        .expect("drop the spare template");
                }
            }
            name
        })
        .await
        .clone()
}

/// Declares scenarios that run once on SQLite and once on PostgreSQL:
///
/// ```ignore
/// on_both_databases! {
///     async fn name(app) { … }
/// }
/// ```
macro_rules! on_both_databases {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn scenario($app: $crate::harness::TestApp) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $crate::harness::run($crate::harness::Backend::Sqlite, scenario).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $crate::harness::run($crate::harness::Backend::Postgres, scenario).await;
                }
            }
        )*
    };
}
pub(crate) use on_both_databases;

/// [`on_both_databases!`] for scenarios that need something set up before the server starts
/// (local fakes of payment providers, say): `$setup` is an async expression giving a `Clone`
/// value with a `configure(&self, &mut Config)` method, which configures the server; the
/// scenario gets the value too.
///
/// ```ignore
/// on_both_databases_with! {
///     setup = Fakes::live();
///     async fn name(app, fakes: Fakes) { … }
/// }
/// ```
macro_rules! on_both_databases_with {
    (setup = $setup:expr; $(async fn $name:ident($app:ident, $ctx:ident: $ty:ty) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn scenario($app: $crate::harness::TestApp, $ctx: $ty) $body

                async fn on(backend: $crate::harness::Backend) {
                    let ctx: $ty = $setup.await;
                    let settings = ctx.clone();
                    $crate::harness::run_with(
                        backend,
                        move |config| settings.configure(config),
                        move |app| scenario(app, ctx),
                    )
                    .await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    on($crate::harness::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    on($crate::harness::Backend::Postgres).await;
                }
            }
        )*
    };
}
pub(crate) use on_both_databases_with;
