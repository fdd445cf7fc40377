//! The client's address, for throttling and the sign-in audit trail.
//!
//! Behind a TLS proxy every connection comes from the proxy, so the client is whoever the proxy
//! says in `X-Forwarded-For`. That header is only believed when the direct peer is a proxy the
//! settings trust (`PORTAL_TRUSTED_PROXIES`): anyone else could write any address there. Each
//! proxy appends the address it saw, so the entries are read from the right, skipping trusted
//! proxies; the first one that is not trusted is the client. Entries to its left were written by
//! the client itself and are worth nothing.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::error::AppError;
use crate::web::AppState;

/// The client's address as far as the trusted proxies can tell.
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ConnectInfo(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
            .ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!(
                    "served without connect info: no peer address"
                ))
            })?;
        Ok(ClientAddr(client_address(
            peer.ip(),
            &parts.headers,
            &state.settings.trusted_proxies,
        )))
    }
}

/// The right-most address in `X-Forwarded-For` that is not a trusted proxy, when `peer` is one;
/// else `peer`. An entry that is not an address stops the walk at the hop that passed it on.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    // An IPv4 client seen on an IPv6 socket is the same client as on an IPv4 one.
    let peer = peer.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = ip.to_canonical();
        if !is_trusted(&client) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_forwarded_address_counts_only_from_a_trusted_proxy() {
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()];
        let forged = headers(&["198.51.100.7"]);
        // No proxies trusted, or a peer that is not one: the header is ignored.
        assert_eq!(
            client_address(ip("203.0.113.9"), &forged, &[]),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(ip("203.0.113.9"), &forged, &proxies),
            ip("203.0.113.9")
        );
        // From a trusted proxy: the right-most untrusted entry, not what the client wrote first.
        assert_eq!(
            client_address(
                ip("10.1.1.1"),
                &headers(&["1.1.1.1, 198.51.100.7"]),
                &proxies
            ),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_address(
                ip("10.1.1.1"),
                &headers(&["1.1.1.1", "198.51.100.7, 10.2.2.2"]),
                &proxies
            ),
            ip("198.51.100.7"),
            "several headers, a second trusted proxy"
        );
        // Garbage stops the walk at the last trusted hop; no header leaves the peer.
        assert_eq!(
            client_address(
                ip("10.1.1.1"),
                &headers(&["198.51.100.7, junk, 10.2.2.2"]),
                &proxies
            ),
            ip("10.2.2.2")
        );
        assert_eq!(
            client_address(ip("10.1.1.1"), &headers(&[]), &proxies),
            ip("10.1.1.1")
        );
        // An IPv4 peer on an IPv6 socket.
        assert_eq!(
            client_address(ip("::ffff:10.1.1.1"), &headers(&["198.51.100.7"]), &proxies),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_address(ip("::1"), &headers(&["2001:db8::5"]), &proxies),
            ip("2001:db8::5")
        );
    }
}
