//! Crash safety: `entitle serve` killed with SIGKILL in the middle of a burst of payments and
//! in the middle of a renewal run, then started again on the same database. The reconcile job
//! asks the sandbox provider about the checkouts whose callbacks the server never
//! acknowledged, as it asks real providers. At
//! the end every payment the provider took is fulfilled exactly once, no license is granted
//! twice, and the audit log agrees.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};

const ADMIN: &str = "crash-admin-key-0123456789abcdef0123";
const SECRET: &str = "crash-sandbox-secret";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts `entitle serve` on `port` over the database in `dir`, and waits until it answers.
fn start(dir: &Path, port: u16) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_entitle"))
        .args([
            "serve",
            "--sandbox",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env(
            "ENTITLE_DATABASE_URL",
            format!("sqlite://{}/entitle.db?mode=rwc", dir.display()),
        )
        .env("ENTITLE_BOOTSTRAP_ADMIN_KEY", ADMIN)
        .env("ENTITLE_SANDBOX_SECRET", SECRET)
        .env("ENTITLE_JOBS_INTERVAL_SECONDS", "1")
        .env("ENTITLE_RECONCILE_AFTER_SECONDS", "0")
        .env("ENTITLE_RATE_LIMIT_PER_KEY", "0")
        .env("ENTITLE_RATE_LIMIT_PER_IP", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start entitle serve");
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn kill(mut child: Child) {
    // SIGKILL: no shutdown, no flush, nothing finished.
    let _ = child.kill();
    let _ = child.wait();
}

/// The payments the provider took whose orders are not paid (yet).
const TAKEN_BUT_UNPAID: &str = "SELECT COUNT(*) FROM sandbox_charges c JOIN orders o \
     ON o.id = c.order_id WHERE c.outcome = 'succeeded' AND o.status <> 'paid'";

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("a count")
}

/// Waits until every payment the provider took has fulfilled its order: those whose callback
/// the killed server never acknowledged are found by reconciliation.
async fn until_fulfilled(db: &DatabaseConnection) {
    let start = Instant::now();
    loop {
        let pending = count(db, TAKEN_BUT_UNPAID).await;
        if pending == 0 {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{pending} payments never fulfilled"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every payment the provider took is one paid order, its licenses granted once, and the
/// audit log says so.
async fn assert_exactly_once(db: &DatabaseConnection) {
    let taken = count(
        db,
        "SELECT COUNT(DISTINCT order_id) FROM sandbox_charges WHERE outcome = 'succeeded'",
    )
    .await;
    let charges = count(
        db,
        "SELECT COUNT(*) FROM sandbox_charges WHERE outcome = 'succeeded'",
    )
    .await;
    assert_eq!(charges, taken, "the provider never charged an order twice");
    let unpaid_but_taken = count(db, TAKEN_BUT_UNPAID).await;
    assert_eq!(unpaid_but_taken, 0, "every payment taken is fulfilled");
    let paid_without_payment = count(
        db,
        "SELECT COUNT(*) FROM orders o WHERE o.status = 'paid' AND o.type <> 'trial' AND NOT EXISTS \
         (SELECT 1 FROM sandbox_charges c WHERE c.order_id = o.id AND c.outcome = 'succeeded')",
    )
    .await;
    assert_eq!(
        paid_without_payment, 0,
        "nothing is fulfilled without a payment"
    );
    let paid = count(db, "SELECT COUNT(*) FROM orders WHERE status = 'paid'").await;
    let paid_events = count(
        db,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'order.paid'",
    )
    .await;
    assert_eq!(
        paid_events, paid,
        "one order.paid in the audit log per paid order"
    );
    let licenses = count(db, "SELECT COUNT(*) FROM licenses").await;
    let granted = count(
        db,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'license.granted'",
    )
    .await;
    assert_eq!(granted, licenses, "one license.granted per license");
}

async fn post(http: &reqwest::Client, url: String, key: &str, body: Value) -> Value {
    http.post(url)
        .bearer_auth(key)
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
        .json(&body)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

/// Pays a checkout on its page (as a browser does); the server may die meanwhile.
async fn pay(http: reqwest::Client, checkout: String) {
    let Ok(page) = http.get(&checkout).send().await else {
        return;
    };
    let Ok(html) = page.text().await else { return };
    if let Some(csrf) = entitle_client::sandbox_csrf(&html) {
        let _ = http
            .post(format!("{checkout}/pay"))
            .form(&[("outcome", "succeed"), ("csrf", csrf.as_str())])
            .send()
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_burst_and_mid_renewal_loses_no_payment_and_grants_nothing_twice() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("http");
    let server = start(dir.path(), port);

    let account = post(
        &http,
        format!("{base}/v1/accounts"),
        ADMIN,
        json!({"name": "Crashy", "kind": "individual", "region": "cn"}),
    )
    .await;
    let account = account["id"].as_str().expect("id").to_owned();
    let mut checkouts = Vec::new();
    for n in 0..40 {
        let product = if n % 2 == 0 {
            json!({"type": "purchase", "product": "failback", "quantity": 2, "payment_method": "alipay"})
        } else {
            json!({"type": "purchase", "product": "dr", "cycle": "month", "quantity": 1,
                   "auto_renew": true, "payment_method": "alipay"})
        };
        let order = post(
            &http,
            format!("{base}/v1/accounts/{account}/orders"),
            ADMIN,
            product,
        )
        .await;
        checkouts.push(
            order["checkout"]["url"]
                .as_str()
                .expect("checkout")
                .to_owned(),
        );
    }

    // A burst of payments, and the server killed in the middle of it.
    let burst: Vec<_> = checkouts
        .into_iter()
        .map(|url| tokio::spawn(pay(http.clone(), url)))
        .collect();
    tokio::time::sleep(Duration::from_millis(120)).await;
    kill(server);
    for payment in burst {
        let _ = payment.await;
    }

    let server = start(dir.path(), port);
    let db = Database::connect(format!("sqlite://{}/entitle.db", dir.path().display()))
        .await
        .expect("open the database");
    until_fulfilled(&db).await;
    assert_exactly_once(&db).await;
    let paid_dr = count(
        &db,
        "SELECT COUNT(*) FROM subscriptions WHERE status = 'active'",
    )
    .await;

    // A month later, a renewal run killed in the middle.
    post(
        &http,
        format!("{base}/v1/admin/clock"),
        ADMIN,
        json!({"advance": "P32D"}),
    )
    .await;
    let run = tokio::spawn({
        let http = http.clone();
        let base = base.clone();
        async move {
            http.post(format!("{base}/v1/admin/jobs/renewals/run"))
                .bearer_auth(ADMIN)
                .send()
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(80)).await;
    kill(server);
    let _ = run.await;

    // Back up: the clock is the machine's again, so move it past the renewal date once more,
    // and past the time a half-done renewal is taken for another server's work.
    let server = start(dir.path(), port);
    post(
        &http,
        format!("{base}/v1/admin/clock"),
        ADMIN,
        json!({"advance": "P32DT5M"}),
    )
    .await;
    let rerun = post(
        &http,
        format!("{base}/v1/admin/jobs/renewals/run"),
        ADMIN,
        json!({}),
    )
    .await;
    assert!(rerun["job"] == "renewals", "{rerun}");
    until_fulfilled(&db).await;
    assert_exactly_once(&db).await;
    let renewals = count(
        &db,
        "SELECT COUNT(*) FROM orders WHERE type = 'renewal' AND status = 'paid'",
    )
    .await;
    let per_term = count(
        &db,
        "SELECT COUNT(*) FROM (SELECT subscription_id, term_start FROM orders \
         WHERE type = 'renewal' AND status = 'paid' GROUP BY subscription_id, term_start HAVING COUNT(*) > 1) t",
    )
    .await;
    assert_eq!(per_term, 0, "no term renewed twice");
    assert!(
        renewals >= paid_dr,
        "every due subscription renewed: {renewals} of {paid_dr}"
    );
    kill(server);
}
