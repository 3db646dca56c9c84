//! Who is asking: the client address every per-client limit is keyed by.
//!
//! The address is the TCP peer's, which the accept loop attaches to each request as
//! `ConnectInfo<SocketAddr>`. Behind a reverse proxy every peer is the proxy, so with
//! `support.limits.trust_forwarded_for` the address comes from `X-Forwarded-For` instead, read
//! from the right: each proxy appends the address it received the request from, so the entries
//! a client can forge are on the left. The client is the right-most entry that is not one of
//! `server.trusted_proxies` (loopback by default); a peer that is not a trusted proxy is the
//! client whatever the header says.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap};
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct ProxyTrust {
    /// Off: the peer address is the client, whatever the headers say.
    pub enabled: bool,
    pub proxies: Vec<IpNet>,
}

impl ProxyTrust {
    /// Trust `X-Forwarded-For` from `proxies` when `enabled`.
    pub fn new(enabled: bool, proxies: Vec<IpNet>) -> ProxyTrust {
        ProxyTrust { enabled, proxies }
    }

    fn is_proxy(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.proxies.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request whose TCP peer is `peer`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.enabled || !self.is_proxy(peer) {
            return peer;
        }
        // Several X-Forwarded-For headers are one list, in order.
        let entries: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        let mut client = peer;
        for entry in entries.iter().rev() {
            let Some(ip) = parse_entry(entry) else {
                // Garbage in the chain: the last address we could trust is the client.
                return client;
            };
            client = ip;
            if !self.is_proxy(ip) {
                return ip;
            }
        }
        client
    }

    /// The client of a request as axum sees it (peer from `ConnectInfo`, `0.0.0.0` without).
    pub fn client_of(&self, headers: &HeaderMap, extensions: &Extensions) -> IpAddr {
        let peer = extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        self.client(peer, headers)
    }
}

/// Extractor: the client address of a request, by the service's [`ProxyTrust`].
#[derive(Debug, Clone, Copy)]
pub struct Client(pub IpAddr);

impl FromRequestParts<super::AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &super::AppState,
    ) -> Result<Client, Self::Rejection> {
        Ok(Client(
            state.proxy.client_of(&parts.headers, &parts.extensions),
        ))
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let e = entry.trim();
    if let Ok(ip) = e.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    e.parse::<SocketAddr>().ok().map(|s| s.ip().to_canonical())
}

/// The loopback networks, trusted as proxies by default.
pub fn loopback() -> Vec<IpNet> {
    ["127.0.0.0/8", "::1/128"]
        .iter()
        .filter_map(|n| n.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_right_most_untrusted_entry_is_the_client() {
        let t = ProxyTrust::new(true, vec!["10.0.0.0/8".parse().unwrap()]);
        let h = headers(&["6.6.6.6, 203.0.113.7, 10.0.0.2"]);
        assert_eq!(t.client(ip("10.0.0.1"), &h), ip("203.0.113.7"));
        // Split over several headers, with a port.
        let h = headers(&["6.6.6.6", "203.0.113.7:4433"]);
        assert_eq!(t.client(ip("10.0.0.1"), &h), ip("203.0.113.7"));
        // Only proxies: the left-most of them.
        let h = headers(&["10.0.0.9"]);
        assert_eq!(t.client(ip("10.0.0.1"), &h), ip("10.0.0.9"));
        // Garbage stops the walk at the last good address.
        let h = headers(&["203.0.113.7, nonsense"]);
        assert_eq!(t.client(ip("10.0.0.1"), &h), ip("10.0.0.1"));
    }

    #[test]
    fn headers_from_untrusted_peers_are_ignored() {
        let t = ProxyTrust::new(true, loopback());
        let h = headers(&["203.0.113.7"]);
        assert_eq!(t.client(ip("198.51.100.1"), &h), ip("198.51.100.1"));
        assert_eq!(t.client(ip("127.0.0.1"), &h), ip("203.0.113.7"));
        assert_eq!(t.client(ip("::ffff:127.0.0.1"), &h), ip("203.0.113.7"));
        let off = ProxyTrust::new(false, loopback());
        assert_eq!(off.client(ip("127.0.0.1"), &h), ip("127.0.0.1"));
    }
}
