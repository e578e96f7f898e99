//! `entitle`: the license subscription service and its console, in one binary.
//!
//! - `entitle demo`: a server on a fresh SQLite database with demo accounts, and the console;
//! - `entitle serve`: the REST server (SQLite by default, PostgreSQL with a `postgres://` URL);
//! - `entitle tui`: the console, against any server;
//! - `entitle info`: the paths the console uses;
//! - `entitle migrate`: bring a database's schema up to date and exit;
//! - `entitle openapi`: print the OpenAPI spec the server serves;
//! - `entitle verify`: check a license file offline, the verdict in the exit code;
//! - `entitle fingerprint`: print this machine's fingerprint for a product.

mod demo;
mod providers;
mod verify;

use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use entitle_server::{AppState, Config, StartError};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "entitle", version, about = "Self-hosted license subscriptions")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start: the size of the serve variant (every provider setting) costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run a demo: a server on a fresh SQLite database with demo accounts, and the console.
    Demo(ConsoleArgs),
    /// Run the REST server (migrates the database first).
    Serve(ServeArgs),
    /// Open the console against a server.
    Tui(TuiArgs),
    /// Print the configuration and log paths the console uses.
    Info,
    /// Apply the schema migrations to the database and exit.
    Migrate(DatabaseArgs),
    /// Print the OpenAPI spec.
    Openapi {
        /// json or yaml.
        #[arg(long, value_enum, default_value_t = SpecFormat::Json)]
        format: SpecFormat,
    },
    /// Check a license file offline; the verdict is the exit code.
    ///
    /// 0 valid, 10 in grace, 20 expired, 21 not yet valid, 30 another machine's, 31 another
    /// product's, 40 not genuine (signature or key), 50 clock set back, 64 usage.
    Verify(verify::VerifyArgs),
    /// Print this machine's fingerprint for a product (what `entitle verify --fingerprint
    /// auto` expects a file to carry).
    Fingerprint(verify::FingerprintArgs),
}

