//! `entitle-bench`: measures Entitle against the limits of the machine it runs on, each ratio
//! within one run (these machines are noisy), each figure a median of several runs, and
//! prints a table with the targets. Run through `just bench`, which builds the release binary
//! first; `wrk` (Debian) is the load generator, `pgbench` the PostgreSQL baseline.
//!
//! Under 450 lines: the benchmark's whole plan (targets, runs, the table) in one file.

mod console;
mod seed;
mod server;
mod tools;

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

use crate::console::Console;
use crate::server::Server;

#[derive(Parser)]
#[command(about = "Entitle's benchmarks")]
struct Args {
    /// PostgreSQL server to benchmark on (a database `entitle_bench` is made there).
    #[arg(
        long,
        env = "ENTITLE_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    postgres: String,
    /// Licenses on the account for the read path.
    #[arg(long, default_value_t = 100_000)]
    licenses: u64,
    /// Licenses for the deep-page latency (the page at the last of them vs the first).
    #[arg(long, default_value_t = 1_000_000)]
    scale: u64,
    /// Runs per figure (the median is reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Seconds each load run lasts.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Due subscriptions of the larger renewal run (the smaller is a tenth of it).
    #[arg(long, default_value_t = 100_000)]
    renewals: u64,
    /// Requested invoices of the larger batch (the smaller is a tenth of it).
    #[arg(long, default_value_t = 50_000)]
    invoices: u64,
    /// Backends to measure, among `sqlite` and `postgres`.
    #[arg(long, value_delimiter = ',', default_values_t = [Backend::Sqlite, Backend::Postgres])]
    backends: Vec<Backend>,
    /// Figures to measure (all by default); one alone is handy to profile the server under it.
    #[arg(long, value_delimiter = ',', default_values_t = Part::ALL)]
    parts: Vec<Part>,
}

/// A group of figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Part {
    /// The licenses page against `/healthz`, and the server's memory under it.
    Read,
    /// The console's start, and its memory with every license browsed.
    Console,
    /// The page at the millionth license against the first.
    Scale,
    /// Purchases fulfilled per second against the database's insert rate.
    Write,
    /// Renewal runs at two sizes.
    Renewals,
    /// The invoice batch at two sizes.
    Invoices,
    /// The licensed software's online check against `/healthz`.
    Validate,
}

impl Part {
    const ALL: [Part; 7] = [
        Part::Read,
        Part::Console,
        Part::Scale,
        Part::Write,
        Part::Renewals,
        Part::Invoices,
        Part::Validate,
    ];
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use clap::ValueEnum;
        match self.to_possible_value() {
            Some(value) => f.write_str(value.get_name()),
            None => Ok(()),
        }
    }
}

/// A database the server runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Backend {
    Sqlite,
    Postgres,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// One line of the results table.
struct Figure {
    backend: &'static str,
    what: &'static str,
    value: String,
    target: &'static str,
    met: Option<bool>,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// Times the admin job `job` doing all the work `arrange` seeded, at a tenth of `count` and at
/// `count` (each on top of what the one before left, as a job meets it). A run bounds its
/// catch-up and leaves the rest to the next one, as the scheduler runs it, so the job runs
/// until it finds nothing more to do; all of the work must have been done.
async fn job_at_two_sizes<Fut>(
    server: &Server,
    job: &str,
    count: u64,
    arrange: impl Fn(u64) -> Fut,
) -> anyhow::Result<[(u64, f64); 2]>
where
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut times = [(0, 0.0); 2];
    for (slot, n) in times.iter_mut().zip([count / 10, count]) {
        arrange(n).await?;
        let started = Instant::now();
        let mut done = 0;
        loop {
            let run = server.run_job(job).await?;
            if run.processed == 0 {
                break;
            }
            done += run.processed;
        }
        anyhow::ensure!(done == n, "{job}: {done} of {n} done");
        *slot = (n, started.elapsed().as_secs_f64());
    }
    Ok(times)
}

