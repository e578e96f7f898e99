//! `entitle demo`: a server on a fresh SQLite database in a temporary directory, the demo
//! catalog and two demo accounts, and the console attached to it over HTTP exactly as it
//! would be to a remote server.
//!
//! The accounts: "Demo Shanghai" (`cn`, individual) with a paid Premium and three monthly DR
//! licenses on auto-renew, whose console opens (with the demo's admin key, so the sandbox
//! clock and the jobs are at hand); "Demo Berlin" (`intl`, enterprise) with ten Enterprise
//! seats. Purchases go through the real order flow and the sandbox's hosted page, paid with
//! the Shanghai account's own key.

use anyhow::Context;
use entitle_client::Client;
use entitle_domain::api::{
    AccountInput, ApiKeyInput, OrderRequest, PaymentChoice, PurchaseOrder, PurchaseRequest,
};
use entitle_domain::{AccountKind, Cycle, PaymentMethod, Region};
use entitle_server::{AppState, Config};

/// What the demo set up.
pub struct Demo {
    pub base_url: String,
    /// The account the console opens on.
    pub console_account: uuid::Uuid,
    pub admin_key: String,
    /// Stops the server when sent.
    pub stop: tokio::sync::oneshot::Sender<()>,
    pub server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The database's directory, removed when dropped.
    pub dir: tempfile::TempDir,
}

/// Starts the demo server on a free port and seeds it.
pub async fn start() -> anyhow::Result<Demo> {
    let dir = tempfile::tempdir().context("creating the demo's directory")?;
    let acceptor = entitle_server::bind("127.0.0.1:0").await?;
    let addr = entitle_server::local_addr(&acceptor).context("no address bound")?;
    let base_url = format!("http://{addr}");
    let admin_key = format!("demo-admin-{}", uuid::Uuid::new_v4().simple());
    let database = format!("sqlite://{}/entitle.db?mode=rwc", dir.path().display());
    let mut config = Config::new(
        &database,
        &base_url,
        &uuid::Uuid::new_v4().simple().to_string(),
    );
    config.bootstrap_admin_key = Some(admin_key.clone());
    let state = AppState::with_system_clock(config)
        .await
        .context("opening the demo database")?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(entitle_server::serve(state, acceptor, async {
        let _ = stopped.await;
    }));
    let console_account = seed(&base_url, &admin_key).await?;
    Ok(Demo {
        base_url,
        console_account,
        admin_key,
        stop,
        server,
        dir,
    })
}

fn purchase(
    product: &str,
    cycle: Option<Cycle>,
    quantity: u32,
    method: PaymentMethod,
) -> OrderRequest {
    OrderRequest::Purchase(PurchaseOrder {
        item: PurchaseRequest {
            product: product.to_owned(),
            cycle,
            quantity,
            periods: 1,
        },
        auto_renew: cycle.map(|_| true),
        payment: PaymentChoice {
            payment_method: method,
            currency: None,
            return_url: None,
        },
    })
}

/// Buys `request` for `account` through the order flow and the sandbox's page.
async fn buy(client: &Client, account: uuid::Uuid, request: &OrderRequest) -> anyhow::Result<()> {
    let order = client
        .create_order(account, &uuid::Uuid::new_v4().to_string(), request)
        .await?;
    let checkout = order.checkout.context("the order has no checkout")?;
    client
        .complete_sandbox_checkout(&checkout.url, true)
        .await?;
    Ok(())
}

/// Creates the demo accounts and their purchases; returns the Shanghai account.
async fn seed(base_url: &str, admin_key: &str) -> anyhow::Result<uuid::Uuid> {
    let admin = Client::new(base_url, admin_key)?;
    let shanghai = admin
        .create_account(&AccountInput {
            name: "Demo Shanghai".to_owned(),
            kind: AccountKind::Individual,
            region: Region::Cn,
            email: Some("billing@shanghai.example".to_owned()),
            language: None,
        })
        .await?;
    let key = admin
        .create_api_key(
            shanghai.id,
            &ApiKeyInput {
                name: "demo console".to_owned(),
            },
        )
        .await?;
    let customer = admin.with_key(&key.key);
    buy(
        &customer,
        shanghai.id,
        &purchase("premium", Some(Cycle::Year), 1, PaymentMethod::Alipay),
    )
    .await?;
    buy(
        &customer,
        shanghai.id,
        &purchase("dr", Some(Cycle::Month), 3, PaymentMethod::Alipay),
    )
    .await?;

    let berlin = admin
        .create_account(&AccountInput {
            name: "Demo Berlin".to_owned(),
            kind: AccountKind::Enterprise,
            region: Region::Intl,
            email: Some("billing@berlin.example".to_owned()),
            language: None,
        })
        .await?;
    buy(
        &admin,
        berlin.id,
        &purchase("enterprise", Some(Cycle::Year), 10, PaymentMethod::Paypal),
    )
    .await?;
    Ok(shanghai.id)
}
