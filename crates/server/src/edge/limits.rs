//! Rate limits (governor): per API key and per client IP, answered with `429` and
//! `Retry-After`; repeated unknown keys from one IP are slowed down the same way. Bodies are
//! capped at [`MAX_BODY_BYTES`].

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use poem::Request;
use poem::http::{HeaderValue, StatusCode};

use crate::app::AppState;
use crate::auth::keys;

/// The largest request body accepted: 1 MiB.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Unknown keys one IP may present per minute before it is slowed down.
const BAD_KEYS_PER_MINUTE: u32 = 20;

/// The limiters of one server.
#[derive(Debug)]
pub struct Limits {
    per_key: Option<DefaultKeyedRateLimiter<String>>,
    per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// On with the per-IP limit.
    bad_keys: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Made once: making a clock calibrates it (5 % of the CPU of the read path when it was
    /// made per request).
    clock: DefaultClock,
}

fn per_second(rate: u32) -> Option<Quota> {
    NonZeroU32::new(rate).map(|r| {
        Quota::per_second(r).allow_burst(r.saturating_mul(NonZeroU32::MIN.saturating_add(1)))
    })
}

impl Limits {
    /// `per_key` and `per_ip` requests per second (bursts of twice that); 0 turns one off (and
    /// a per-IP 0 also stops slowing down unknown keys).
    pub fn new(per_key: u32, per_ip: u32) -> Arc<Self> {
        let bad = NonZeroU32::new(BAD_KEYS_PER_MINUTE).unwrap_or(NonZeroU32::MIN);
        Arc::new(Limits {
            per_key: per_second(per_key).map(RateLimiter::keyed),
            per_ip: per_second(per_ip).map(RateLimiter::keyed),
            bad_keys: (per_ip > 0).then(|| RateLimiter::keyed(Quota::per_minute(bad))),
            clock: DefaultClock::default(),
        })
    }

    /// Counts an unknown key from `ip`; `Some(seconds)` to wait once there were too many.
    pub fn bad_key(&self, ip: Option<IpAddr>) -> Option<u64> {
        let ip = ip?;
        self.bad_keys
            .as_ref()?
            .check_key(&ip)
            .err()
            .map(|not_until| not_until.wait_time_from(self.clock.now()).as_secs().max(1))
    }
}

/// The client's IP, from the connection (no proxy headers are trusted).
pub fn client_ip(req: &Request) -> Option<IpAddr> {
    req.remote_addr().as_socket_addr().map(|a| a.ip())
}

fn too_many(seconds: u64) -> poem::Response {
    let mut response = super::refusal(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        &format!("too many requests: retry in {seconds} s"),
    );
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response
            .headers_mut()
            .insert(poem::http::header::RETRY_AFTER, value);
    }
    response
}

/// The refusal of a request over its limits, if it is.
pub fn refuse(state: &AppState, req: &Request) -> Option<poem::Response> {
    let limits = &state.limits;
    let now = limits.clock.now();
    if let (Some(limiter), Some(ip)) = (&limits.per_ip, client_ip(req))
        && let Err(not_until) = limiter.check_key(&ip)
    {
        return Some(too_many(not_until.wait_time_from(now).as_secs().max(1)));
    }
    let bearer = req
        .header(poem::http::header::AUTHORIZATION)
        .and_then(|h| h.strip_prefix("Bearer "));
    if let (Some(limiter), Some(secret)) = (&limits.per_key, bearer)
        && let Err(not_until) = limiter.check_key(&keys::hash(secret))
    {
        return Some(too_many(not_until.wait_time_from(now).as_secs().max(1)));
    }
    let too_large = req
        .header(poem::http::header::CONTENT_LENGTH)
        .and_then(|l| l.parse::<usize>().ok())
        .is_some_and(|length| length > MAX_BODY_BYTES);
    // A body of unknown length could be any size: chunked uploads are refused.
    let chunked = req.header(poem::http::header::TRANSFER_ENCODING).is_some()
        && req.header(poem::http::header::CONTENT_LENGTH).is_none();
    if chunked {
        return Some(super::refusal(
            StatusCode::LENGTH_REQUIRED,
            "length_required",
            "send the body with a Content-Length",
        ));
    }
    too_large.then(|| {
        super::refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            &format!("request bodies are limited to {MAX_BODY_BYTES} bytes"),
        )
    })
}
