//! The well-known tools the benchmarks drive: `wrk` for HTTP load, `pgbench` for
//! PostgreSQL's own insert rate.

use std::process::Command;

use anyhow::{Context, bail};
use sea_orm::{ConnectionTrait, Database};

/// Installs `wrk` from Debian's packages when it is missing.
pub fn ensure_wrk() -> anyhow::Result<()> {
    if Command::new("wrk").arg("--version").output().is_ok() {
        return Ok(());
    }
    eprintln!("installing wrk (apt-get)");
    // A fresh machine has no package lists yet: update them first (a failure shows in the
    // install that follows).
    Command::new("apt-get")
        .args(["update", "-q"])
        .status()
        .context("apt-get update")?;
    let status = Command::new("apt-get")
        .args(["install", "-y", "-q", "wrk"])
        .status()
        .context("apt-get install")?;
    if !status.success() {
        bail!("could not install wrk: run `apt-get update && apt-get install wrk`");
    }
    Ok(())
}

/// Requests per second `wrk` sustains on `url` for `seconds` (2 threads, 16 connections).
pub fn wrk(url: &str, key: Option<&str>, seconds: u64) -> anyhow::Result<f64> {
    let mut command = Command::new("wrk");
    command.args(["-t2", "-c16", &format!("-d{seconds}s")]);
    if let Some(key) = key {
        command.args(["-H", &format!("Authorization: Bearer {key}")]);
    }
    let output = command.arg(url).output().context("run wrk")?;
    rate(url, &String::from_utf8_lossy(&output.stdout))
}

/// [`wrk`] for a POST of the JSON `body` with `headers`, through a script of wrk's (its
/// command line has no method or body).
pub fn wrk_post(
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
    seconds: u64,
) -> anyhow::Result<f64> {
    let quoted = |text: &str| format!("{text:?}");
    let mut script = format!(
        "wrk.method = \"POST\"\nwrk.body = {}\nwrk.headers[\"Content-Type\"] = \"application/json\"\n",
        quoted(body)
    );
    for (name, value) in headers {
        script.push_str(&format!(
            "wrk.headers[{}] = {}\n",
            quoted(name),
            quoted(value)
        ));
    }
    let file = tempfile::Builder::new().suffix(".lua").tempfile()?;
    std::fs::write(file.path(), script)?;
    let output = Command::new("wrk")
        .args(["-t2", "-c16", &format!("-d{seconds}s"), "-s"])
        .arg(file.path())
        .arg(url)
        .output()
        .context("run wrk")?;
    rate(url, &String::from_utf8_lossy(&output.stdout))
}

/// The rate in wrk's report, refused when any response failed.
fn rate(url: &str, text: &str) -> anyhow::Result<f64> {
    let non_2xx = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .map(str::trim)
        .unwrap_or("0");
    if non_2xx != "0" {
        bail!("wrk saw {non_2xx} failed responses on {url}:\n{text}");
    }
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .with_context(|| format!("no rate in wrk's output:\n{text}"))
}

/// A fresh `entitle_bench` database on the PostgreSQL server at `base`; its URL.
pub async fn fresh_postgres(base: &str) -> anyhow::Result<String> {
    let admin = Database::connect(base).await?;
    admin
        .execute_unprepared("DROP DATABASE IF EXISTS entitle_bench WITH (FORCE)")
        .await?;
    admin
        .execute_unprepared("CREATE DATABASE entitle_bench")
        .await?;
    let root = base.rsplit_once('/').map_or(base, |(root, _)| root);
    Ok(format!("{root}/entitle_bench"))
}

/// Single-row insert transactions per second PostgreSQL sustains, by `pgbench` with
/// `clients` clients.
pub fn pgbench_inserts(url: &str, clients: u32, seconds: u64) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("insert.sql");
    std::fs::write(&script, "INSERT INTO bench_rows (v) VALUES ('x');\n")?;
    let create = Command::new("psql")
        .args([
            url,
            "-q",
            "-c",
            "CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, v text)",
        ])
        .status()
        .context("psql")?;
    if !create.success() {
        bail!("could not create the pgbench table");
    }
    let output = Command::new("pgbench")
        .args([
            "-n",
            "-c",
            &clients.to_string(),
            "-j",
            "2",
            "-T",
            &seconds.to_string(),
            "-f",
        ])
        .arg(&script)
        .arg(url)
        .output()
        .context("run pgbench")?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("no tps in pgbench's output:\n{text}"))
}
