//! Rate limits (governor): per API key, per license key and per client IP, answered with `429` and
//! `Retry-After`; repeated unknown keys from one IP are slowed down the same way.
//!
//! The limiters' memory is bounded, whatever a client sends:
//! - only a key the server knows (the bootstrap key, or one verified in the last seconds) gets
//!   an entry of its own; an unknown bearer token is counted against its client's IP (the
//!   per-IP limit, and the unknown-key limit once it fails), so a flood of random tokens adds
//!   no entry;
//! - IPv6 clients are counted per /64 ([`super::client::limit_key`]);
//! - entries back at a full quota (indistinguishable from a fresh one) are pruned every
//!   [`PRUNE_EVERY`].

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;
use poem::Request;

use super::client::limit_key;
use crate::auth::secret;

/// Unknown keys one IP may present per minute before it is slowed down.
const BAD_KEYS_PER_MINUTE: u32 = 20;

/// How often entries back at a full quota are dropped.
pub const PRUNE_EVERY: Duration = Duration::from_secs(5);

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
    started: Instant,
    /// Milliseconds after `started` at which the next prune is due.
    next_prune: AtomicU64,
    /// The proxies whose `X-Forwarded-For` names the client (`--trusted-proxies`).
    trusted_proxies: Vec<IpNet>,
}

fn per_second(rate: u32) -> Option<Quota> {
    NonZeroU32::new(rate).map(|r| {
        Quota::per_second(r).allow_burst(r.saturating_mul(NonZeroU32::MIN.saturating_add(1)))
    })
}

impl Limits {
    /// `per_key` and `per_ip` requests per second (bursts of twice that); 0 turns one off (and
    /// a per-IP 0 also stops slowing down unknown keys). The client of a request is its peer,
    /// or whom one of `trusted_proxies` forwarded for.
    pub fn new(per_key: u32, per_ip: u32, trusted_proxies: Vec<IpNet>) -> Arc<Self> {
        let bad = NonZeroU32::new(BAD_KEYS_PER_MINUTE).unwrap_or(NonZeroU32::MIN);
        Arc::new(Limits {
            per_key: per_second(per_key).map(RateLimiter::keyed),
            per_ip: per_second(per_ip).map(RateLimiter::keyed),
            bad_keys: (per_ip > 0).then(|| RateLimiter::keyed(Quota::per_minute(bad))),
            clock: DefaultClock::default(),
            started: Instant::now(),
            next_prune: AtomicU64::new(0),
            trusted_proxies,
        })
    }

    /// The client's IP: the connection's, or the one a trusted proxy forwarded for.
    pub fn client_ip(&self, req: &Request) -> Option<IpAddr> {
        super::client::client_ip(req, &self.trusted_proxies)
    }

    /// Counts an unknown key presented by `req`'s client; `Some(seconds)` to wait once there
    /// were too many.
    pub fn bad_key_from(&self, req: &Request) -> Option<u64> {
        self.bad_key(self.client_ip(req))
    }

    /// Counts an unknown key from `ip`; `Some(seconds)` to wait once there were too many.
    pub fn bad_key(&self, ip: Option<IpAddr>) -> Option<u64> {
        let ip = limit_key(ip?);
        self.bad_keys
            .as_ref()?
            .check_key(&ip)
            .err()
            .map(|not_until| not_until.wait_time_from(self.clock.now()).as_secs().max(1))
    }

    /// Counts a request made with a license key the server knows (`hash` of it), on the same
    /// per-key limit as API keys; `Some(seconds)` to wait once there were too many.
    pub fn license_key(&self, hash: &str) -> Option<u64> {
        self.per_key
            .as_ref()?
            .check_key(&format!("license:{hash}"))
            .err()
            .map(|not_until| not_until.wait_time_from(self.clock.now()).as_secs().max(1))
    }

    /// How many entries the limiters hold (keys, IPs, IPs with unknown keys): the memory they
    /// use grows with this, and only with this.
    pub fn entries(&self) -> usize {
        self.per_key.as_ref().map_or(0, |l| l.len())
            + self.per_ip.as_ref().map_or(0, |l| l.len())
            + self.bad_keys.as_ref().map_or(0, |l| l.len())
    }

    /// Drops every entry back at a full quota: forgetting it changes no answer.
    pub fn prune(&self) {
        if let Some(limiter) = &self.per_key {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        for limiter in [&self.per_ip, &self.bad_keys].into_iter().flatten() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Prunes when [`PRUNE_EVERY`] has passed since the last prune (one request does it).
    fn prune_when_due(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let due = self.next_prune.load(Ordering::Relaxed);
        let every = u64::try_from(PRUNE_EVERY.as_millis()).unwrap_or(u64::MAX);
        if now >= due
            && self
                .next_prune
                .compare_exchange(
                    due,
                    now.saturating_add(every),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
        {
            self.prune();
        }
    }
}

fn too_many(seconds: u64) -> poem::Response {
    crate::problem::too_many_requests(seconds, &format!("too many requests: retry in {seconds} s"))
}

/// The refusal of a request over its rate limits, if it is. Only a key `known` (by its hash)
/// is limited on its own; any other is counted against its client's IP.
pub fn refuse(
    limits: &Limits,
    req: &Request,
    known: impl Fn(&str) -> bool,
) -> Option<poem::Response> {
    limits.prune_when_due();
    let now = limits.clock.now();
    if let (Some(limiter), Some(ip)) = (&limits.per_ip, limits.client_ip(req))
        && let Err(not_until) = limiter.check_key(&limit_key(ip))
    {
        return Some(too_many(not_until.wait_time_from(now).as_secs().max(1)));
    }
    let bearer = req
        .header(poem::http::header::AUTHORIZATION)
        .and_then(|h| h.strip_prefix("Bearer "));
    if let (Some(limiter), Some(secret)) = (&limits.per_key, bearer) {
        let hash = secret::hash(secret);
        if known(&hash)
            && let Err(not_until) = limiter.check_key(&hash)
        {
            return Some(too_many(not_until.wait_time_from(now).as_secs().max(1)));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_back_at_a_full_quota_are_pruned() {
        let limits = Limits::new(100, 1000, Vec::new());
        let per_ip = limits.per_ip.as_ref().expect("per-IP limit on");
        for n in 0..500u32 {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + n));
            assert!(per_ip.check_key(&ip).is_ok());
            assert!(limits.bad_key(Some(ip)).is_none());
        }
        assert_eq!(limits.entries(), 1000);
        // One request replenishes in 1 ms at 1000/s; the unknown-key limit takes 3 s.
        std::thread::sleep(Duration::from_millis(20));
        limits.prune();
        assert_eq!(limits.entries(), 500, "the per-IP entries are gone");
    }
}
