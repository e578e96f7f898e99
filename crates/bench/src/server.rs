//! The `entitle serve` under test: the release binary, on a free port, in its own process so
//! that its memory and the load generator's are apart.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use entitle_client::Client;
use entitle_domain::api::{
    AccountInput, ApiKeyInput, JobRun, OrderRequest, PaymentChoice, PurchaseOrder, PurchaseRequest,
};
use entitle_domain::{AccountKind, PaymentMethod, Region};
use uuid::Uuid;

const ADMIN: &str = "bench-admin-key-0123456789abcdef0123";

pub struct Server {
    child: Child,
    /// Where the server's log goes, to read when a figure fails.
    log: std::path::PathBuf,
    base: String,
    admin: Client,
}

impl Server {
    /// Starts the release `entitle` next to this binary (or the one `ENTITLE_BENCH_SERVER`
    /// names, to compare builds) on `database`.
    pub async fn start(database: &str, log: &std::path::Path) -> anyhow::Result<Server> {
        let entitle = match std::env::var_os("ENTITLE_BENCH_SERVER") {
            Some(path) => std::path::PathBuf::from(path),
            None => std::env::current_exe()?.with_file_name("entitle"),
        };
        let mut child = Command::new(&entitle)
            .args(["serve", "--sandbox", "--listen", "127.0.0.1:0"])
            .env("ENTITLE_DATABASE_URL", database)
            .env("ENTITLE_BOOTSTRAP_ADMIN_KEY", ADMIN)
            .env("ENTITLE_RATE_LIMIT_PER_KEY", "0")
            .env("ENTITLE_RATE_LIMIT_PER_IP", "0")
            .env("ENTITLE_JOBS_INTERVAL_SECONDS", "0")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log)?)
            .spawn()
            .with_context(|| {
                format!(
                    "start {} (run `just bench`, which builds it)",
                    entitle.display()
                )
            })?;
        let stdout = child.stdout.take().context("stdout")?;
        let base = BufReader::new(stdout)
            .lines()
            .find_map(|l| {
                l.ok()?
                    .strip_prefix("entitle is listening on ")
                    .map(str::to_owned)
            })
            .context("the server did not say where it listens")?;
        let admin = Client::new(&base, ADMIN)?;
        Ok(Server {
            child,
            log: log.to_owned(),
            base,
            admin,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A new `cn` account and its key.
    pub async fn account_with_key(&self, name: &str) -> anyhow::Result<(Uuid, String)> {
        let account = self
            .admin
            .create_account(&AccountInput {
                name: name.to_owned(),
                kind: AccountKind::Individual,
                region: Region::Cn,
                email: None,
                language: None,
            })
            .await?;
        let key = self
            .admin
            .create_api_key(
                account.id,
                &ApiKeyInput {
                    name: "bench".to_owned(),
                },
            )
            .await?;
        Ok((account.id, key.key))
    }

    /// Runs the admin job `job` once (`POST /v1/admin/jobs/{job}/run`), however long it takes.
    pub async fn run_job(&self, job: &str) -> anyhow::Result<JobRun> {
        let response = reqwest::Client::new()
            .post(self.url(&format!("/v1/admin/jobs/{job}/run")))
            .bearer_auth(ADMIN)
            .json(&serde_json::json!({}))
            .timeout(Duration::from_secs(3600))
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "{job}: {} (the server's log: {})",
            response.status(),
            self.log.display()
        );
        Ok(response.json().await?)
    }

    /// Activates the license `key` on the machine `body` names, as the licensed software
    /// does (`POST /v1/client/machines`), then validates it once: the code it answers.
    pub async fn activate_and_validate(
        &self,
        key: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<String> {
        let http = reqwest::Client::new();
        let activate = serde_json::json!({
            "fingerprint": body["fingerprint"],
            "hostname": "bench-host",
        });
        let response = http
            .post(self.url("/v1/client/machines"))
            .header("Entitle-License-Key", key)
            .json(&activate)
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "activate: {}",
            response.status()
        );
        let validity: serde_json::Value = http
            .post(self.url("/v1/client/validate"))
            .header("Entitle-License-Key", key)
            .json(body)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(validity["code"].as_str().unwrap_or_default().to_owned())
    }

    /// The median latency, in seconds, of `n` requests for one licenses page.
    pub async fn page_latency(
        &self,
        account: Uuid,
        key: &str,
        cursor: Option<Uuid>,
        n: usize,
    ) -> anyhow::Result<f64> {
        let http = reqwest::Client::new();
        let mut url = self.url(&format!("/v1/accounts/{account}/licenses?limit=50"));
        if let Some(cursor) = cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let started = Instant::now();
            let response = http.get(&url).bearer_auth(key).send().await?;
            anyhow::ensure!(
                response.status().is_success(),
                "page: {}",
                response.status()
            );
            response.bytes().await?;
            times.push(started.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        Ok(times[times.len() / 2])
    }

    /// Purchases (order, hosted page, signed callback, licenses granted) fulfilled per second
    /// by `customers` customers at once, each on an account of its own.
    pub async fn purchases_per_second(
        &self,
        customers: usize,
        over: Duration,
    ) -> anyhow::Result<f64> {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for n in 0..customers {
            let (account, key) = self.account_with_key(&format!("Customer {n}")).await?;
            let client = self.admin.with_key(&key);
            tasks.push(tokio::spawn(async move {
                let mut done = 0u64;
                while started.elapsed() < over {
                    let request = OrderRequest::Purchase(PurchaseOrder {
                        item: PurchaseRequest {
                            product: "failback".to_owned(),
                            cycle: None,
                            quantity: 1,
                            periods: 1,
                        },
                        auto_renew: None,
                        payment: PaymentChoice {
                            payment_method: PaymentMethod::Alipay,
                            currency: None,
                            return_url: None,
                        },
                    });
                    let order = client
                        .create_order(account, &Uuid::new_v4().to_string(), &request)
                        .await?;
                    let url = order.checkout.map(|c| c.url).unwrap_or_default();
                    client.complete_sandbox_checkout(&url, true).await?;
                    done += 1;
                }
                anyhow::Ok(done)
            }));
        }
        let mut total = 0;
        for task in tasks {
            total += task.await??;
        }
        Ok(total as f64 / started.elapsed().as_secs_f64())
    }

    /// The server's peak resident memory so far, in MB.
    pub fn peak_rss_mb(&self) -> anyhow::Result<f64> {
        peak_rss_mb(self.child.id())
    }
}

/// The server ends with the benchmark, whether a figure failed or not.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The peak resident memory of process `pid` so far (`VmHWM`), in MB.
pub fn peak_rss_mb(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no VmHWM")?;
    Ok(kb / 1024.0)
}
