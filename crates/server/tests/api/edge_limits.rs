//! Limits that hold (issue 17): the body limit for bodies of any framing, rate-limiter memory
//! bounded under a flood of random tokens, and `X-Forwarded-For` believed only from a trusted
//! proxy.

use entitle_domain::api::Problem;
use entitle_domain::api::ProblemCode;
use futures_util::stream;

use crate::harness::{ADMIN_KEY, Backend, TestApp, run_with};

/// A body that would create an account named `name`, padded with JSON whitespace to `size`
/// bytes, sent as 64 KiB chunks of a stream with no length.
fn streamed_account(name: &str, size: usize) -> reqwest::Body {
    let head = format!("{{\"name\":\"{name}\",\"kind\":\"individual\",\"region\":\"cn\"}}");
    let mut bytes = head.into_bytes();
    bytes.resize(size.max(bytes.len()), b' ');
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    reqwest::Body::wrap_stream(stream::iter(chunks))
}

async fn account_named(app: &TestApp, name: &str) -> bool {
    let page = app
        .admin
        .list_accounts(Some(100), None)
        .await
        .expect("list accounts");
    page.items.iter().any(|a| a.name == name)
}

async fn post_streamed(
    app: &TestApp,
    http: &reqwest::Client,
    name: &str,
    size: usize,
) -> reqwest::Response {
    http.post(app.url("/v1/accounts"))
        .bearer_auth(ADMIN_KEY)
        .header("content-type", "application/json")
        .body(streamed_account(name, size))
        .send()
        .await
        .expect("the server answers before the body ends")
}

async fn assert_cut_at_the_limit(app: &TestApp, http: &reqwest::Client, version: reqwest::Version) {
    // HTTP/2 cuts one stream (RST_STREAM), not the connection: the client reads the answer.
    let small = post_streamed(app, http, "Streamed small", 10 * 1024).await;
    assert_eq!(small.version(), version);
    assert_eq!(
        small.status(),
        201,
        "a small body without a length is served"
    );
    assert!(account_named(app, "Streamed small").await);

    let huge = post_streamed(app, http, "Streamed huge", 2 * 1024 * 1024).await;
    assert_eq!(huge.status(), 413);
    assert_eq!(huge.headers()["content-type"], "application/problem+json");
    let problem: Problem = huge.json().await.expect("problem");
    assert_eq!(problem.code, ProblemCode::PayloadTooLarge);
    assert!(
        !account_named(app, "Streamed huge").await,
        "the handler never saw the body"
    );
}

