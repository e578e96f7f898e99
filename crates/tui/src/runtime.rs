//! The only part that touches the terminal and the network: it sets the terminal up (and
//! restores it, on panic too), turns terminal events, ticks and server replies into messages,
//! and carries out the commands `update` returns, each request on a task of its own.

mod operator;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, EventStream};
use entitle_client::{Client, ClientError, LicenseQuery};
use entitle_domain::account::KeyRole;
use entitle_domain::api::{Account, WhoAmI};
use futures_util::StreamExt;
use thiserror::Error;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::account::{invoices, licenses};
use crate::browser;
use crate::model::{Command, Model, Msg, Reply, Request};
use crate::theme::Theme;
use crate::update;
use crate::views;

/// How the console starts.
#[derive(Debug, Clone)]
pub struct Options {
    /// The server's base URL.
    pub server: String,
    pub api_key: String,
    /// The account an admin key opens on (default: the first account).
    pub account: Option<Uuid>,
    pub no_color: bool,
    /// Leave the mouse to the terminal (text selection) from the start.
    pub no_mouse: bool,
}

/// Why the console could not run.
#[derive(Debug, Error)]
pub enum TuiError {
    #[error("{0}")]
    Server(String),
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
}

/// A server error in the words the operator should see.
pub fn describe(err: &ClientError, server: &str) -> String {
    match err {
        ClientError::Api { problem, .. } => problem.detail.clone(),
        ClientError::Transport(e) if e.is_connect() || e.is_timeout() => {
            format!("cannot reach the server at {server}")
        }
        other => other.to_string(),
    }
}

/// The account this console shows: the key's own, or for an admin key the one asked for
/// (or the first).
async fn resolve_account(
    client: &Client,
    asked: Option<Uuid>,
) -> Result<(Account, WhoAmI), TuiError> {
    let server = client.base_url().to_owned();
    let failed = |e: ClientError| TuiError::Server(describe(&e, &server));
    let me = client.who_am_i().await.map_err(failed)?;
    let id = match (*me.account_id, asked) {
        (Some(own), _) => own,
        (None, Some(asked)) => asked,
        (None, None) => {
            let page = client.list_accounts(Some(1), None).await.map_err(failed)?;
            page.items
                .first()
                .map(|a| a.id)
                .ok_or_else(|| TuiError::Server("the server has no accounts yet".to_owned()))?
        }
    };
    Ok((client.get_account(id).await.map_err(failed)?, me))
}

/// Runs the console until the operator quits.
pub async fn run(options: Options) -> Result<(), TuiError> {
    let client = Client::new(&options.server, &options.api_key)
        .map_err(|e| TuiError::Server(e.to_string()))?;
    let (account, me) = resolve_account(&client, options.account).await?;
    let mut model = Model::new(
        account,
        &options.server,
        Theme::from_env(options.no_color),
        Utc::now(),
    );
    model.mouse = !options.no_mouse;
    model.can_launch_browser = browser::can_launch();
    model.admin = me.role == KeyRole::Admin;
    model.sandbox = me.sandbox;

    let mut terminal = ratatui::init();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
        ratatui::restore();
        previous(info);
    }));
    if model.mouse {
        crossterm::execute!(std::io::stdout(), EnableMouseCapture)?;
    }
    let result = event_loop(&mut terminal, &mut model, client).await;
    let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
    result
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    model: &mut Model,
    client: Client,
) -> Result<(), TuiError> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut events = EventStream::new();
    let mut ticker = tokio::time::interval(Duration::from_millis(250));
    let size = terminal.size()?;
    update::update(model, Msg::Resize(size.width, size.height));
    for command in update::start(model) {
        execute(command, model, &client, &tx);
    }
    loop {
        terminal.draw(|frame| views::draw(model, frame))?;
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => Msg::Key(key),
                Some(Ok(Event::Mouse(mouse))) => Msg::Mouse(mouse),
                Some(Ok(Event::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(err)) => return Err(err.into()),
                None => break,
            },
            Some(msg) = rx.recv() => msg,
            _ = ticker.tick() => Msg::Tick(Utc::now()),
        };
        for command in update::update(model, msg) {
            execute(command, model, &client, &tx);
        }
        if model.quit {
            break;
        }
    }
    Ok(())
}