#[derive(Args)]
struct DatabaseArgs {
    /// The database: a `sqlite://` path (created if missing) or a `postgres://` URL.
    #[arg(
        long,
        env = "ENTITLE_DATABASE_URL",
        default_value = "sqlite://entitle.db?mode=rwc"
    )]
    database_url: String,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// The address to listen on.
    #[arg(long, env = "ENTITLE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// The base URL clients reach this server at, used in the links it hands out (default:
    /// http://<listen>).
    #[arg(long, env = "ENTITLE_PUBLIC_URL")]
    public_url: Option<String>,
    /// Accepted as an admin API key: how a fresh install gets its first key.
    #[arg(long, env = "ENTITLE_BOOTSTRAP_ADMIN_KEY", hide_env_values = true)]
    bootstrap_admin_key: Option<String>,
    /// Minutes an unpaid order's checkout stays open before the order expires.
    #[arg(long, env = "ENTITLE_ORDER_TTL_MINUTES", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=10080))]
    order_ttl_minutes: u32,
    /// The secret the sandbox payment provider signs its callbacks with (default: a random one
    /// per process; servers sharing a database must share it).
    #[arg(long, env = "ENTITLE_SANDBOX_SECRET", hide_env_values = true)]
    sandbox_secret: Option<String>,
    /// Make the sandbox decline saved-method (renewal) charges.
    #[arg(long, env = "ENTITLE_SANDBOX_DECLINE_RENEWALS")]
    sandbox_decline_renewals: bool,
    /// Test mode: the built-in sandbox provider takes every payment method no real provider is
    /// configured for, and admins may move the clock (POST /v1/admin/clock). Without it (live
    /// mode) only configured providers take payments, and with none the server refuses to
    /// start.
    #[arg(long, env = "ENTITLE_SANDBOX")]
    sandbox: bool,
    /// Seconds after which an open checkout is asked about at its provider (reconcile job).
    #[arg(long, env = "ENTITLE_RECONCILE_AFTER_SECONDS", default_value_t = 300)]
    reconcile_after_seconds: u32,
    /// Days before a period ends at which a renewal the customer pays (Alipay, WeChat Pay)
    /// opens, with its checkout.
    #[arg(long, env = "ENTITLE_RENEWAL_NOTICE_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(0..=60))]
    renewal_notice_days: u32,
    #[command(flatten)]
    providers: providers::ProviderArgs,
    /// Seconds between runs of the background jobs (expiry, renewals, reminders, webhooks);
    /// 0 runs them only when an admin asks.
    #[arg(long, env = "ENTITLE_JOBS_INTERVAL_SECONDS", default_value_t = 10)]
    jobs_interval_seconds: u64,
    /// VAT rate of region `cn` invoices, broken out of the tax-inclusive total.
    #[arg(long, env = "ENTITLE_VAT_RATE_CN", default_value = "0.06")]
    vat_rate_cn: rust_decimal::Decimal,
    /// VAT rate of region `intl` invoices.
    #[arg(long, env = "ENTITLE_VAT_RATE_INTL", default_value = "0")]
    vat_rate_intl: rust_decimal::Decimal,
    /// When the weekly invoice batch runs: weekday, time, UTC offset.
    #[arg(
        long,
        env = "ENTITLE_INVOICE_BATCH",
        default_value = "MON 10:00 +08:00"
    )]
    invoice_batch: entitle_domain::invoices::BatchSchedule,
    /// Requests per second one API key may make (bursts of twice that); 0: no limit.
    #[arg(long, env = "ENTITLE_RATE_LIMIT_PER_KEY", default_value_t = 100)]
    rate_limit_per_key: u32,
    /// Requests per second one client IP may make (bursts of twice that); 0: no limit.
    #[arg(long, env = "ENTITLE_RATE_LIMIT_PER_IP", default_value_t = 300)]
    rate_limit_per_ip: u32,
    /// Proxies (comma-separated CIDRs or addresses) whose X-Forwarded-For names the client;
    /// from any other peer the connection's address is the client (default: none).
    #[arg(long, env = "ENTITLE_TRUSTED_PROXIES", value_delimiter = ',', value_parser = entitle_server::config::parse_proxy)]
    trusted_proxies: Vec<entitle_server::config::IpNet>,
    /// Origins (comma-separated, scheme://host[:port]) an order's return_url may point at
    /// (default: the public URL's origin).
    #[arg(long, env = "ENTITLE_ALLOWED_RETURN_ORIGINS", value_delimiter = ',')]
    allowed_return_origins: Vec<entitle_domain::return_url::ReturnOrigin>,
    /// Also serve GET /metrics on this address, without a key (on --listen it needs an admin
    /// key).
    #[arg(long, env = "ENTITLE_METRICS_LISTEN")]
    metrics_listen: Option<String>,
    /// The SMTP server customers' messages are sent through: `smtp://host:port` (STARTTLS when
    /// offered), `smtps://host:port` (implicit TLS), credentials as `smtp://user:pass@host:port`.
    /// Without it, test mode keeps messages to show them and live mode leaves them waiting.
    #[arg(long, env = "ENTITLE_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The SMTP password, when the URL names only the user.
    #[arg(long, env = "ENTITLE_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: Option<String>,
    /// Seals the license-signing keys in the database (at least 32 characters; `openssl rand
    /// -hex 32` makes one). Every server sharing the database needs the same one.
    #[arg(long, env = "ENTITLE_KEY_ENCRYPTION_KEY", hide_env_values = true)]
    key_encryption_key: Option<String>,
    /// Who customers' messages are from.
    #[arg(
        long,
        env = "ENTITLE_MAIL_FROM",
        default_value = "Entitle <billing@localhost>"
    )]
    mail_from: String,
    /// Log lines as text or as JSON (one object a line), to stderr.
    #[arg(long, env = "ENTITLE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Args, Clone, Copy)]
struct ConsoleArgs {
    /// No colours (also with NO_COLOR set): emphasis by reverse video and bold.
    #[arg(long)]
    no_color: bool,
    /// Leave the mouse to the terminal, for selecting text (toggle with `m`).
    #[arg(long)]
    no_mouse: bool,
}

