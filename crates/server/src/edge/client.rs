//! Who the client is, for the per-IP limits and the logs.
//!
//! The rule: the socket peer is the client, unless the peer is one of `--trusted-proxies`. Then
//! `X-Forwarded-For` is read from its right end (the hop the trusted proxy appended) leftwards,
//! past every trusted proxy, and the first address that is not trusted is the client. Anyone
//! else's `X-Forwarded-For` is ignored: a client that could name its own address would pick a
//! fresh one per request and never be limited.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use ipnet::IpNet;
use poem::Request;

/// The header proxies name the client in.
const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's IP: the connection's, or the one a proxy of `trusted` forwarded for.
pub fn client_ip(req: &Request, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = req.remote_addr().as_socket_addr()?.ip().to_canonical();
    if trusted.is_empty() {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get_all(X_FORWARDED_FOR)
        .iter()
        .filter_map(|value| value.to_str().ok());
    Some(resolve(peer, forwarded, trusted))
}

fn trusted_by(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&ip))
}

/// One hop of `X-Forwarded-For`: an address, possibly with a port (`[::1]:80`, `1.2.3.4:80`).
fn hop(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    text.parse::<IpAddr>()
        .or_else(|_| text.parse::<SocketAddr>().map(|a| a.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// The client of a request from `peer` carrying the `forwarded` header values (in order).
pub fn resolve<'a>(
    peer: IpAddr,
    forwarded: impl Iterator<Item = &'a str>,
    trusted: &[IpNet],
) -> IpAddr {
    if !trusted_by(peer, trusted) {
        return peer;
    }
    let hops: Vec<&str> = forwarded.flat_map(|value| value.split(',')).collect();
    let mut client = peer;
    for text in hops.into_iter().rev() {
        // A hop that is not an address was written by someone untrusted: the last trusted
        // proxy is the best that is known of the client.
        let Some(ip) = hop(text) else { break };
        client = ip;
        if !trusted_by(ip, trusted) {
            break;
        }
    }
    client
}

/// The key a client is limited under: its address, or for IPv6 its /64 (one host routinely
/// holds a whole /64, and must not get 2^64 fresh entries by counting through it).
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & (u128::MAX << 64);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter()
            .map(|n| crate::config::parse_proxy(n).expect("a CIDR"))
            .collect()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = nets(&["10.0.0.0/8"]);
        let client = resolve(ip("203.0.113.9"), ["1.1.1.1"].into_iter(), &trusted);
        assert_eq!(client, ip("203.0.113.9"));
        assert_eq!(
            resolve(ip("10.0.0.1"), ["1.1.1.1"].into_iter(), &[]),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client_past_the_other_trusted_hops() {
        let trusted = nets(&["10.0.0.0/8", "192.0.2.7"]);
        // The client put a forged hop first; the proxies appended the real one and themselves.
        let headers = ["6.6.6.6, 198.51.100.4", "192.0.2.7 , 10.1.2.3"];
        assert_eq!(
            resolve(ip("10.0.0.1"), headers.into_iter(), &trusted),
            ip("198.51.100.4")
        );
        assert_eq!(
            resolve(ip("10.0.0.1"), [].into_iter(), &trusted),
            ip("10.0.0.1")
        );
        assert_eq!(
            resolve(ip("10.0.0.1"), ["[2001:db8::1]:443"].into_iter(), &trusted),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn garbage_in_the_header_stops_at_the_last_trusted_hop() {
        let trusted = nets(&["10.0.0.0/8"]);
        let client = resolve(
            ip("10.0.0.1"),
            ["not-an-ip, 10.9.9.9"].into_iter(),
            &trusted,
        );
        assert_eq!(client, ip("10.9.9.9"));
    }

    #[test]
    fn ipv6_clients_are_limited_per_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(
            limit_key(ip("2001:db8:1:2:aaaa::1")),
            limit_key(ip("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(
            limit_key(ip("2001:db8:1:2::1")),
            limit_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(limit_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }
}
