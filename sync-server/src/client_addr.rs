//! Which address a request came from, when the server sits behind a reverse proxy (nginx, a
//! load balancer): the peer of a connection is then the proxy, and the client's address is in
//! the `X-Forwarded-For` header the proxy adds.
//!
//! The header is believed only from a [`TrustedProxies`] peer (by default the loopback
//! addresses, where a proxy on the same machine connects from; as Gitea does), and read from
//! the right: each trusted proxy appends the address it saw, so the right-most address that is
//! not itself a trusted proxy is the client. Anything to its left was written by the client and
//! could be anything. A header that cannot be read leaves the proxy's own address, so a
//! broken proxy makes all its clients share one count instead of letting one client pick its
//! own.
//!
//! The address is what the login throttle counts and what the logs name; a trusted proxy's
//! connections are not counted per address (it carries everyone's; limit them at the proxy).

use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The header a reverse proxy puts the client's address in.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// The networks whose connections are proxies that may say whom they forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl Default for TrustedProxies {
    /// The loopback networks: a proxy on the same machine. A client on another machine cannot
    /// connect from them.
    fn default() -> Self {
        "127.0.0.0/8,::1/128".parse().expect("the loopback networks are spelled right")
    }
}

impl TrustedProxies {
    /// No proxy is trusted: `X-Forwarded-For` is ignored and the peer is the client.
    pub fn none() -> TrustedProxies {
        TrustedProxies(Arc::from([]))
    }

    /// Whether `ip` is a trusted proxy.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address for a request that came over a connection from `peer`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let mut hops = Vec::new();
        for value in headers.get_all(FORWARDED_FOR) {
            let Ok(value) = value.to_str() else { return peer };
            for hop in value.split(',') {
                match parse_hop(hop) {
                    Some(ip) => hops.push(ip),
                    None => return peer,
                }
            }
        }
        hops.into_iter().rev().find(|ip| !self.trusts(*ip)).unwrap_or(peer)
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// A comma-separated list of addresses and networks (`10.0.0.5,10.1.0.0/16,::1`); empty or
    /// `none` trusts no proxy.
    fn from_str(list: &str) -> Result<Self, Self::Err> {
        let list = list.trim();
        if list.is_empty() || list.eq_ignore_ascii_case("none") {
            return Ok(TrustedProxies::none());
        }
        let nets = list
            .split(',')
            .map(|item| {
                let item = item.trim();
                item.parse::<IpNet>().or_else(|_| item.parse::<IpAddr>().map(IpNet::from)).map_err(|_| {
                    format!(
                        "'{item}' is not an address or a network (write 10.0.0.5, 10.0.0.0/8 \
                             or ::1, separated by commas, or 'none')"
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TrustedProxies(nets.into()))
    }
}

/// One hop of `X-Forwarded-For`: an address, as nginx writes it (IPv6 without brackets), or
/// with brackets and a port as some proxies do.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(addr) = hop.parse::<std::net::SocketAddr>() {
        return Some(canonical(addr.ip()));
    }
    None
}

/// An IPv4 address seen through an IPv6 socket (`::ffff:10.0.0.5`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(FORWARDED_FOR, value.parse().unwrap());
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_client_that_is_not_a_proxy_cannot_choose_its_address() {
        let trusted = TrustedProxies::default();
        let spoofed = headers(&["203.0.113.9"]);
        assert_eq!(trusted.client(ip("198.51.100.4"), &spoofed), ip("198.51.100.4"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
        let trusted: TrustedProxies = "127.0.0.1,10.0.0.0/8".parse().unwrap();
        // The client wrote 1.2.3.4 itself; the edge proxy saw 203.0.113.9; an inner proxy
        // (10.0.0.2) forwarded to us over loopback.
        let chain = headers(&["1.2.3.4, 203.0.113.9", "10.0.0.2"]);
        assert_eq!(trusted.client(ip("127.0.0.1"), &chain), ip("203.0.113.9"));
        assert_eq!(trusted.client(ip("::ffff:127.0.0.1"), &chain), ip("203.0.113.9"));
        // A proxy that forwards without the header: its own address.
        assert_eq!(trusted.client(ip("127.0.0.1"), &HeaderMap::new()), ip("127.0.0.1"));
    }

    #[test]
    fn a_header_that_cannot_be_read_leaves_the_proxy_address() {
        let trusted = TrustedProxies::default();
        assert_eq!(trusted.client(ip("127.0.0.1"), &headers(&["203.0.113.9, nonsense"])), ip("127.0.0.1"));
        assert_eq!(trusted.client(ip("127.0.0.1"), &headers(&["[2001:db8::1]:443"])), ip("2001:db8::1"));
    }

    #[test]
    fn none_trusts_nobody_and_a_bad_list_is_refused_in_words() {
        let none: TrustedProxies = "none".parse().unwrap();
        assert_eq!(none.client(ip("127.0.0.1"), &headers(&["203.0.113.9"])), ip("127.0.0.1"));
        assert_eq!("".parse::<TrustedProxies>().unwrap(), TrustedProxies::none());
        let err = "10.0.0.1, nginx".parse::<TrustedProxies>().unwrap_err();
        assert!(err.contains("'nginx' is not an address"), "{err}");
    }
}