#[derive(Args)]
struct TuiArgs {
    /// The server's URL (default: `server` in the config file, else http://127.0.0.1:8080).
    #[arg(long, env = "ENTITLE_SERVER")]
    server: Option<String>,
    /// The API key (default: `api_key` in the config file).
    #[arg(long, env = "ENTITLE_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// The account an admin key opens on (default: `account` in the config file, else the
    /// first account).
    #[arg(long, env = "ENTITLE_ACCOUNT")]
    account: Option<uuid::Uuid>,
    #[command(flatten)]
    console: ConsoleArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum SpecFormat {
    Json,
    Yaml,
}

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let cli = parse_command_line();
    let ran = match cli.command {
        Command::Verify(args) => return Ok(verify::run_verify(&args)),
        Command::Fingerprint(args) => return Ok(verify::print_fingerprint(&args)),
        Command::Demo(args) => run_demo(args).await,
        Command::Serve(args) => serve(args).await,
        Command::Tui(args) => run_tui(args).await,
        Command::Info => {
            println!(
                "config directory: {}",
                entitle_tui::config::config_dir().display()
            );
            println!(
                "config file:      {}",
                entitle_tui::config::config_file().display()
            );
            println!(
                "log file:         {}",
                entitle_tui::config::log_file().display()
            );
            Ok(())
        }
        Command::Migrate(args) => {
            init_logging(LogFormat::Text);
            entitle_server::store::connect(&args.database_url)
                .await
                .context("migrating the database")?;
            println!("database is up to date");
            Ok(())
        }
        Command::Openapi { format } => {
            let spec = match format {
                SpecFormat::Json => entitle_server::openapi_json(),
                SpecFormat::Yaml => entitle_server::openapi_yaml(),
            };
            println!("{spec}");
            Ok(())
        }
    };
    ran.map(|()| ExitCode::SUCCESS)
}

/// The command line, or the process ends as clap ends it (help and version exit 0, a usage
/// error 2), except that `entitle verify`'s usage errors exit 64 like its other usage
/// problems: its caller reads the verdict from the exit code, and 64 is the one code that
/// says the invocation, not the license file, was wrong.
fn parse_command_line() -> Cli {
    Cli::try_parse().unwrap_or_else(|err| {
        let verifying = std::env::args_os()
            .nth(1)
            .is_some_and(|command| command.to_str() == Some("verify"));
        if verifying && err.use_stderr() {
            let _ = err.print();
            std::process::exit(i32::from(verify::USAGE));
        }
        err.exit()
    })
}

/// The console owns the screen: its logs (and the demo server's) go to a file only.
fn log_to_file() -> anyhow::Result<()> {
    let path = entitle_tui::config::log_file();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening the log {}", path.display()))?;
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .init();
    Ok(())
}

async fn run_tui(args: TuiArgs) -> anyhow::Result<()> {
    log_to_file()?;
    let file = entitle_tui::config::load(&entitle_tui::config::config_file())?;
    let server = args
        .server
        .or(file.server)
        .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned());
    let api_key = args.api_key.or(file.api_key).context(
        "no API key: pass --api-key, set ENTITLE_API_KEY, or put api_key in the config file \
         (entitle info shows where)",
    )?;
    entitle_tui::run(entitle_tui::Options {
        server,
        api_key,
        account: args.account.or(file.account),
        no_color: args.console.no_color,
        no_mouse: args.console.no_mouse,
    })
    .await?;
    Ok(())
}