/// time(10×) / time(1×): at most 12 is linear enough.
fn linearity(
    backend: &'static str,
    what: &'static str,
    (_, small): (u64, f64),
    (_, large): (u64, f64),
) -> Figure {
    let ratio = large / small;
    Figure {
        backend,
        what,
        value: format!("{ratio:.1}"),
        target: "<= 12",
        met: Some(ratio <= 12.0),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tools::ensure_wrk()?;
    let mut figures = Vec::new();
    for &backend in &args.backends {
        let dir = tempfile::tempdir()?;
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()),
            Backend::Postgres => tools::fresh_postgres(&args.postgres).await?,
        };
        let backend = backend.name();
        eprintln!("== {backend}");
        let log = std::env::temp_dir().join(format!("entitle-bench-{backend}.log"));
        let server = Server::start(&url, &log).await?;
        let db = sea_orm::Database::connect(&url).await?;
        let (account, key) = server.account_with_key("Bench").await?;

        eprintln!("   seeding {} licenses", args.licenses);
        let ids = seed::licenses(&db, account, args.licenses).await?;
        seed::analyze(&db).await?;
        // One primary-key read (the account by its id): the ceiling of any endpoint that
        // reads the database at all, which the read and validate figures are taken against.
        let account_url = server.url(&format!("/v1/accounts/{account}"));
        let account_read = || tools::wrk(&account_url, Some(&key), args.seconds);

        if args.parts.contains(&Part::Read) {
            // Read path: the licenses page against the trivial endpoint, same run, same load.
            // Alongside, the account itself (one primary-key read): what any endpoint that reads
            // the database at all reaches, the page's ceiling.
            let mut ratios = Vec::new();
            let mut ceilings = Vec::new();
            let mut pages = Vec::new();
            let mut health = Vec::new();
            for _ in 0..args.runs {
                let h = tools::wrk(&server.url("/healthz"), None, args.seconds)?;
                let p = tools::wrk(
                    &server.url(&format!("/v1/accounts/{account}/licenses?limit=50")),
                    Some(&key),
                    args.seconds,
                )?;
                let one = account_read()?;
                ratios.push(p / h);
                ceilings.push(one / h);
                pages.push(p);
                health.push(h);
            }
            let ceiling = median(ceilings);
            figures.push(Figure {
                backend,
                what: "read: one account by id (a primary-key read) rps / healthz rps",
                value: format!("{ceiling:.2}"),
                target: "— (the page's ceiling)",
                met: None,
            });
            let ratio = median(ratios);
            figures.push(Figure {
                backend,
                what: "read: licenses page rps / healthz rps",
                value: format!(
                    "{ratio:.2} ({:.0} / {:.0} rps)",
                    median(pages),
                    median(health)
                ),
                target: ">= 0.5",
                met: Some(ratio >= 0.5),
            });
            let rss = server.peak_rss_mb()?;
            figures.push(Figure {
                backend,
                what: "memory: server peak RSS after the read load",
                value: format!("{rss:.1} MB"),
                target: "< 80 MB",
                met: Some(rss < 80.0),
            });
        }

        if args.parts.contains(&Part::Validate) {
            // The licensed software's check (`POST /v1/client/validate`): one bound license
            // on its machine, each answer a signed receipt. Against one primary-key read in the
            // same run: a check reads about five rows (the key, the product, the machine, its
            // files, the signing key) and signs, so a fifth of a single read is its ceiling.
            let license_key = seed::key_of(*ids.first().context("no licenses")?);
            let body = serde_json::json!({
                "fingerprint": "bench0123456789abcdef0123456789abcdef",
                "product": "dr",
            });
            let code = server.activate_and_validate(&license_key, &body).await?;
            anyhow::ensure!(code == "valid", "the bench license validates as {code}");
            let (mut ratios, mut checks, mut reads) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..args.runs {
                let one = account_read()?;
                let headers = [("Entitle-License-Key", license_key.as_str())];
                let v = tools::wrk_post(
                    &server.url("/v1/client/validate"),
                    &headers,
                    &body.to_string(),
                    args.seconds,
                )?;
                ratios.push(v / one);
                checks.push(v);
                reads.push(one);
            }
            let ratio = median(ratios);
            figures.push(Figure {
                backend,
                what: "validate: license checks rps / one account by id rps",
                value: format!(
                    "{ratio:.2} ({:.0} / {:.0} rps)",
                    median(checks),
                    median(reads)
                ),
                target: ">= 0.15",
                met: Some(ratio >= 0.15),
            });
        }

        if args.parts.contains(&Part::Console) {
            // Console: start to the first full screen, and memory once every license is loaded.
            let mut starts = Vec::new();
            for _ in 0..args.runs {
                let (console, took) = Console::start(&server.url(""), &key)?;
                starts.push(took.as_secs_f64());
                console.quit()?;
            }
            let start_ms = median(starts) * 1e3;
            figures.push(Figure {
                backend,
                what: "console: start to the first full screen",
                value: format!("{start_ms:.0} ms"),
                target: "< 300 ms",
                met: Some(start_ms < 300.0),
            });
            eprintln!("   browsing {} licenses in the console", args.licenses);
            let (mut console, _) = Console::start(&server.url(""), &key)?;
            console.browse_all_licenses(args.licenses)?;
            let console_rss = console.peak_rss_mb()?;
            console.quit()?;
            figures.push(Figure {
                backend,
                what: "console: peak RSS with every license browsed",
                value: format!("{console_rss:.1} MB ({} licenses)", args.licenses),
                target: "< 100 MB",
                met: Some(console_rss < 100.0),
            });
        }

        if args.parts.contains(&Part::Scale) {
            // Scale: the page at the deepest license against the first page.
            eprintln!("   seeding up to {} licenses", args.scale);
            let more = args.scale.saturating_sub(args.licenses);
            let deep = seed::licenses(&db, account, more).await?;
            seed::analyze(&db).await?;
            let last = deep.last().or(ids.last()).copied().context("no licenses")?;
            let deepest_cursor = seed::cursor_before(&db, account, last, 50).await?;
            let first = server.page_latency(account, &key, None, 200).await?;
            let deepest = server
                .page_latency(account, &key, Some(deepest_cursor), 200)
                .await?;
            let scale_ratio = deepest / first;
            figures.push(Figure {
                backend,
                what: "scale: p50 page at the last license / first page",
                value: format!(
                    "{scale_ratio:.2} ({:.2} / {:.2} ms, {} licenses)",
                    deepest * 1e3,
                    first * 1e3,
                    args.scale.max(args.licenses)
                ),
                target: "<= 1.5",
                met: Some(scale_ratio <= 1.5),
            });
        }

        if args.parts.contains(&Part::Write) {
            // Write path: purchases fulfilled per second by 8 customers, against the database's
            // own single-row insert transactions per second.
            let purchases = server
                .purchases_per_second(8, Duration::from_secs(args.seconds))
                .await?;
            let inserts = match backend {
                "sqlite" => seed::insert_rate(&db, Duration::from_secs(args.seconds)).await?,
                _ => tools::pgbench_inserts(&url, 8, args.seconds)?,
            };
            let write_ratio = purchases / inserts;
            figures.push(Figure {
                backend,
                what: "write: purchases fulfilled/s (8 customers) / insert tps",
                value: format!("{write_ratio:.3} ({purchases:.1} / {inserts:.0})"),
                target: ">= 0.25",
                met: Some(write_ratio >= 0.25),
            });
        }

        if args.parts.contains(&Part::Renewals) {
            // Renewals: a run over many due subscriptions, timed at two sizes.
            let [small, (large, large_time)] =
                job_at_two_sizes(&server, "renewals", args.renewals, |count| {
                    seed::due_subscriptions(&db, account, count)
                })
                .await?;
            let at_100_000 = large_time * 100_000.0 / large as f64;
            figures.push(Figure {
                backend,
                what: "renewals: time to renew them all (100 000 projected when fewer)",
                value: format!(
                    "{}: {:.1} s, {large}: {large_time:.1} s ({:.0}/s); 100 000: {at_100_000:.0} s",
                    small.0,
                    small.1,
                    large as f64 / large_time
                ),
                target: "100 000 < 60 s",
                met: Some(at_100_000 < 60.0),
            });
            figures.push(linearity(
                backend,
                "renewals: time(10×) / time(1×)",
                small,
                (large, large_time),
            ));
        }

        if args.parts.contains(&Part::Invoices) {
            // The invoice batch at two sizes.
            let [small, (large, large_time)] =
                job_at_two_sizes(&server, "invoices", args.invoices, |count| {
                    seed::invoice_requests(&db, account, count)
                })
                .await?;
            figures.push(Figure {
                backend,
                what: "invoices: batch time",
                value: format!(
                    "{}: {:.1} s, {large}: {large_time:.1} s ({:.0}/s)",
                    small.0,
                    small.1,
                    large as f64 / large_time
                ),
                target: "linear",
                met: None,
            });
            figures.push(linearity(
                backend,
                "invoices: time(10×) / time(1×)",
                small,
                (large, large_time),
            ));
        }

        drop(server);
    }

    println!();
    println!("| backend | figure | measured | target | met |");
    println!("|---|---|---|---|---|");
    for f in &figures {
        let met = match f.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "—",
        };
        println!(
            "| {} | {} | {} | {} | {} |",
            f.backend, f.what, f.value, f.target, met
        );
    }
    Ok(())
}
