//! `entitle`: the license subscription service and its console, in one binary.
//!
//! - `entitle serve`: the REST server (SQLite by default, PostgreSQL with a `postgres://` URL);
//! - `entitle migrate`: bring a database's schema up to date and exit;
//! - `entitle openapi`: print the OpenAPI spec the server serves.

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use entitle_server::{AppState, Config};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "entitle", version, about = "Self-hosted license subscriptions")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the REST server (migrates the database first).
    Serve(ServeArgs),
    /// Apply the schema migrations to the database and exit.
    Migrate(DatabaseArgs),
    /// Print the OpenAPI spec.
    Openapi {
        /// json or yaml.
        #[arg(long, value_enum, default_value_t = SpecFormat::Json)]
        format: SpecFormat,
    },
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
}

#[derive(Clone, Copy, ValueEnum)]
enum SpecFormat {
    Json,
    Yaml,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate(args) => {
            init_logging();
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
    }
}

fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    init_logging();
    let acceptor = entitle_server::bind(&args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = entitle_server::local_addr(&acceptor)
        .with_context(|| format!("no address bound for {}", args.listen))?;
    let config = Config {
        database_url: args.database.database_url,
        public_url: args.public_url.unwrap_or_else(|| default_public_url(addr)),
        bootstrap_admin_key: args.bootstrap_admin_key.filter(|k| !k.is_empty()),
        order_ttl: chrono::Duration::minutes(i64::from(args.order_ttl_minutes)),
        sandbox_secret: args
            .sandbox_secret
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()),
        sandbox_decline_renewals: args.sandbox_decline_renewals,
    };
    let state = AppState::with_system_clock(config)
        .await
        .context("opening the database")?;
    tracing::info!(%addr, "entitle is listening");
    println!("entitle is listening on http://{addr}");
    entitle_server::serve(state, acceptor, shutdown_signal()).await?;
    Ok(())
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