async fn run_demo(args: ConsoleArgs) -> anyhow::Result<()> {
    log_to_file()?;
    eprintln!("Starting the demo server and its accounts…");
    let demo = demo::start().await?;
    tracing::info!(url = %demo.base_url, admin_key = "(demo)", "demo server is up");
    // The vendor's admin key on the Shanghai account: the console is that account's, and the
    // sandbox clock and jobs are at hand to watch renewals happen (`:advance P1M`).
    let result = entitle_tui::run(entitle_tui::Options {
        server: demo.base_url.clone(),
        api_key: demo.admin_key.clone(),
        account: Some(demo.console_account),
        no_color: args.no_color,
        no_mouse: args.no_mouse,
    })
    .await;
    let _ = demo.stop.send(());
    let _ = demo.server.await;
    drop(demo.dir);
    result?;
    Ok(())
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    init_logging(args.log_format);
    let acceptor = entitle_server::bind(&args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = entitle_server::local_addr(&acceptor)
        .with_context(|| format!("no address bound for {}", args.listen))?;
    let public_url = args.public_url.unwrap_or_else(|| default_public_url(addr));
    let allowed_return_origins = if args.allowed_return_origins.is_empty() {
        Config::default_return_origins(&public_url)
    } else {
        args.allowed_return_origins
    };
    let config = Config {
        database_url: args.database.database_url,
        public_url,
        bootstrap_admin_key: args.bootstrap_admin_key.filter(|k| !k.is_empty()),
        order_ttl: chrono::Duration::minutes(i64::from(args.order_ttl_minutes)),
        sandbox_secret: args
            .sandbox_secret
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()),
        sandbox_decline_renewals: args.sandbox_decline_renewals,
        sandbox: args.sandbox,
        alipay: args.providers.alipay().unwrap_or_else(|e| refuse(&e)),
        wechat_pay: args.providers.wechat_pay().unwrap_or_else(|e| refuse(&e)),
        paypal: args.providers.paypal().unwrap_or_else(|e| refuse(&e)),
        stripe: args.providers.stripe().unwrap_or_else(|e| refuse(&e)),
        reconcile_after: chrono::Duration::seconds(i64::from(args.reconcile_after_seconds)),
        renewal_notice_days: args.renewal_notice_days,
        jobs_every: (args.jobs_interval_seconds > 0)
            .then(|| std::time::Duration::from_secs(args.jobs_interval_seconds)),
        vat_rate_cn: args.vat_rate_cn,
        vat_rate_intl: args.vat_rate_intl,
        invoice_batch: args.invoice_batch,
        rate_limit_per_key: args.rate_limit_per_key,
        rate_limit_per_ip: args.rate_limit_per_ip,
        trusted_proxies: args.trusted_proxies,
        allowed_return_origins,
        metrics_listen: args.metrics_listen.filter(|m| !m.is_empty()),
        smtp_url: args.smtp_url.filter(|u| !u.is_empty()),
        smtp_password: args.smtp_password.filter(|p| !p.is_empty()),
        mail_from: args.mail_from,
        key_encryption_key: args.key_encryption_key.filter(|k| !k.is_empty()),
    };
    let state = match AppState::with_system_clock(config).await {
        Ok(state) => state,
        Err(
            err @ (StartError::NoProvider
            | StartError::Provider(_)
            | StartError::WeakBootstrapKey { .. }),
        ) => refuse(&err),
        Err(err) => return Err(err).context("opening the database"),
    };
    let mode = if state.config.sandbox {
        "test (--sandbox)"
    } else {
        "live"
    };
    tracing::info!(%addr, mode, providers = ?state.payments.names(), "entitle is listening");
    println!("entitle is listening on http://{addr}");
    entitle_server::serve(state, acceptor, shutdown_signal()).await?;
    Ok(())
}

/// Stops a server that must not start as configured: one message, exit code 2 (as clap does
/// for a bad flag).
fn refuse(err: &dyn std::fmt::Display) -> ! {
    eprintln!("entitle serve: {err}");
    std::process::exit(2)
}

/// The URL of the bound address, as links handed out should spell it: the port actually
/// bound (`--listen :0` picks one), and loopback for a wildcard address.
fn default_public_url(addr: std::net::SocketAddr) -> String {
    let host = if addr.ip().is_unspecified() {
        std::net::SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port())
    } else {
        addr
    };
    format!("http://{host}")
}

/// Resolves on Ctrl-C or SIGTERM, so in-flight requests finish before the process exits.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