fn execute(command: Command, model: &Model, client: &Client, tx: &mpsc::UnboundedSender<Msg>) {
    match command {
        Command::Fetch(id, request) => {
            let client = client.clone();
            let tx = tx.clone();
            let account = model.account.id;
            tokio::spawn(async move {
                let result = perform(&client, account, request)
                    .await
                    .map_err(|e| describe(&e, client.base_url()));
                let _ = tx.send(Msg::Reply(id, result));
            });
        }
        Command::OpenUrl(url) => {
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(Msg::Opened(browser::open(&url)));
            });
        }
        Command::Copy(text) => {
            let mut out = std::io::stdout();
            let _ = out.write_all(browser::osc52(&text).as_bytes());
            let _ = out.flush();
        }
        Command::SetMouse(on) => {
            let _ = if on {
                crossterm::execute!(std::io::stdout(), EnableMouseCapture)
            } else {
                crossterm::execute!(std::io::stdout(), DisableMouseCapture)
            };
        }
        Command::WriteFile { name, contents } => {
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(Msg::FileWritten(write_here(&name, &contents)));
            });
        }
    }
}

/// Writes `contents` to the file `name` in the current directory: its absolute path, or why
/// it could not.
fn write_here(name: &str, contents: &str) -> Result<PathBuf, String> {
    let dir =
        std::env::current_dir().map_err(|e| format!("cannot tell the current directory: {e}"))?;
    let path = dir.join(name);
    std::fs::write(&path, contents).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// Pages of a list, up to `limit` items, for the short lists (subscriptions, orders).
const SHORT_LIST_PAGES: usize = 10;

async fn perform(client: &Client, account: Uuid, request: Request) -> Result<Reply, ClientError> {
    Ok(match request {
        Request::Summary => Reply::Summary(client.account_summary(account).await?),
        Request::Licenses { cursor } => {
            let query = LicenseQuery {
                limit: Some(licenses::PAGE),
                cursor,
                ..LicenseQuery::default()
            };
            Reply::Licenses(client.list_licenses(account, &query).await?)
        }
        Request::Subscriptions => {
            let mut items = Vec::new();
            let mut cursor: Option<String> = None;
            for _ in 0..SHORT_LIST_PAGES {
                let page = client
                    .list_subscriptions(account, Some(200), cursor.as_deref())
                    .await?;
                items.extend(page.items);
                match page.next_cursor.0 {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
            Reply::Subscriptions(items)
        }
        Request::Orders => {
            let mut items = Vec::new();
            let mut cursor: Option<String> = None;
            for _ in 0..SHORT_LIST_PAGES {
                let page = client
                    .list_orders(account, None, Some(200), cursor.as_deref())
                    .await?;
                items.extend(page.items);
                match page.next_cursor.0 {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
            // Newest first: the order just placed is on top.
            items.reverse();
            Reply::Orders(items)
        }
        Request::Catalog => Reply::Catalog(client.list_products().await?),
        Request::Invoices { cursor } => Reply::Invoices(
            client
                .list_invoices(account, Some(invoices::PAGE), cursor.as_deref())
                .await?,
        ),
        Request::RequestInvoice(order, request) => {
            Reply::Invoice(client.request_invoice(order, &request).await?)
        }
        Request::Quote(quote) => Reply::Quote(client.quote(account, &quote).await?),
        Request::PlaceOrder { key, request } => {
            Reply::Order(client.create_order(account, &key, &request).await?)
        }
        Request::Order(id) => Reply::Order(client.get_order(id).await?),
        Request::Consume(id) => Reply::License(
            client
                .consume_license(
                    id,
                    &format!(
                        "entitle console {}",
                        Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
                    ),
                )
                .await?,
        ),
        Request::Activate(id, host) => Reply::License(client.activate_license(id, &host).await?),
        Request::Deactivate(id) => Reply::License(client.deactivate_license(id).await?),
        Request::SetAutoRenew(id, on) => Reply::Subscription(client.set_auto_renew(id, on).await?),
        Request::CancelOrder(id) => Reply::Order(client.cancel_order(id).await?),
        Request::ReopenCheckout(id) => Reply::Checkout(client.reopen_checkout(id).await?),
        Request::AdvanceClock(duration) => {
            let clock = client.advance_clock(&duration).await?;
            Reply::Note(format!(
                "The sandbox clock now reads {}",
                clock.now.format("%Y-%m-%d %H:%M")
            ))
        }
        Request::RunJob(job) => {
            let run = client.run_job(&job).await?;
            Reply::Note(format!("{}: {}", run.job, run.detail))
        }
        Request::CompleteSandboxCheckout(url) => {
            client.complete_sandbox_checkout(&url, true).await?;
            Reply::Done
        }
        Request::Machines(license) => Reply::Machines(client.list_machines(license).await?.items),
        Request::StaleFiles => Reply::StaleFiles(client.stale_license_files(account).await?.items),
        Request::ActivateMachine {
            license,
            key,
            input,
        } => Reply::Activation {
            key,
            activation: client.activate_machine(license, &input).await?,
        },
        Request::Operator(ask) => Reply::Operator(operator::perform(client, ask).await?),
    })
}