/// Posts a padded account body as HTTP/1.1 chunks over a plain socket, reading the answer
/// while the chunks are still being written (a client that only reads once it has written
/// everything sees the server's cut as a broken pipe): the status and the body.
fn post_chunked(base_url: &str, name: &str, size: usize) -> (u16, String) {
    use std::io::{Read, Write};

    let addr = base_url.trim_start_matches("http://").to_owned();
    let mut reader = std::net::TcpStream::connect(&addr).expect("connect");
    reader
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    let mut writer = reader.try_clone().expect("a second handle");
    let mut body =
        format!("{{\"name\":\"{name}\",\"kind\":\"individual\",\"region\":\"cn\"}}").into_bytes();
    body.resize(size.max(body.len()), b' ');
    let head = format!(
        "POST /v1/accounts HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {ADMIN_KEY}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let writing = std::thread::spawn(move || -> std::io::Result<()> {
        writer.write_all(head.as_bytes())?;
        for chunk in body.chunks(64 * 1024) {
            writer.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())?;
            writer.write_all(chunk)?;
            writer.write_all(b"\r\n")?;
        }
        writer.write_all(b"0\r\n\r\n")
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 8192];
    let complete = |answer: &[u8]| {
        let text = String::from_utf8_lossy(answer);
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            return false;
        };
        let length = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().to_owned())
            })
            .and_then(|v| v.parse::<usize>().ok());
        length.is_some_and(|length| body.len() >= length)
    };
    while !complete(&answer) {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    // The writer may have been cut off mid-body: that is the point.
    let _ = writing.join();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_over_the_limit_is_cut_and_refused_with_413() {
    run_with(
        Backend::Sqlite,
        |_| {},
        |app| async move {
            let base = app.base_url.clone();
            let (status, _) = tokio::task::spawn_blocking(move || {
                post_chunked(&base, "Chunked small", 10 * 1024)
            })
            .await
            .expect("small");
            assert_eq!(status, 201, "a small chunked body is served");
            assert!(account_named(&app, "Chunked small").await);

            let base = app.base_url.clone();
            let (status, body) = tokio::task::spawn_blocking(move || {
                post_chunked(&base, "Chunked huge", 2 * 1024 * 1024)
            })
            .await
            .expect("huge");
            assert_eq!(status, 413, "{body}");
            let problem: Problem = serde_json::from_str(&body).expect("problem+json");
            assert_eq!(problem.code, ProblemCode::PayloadTooLarge);
            assert!(
                !account_named(&app, "Chunked huge").await,
                "the handler never saw the body"
            );
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http2_body_without_a_length_over_the_limit_is_refused_with_413() {
    run_with(
        Backend::Sqlite,
        |_| {},
        |app| async move {
            let http = reqwest::Client::builder()
                .http2_prior_knowledge()
                .build()
                .expect("an HTTP/2 client");
            assert_cut_at_the_limit(&app, &http, reqwest::Version::HTTP_2).await;
        },
    )
    .await;
}

/// The limiters' entries, as `/metrics` reports them.
async fn limiter_entries(app: &TestApp) -> u64 {
    let text = app
        .http
        .get(app.url("/metrics"))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .find_map(|line| line.strip_prefix("entitle_rate_limiter_entries "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no limiter entries in {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_random_tokens_adds_no_limiter_entries() {
    // Per-IP limiting on (and with it the unknown-key limit), high enough not to stop the flood.
    run_with(
        Backend::Sqlite,
        |config| config.rate_limit_per_ip = 1_000_000,
        |app| async move {
            let before = limiter_entries(&app).await;
            let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
            for batch in 0..250 {
                let mut sent = tokio::task::JoinSet::new();
                for n in 0..40 {
                    let request = app.http.get(app.url("/v1/me")).bearer_auth(format!(
                        "ent_random_{batch}_{n}_{}",
                        uuid::Uuid::new_v4().simple()
                    ));
                    sent.spawn(request.send());
                }
                for answer in sent.join_all().await {
                    *statuses
                        .entry(answer.expect("request").status().as_u16())
                        .or_default() += 1;
                }
            }
            assert_eq!(statuses.values().sum::<usize>(), 10_000);
            assert!(
                statuses.keys().all(|s| *s == 401 || *s == 429),
                "{statuses:?}"
            );
            let after = limiter_entries(&app).await;
            assert!(
                after <= before + 3,
                "10 000 random tokens grew the limiters from {before} to {after} entries"
            );
        },
    )
    .await;
}

async fn statuses_with_forwarded_for(
    app: &TestApp,
    forwarded: impl Fn(usize) -> String,
) -> Vec<u16> {
    let mut statuses = Vec::new();
    for n in 0..12 {
        let answer = app
            .http
            .get(app.url("/healthz"))
            .header("x-forwarded-for", forwarded(n))
            .send()
            .await
            .expect("request");
        statuses.push(answer.status().as_u16());
    }
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_forwarded_for_from_an_untrusted_peer_is_ignored() {
    run_with(
        Backend::Sqlite,
        |config| config.rate_limit_per_ip = 2,
        |app| async move {
            let statuses = statuses_with_forwarded_for(&app, |n| format!("198.51.100.{n}")).await;
            assert!(
                statuses.contains(&429),
                "inventing addresses dodged the per-IP limit: {statuses:?}"
            );
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_forwarded_for_from_a_trusted_proxy_names_the_client() {
    let trusted = |config: &mut entitle_server::Config| {
        config.rate_limit_per_ip = 2;
        config.trusted_proxies =
            vec![entitle_server::config::parse_proxy("127.0.0.0/8").expect("CIDR")];
    };
    run_with(Backend::Sqlite, trusted, |app| async move {
        // Each request from another client behind the proxy: each has its own quota.
        let distinct =
            statuses_with_forwarded_for(&app, |n| format!("6.6.6.6, 198.51.100.{n}")).await;
        assert!(distinct.iter().all(|s| *s == 200), "{distinct:?}");
        // One client behind the proxy, however the part it wrote itself varies: limited.
        let one = statuses_with_forwarded_for(&app, |n| format!("10.9.9.{n}, 203.0.113.5")).await;
        assert!(one.contains(&429), "{one:?}");
    })
    .await;
}
