//! Which address a request came from, behind load balancers the practice trusts.
//!
//! Each proxy appends the address it received the request from to `X-Forwarded-For`, so only the
//! entries our own proxies appended are true; anything to their left the client could have written.
//! The client is therefore the rightmost entry that is not one of our proxies.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::RuleViolation;

/// The practice's own proxies (`CARELOG_TRUSTED_PROXIES`), as CIDR blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// A comma-separated list of CIDR blocks or single addresses: `10.0.0.0/8, 192.0.2.7`.
    pub fn parse(text: &str) -> Result<Self, RuleViolation> {
        let mut blocks = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let block = item
                .parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    RuleViolation::new(
                        "trusted proxies",
                        format!("\"{item}\" is not an address or a CIDR block such as 10.0.0.0/8"),
                    )
                })?;
            blocks.push(block);
        }
        if blocks.is_empty() {
            return Err(RuleViolation::new(
                "trusted proxies",
                "name the load balancers' addresses as CIDR blocks, such as 10.0.0.0/8",
            ));
        }
        Ok(Self(blocks))
    }

    fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|block| block.contains(&address))
    }

    /// The client's address: `peer` (the connection's other end) unless it is one of our proxies,
    /// else the rightmost `X-Forwarded-For` entry that is not; when every entry is ours, the leftmost.
    /// An entry that is not an address ends the walk at the proxy that passed it on.
    pub fn client_of(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let mut client = canonical(peer);
        if !self.contains(client) {
            return client;
        }
        for entry in forwarded_for.iter().flat_map(|h| h.split(',')).rev() {
            let Ok(hop) = entry.trim().parse::<IpAddr>() else { return client };
            client = canonical(hop);
            if !self.contains(client) {
                return client;
            }
        }
        client
    }
}

/// An IPv4 address seen as IPv6 (`::ffff:10.0.0.1`, as a dual-stack socket reports it) is that IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn proxies() -> TrustedProxies {
        TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").unwrap()
    }

    #[test]
    fn the_rightmost_entry_not_ours_is_the_client() {
        let p = proxies();
        // The client wrote 203.0.113.9 itself; our proxy appended the address it really came from.
        assert_eq!(p.client_of(ip("10.1.1.1"), &["203.0.113.9, 198.51.100.4"]), ip("198.51.100.4"));
        // Two of our proxies in a row.
        assert_eq!(
            p.client_of(ip("10.1.1.1"), &["203.0.113.9, 198.51.100.4, 192.0.2.7"]),
            ip("198.51.100.4")
        );
        // Several headers count as one list, in order.
        assert_eq!(
            p.client_of(ip("10.1.1.1"), &["203.0.113.9", "198.51.100.4"]),
            ip("198.51.100.4")
        );
    }

    #[test]
    fn a_forged_leftmost_entry_is_never_taken() {
        let p = proxies();
        // The load balancer appended 198.51.100.20; whatever the client wrote before it varies in vain.
        for forged in ["203.0.113.1", "203.0.113.77", "10.0.0.1"] {
            let header = format!("{forged}, 198.51.100.20");
            assert_eq!(p.client_of(ip("10.9.9.9"), &[header.as_str()]), ip("198.51.100.20"));
        }
        assert_eq!(p.client_of(ip("10.1.1.1"), &["10.2.2.2, 10.3.3.3"]), ip("10.2.2.2"));
    }

    #[test]
    fn a_peer_that_is_not_our_proxy_is_the_client_whatever_it_says() {
        let p = proxies();
        assert_eq!(p.client_of(ip("198.51.100.4"), &["203.0.113.9"]), ip("198.51.100.4"));
        assert_eq!(p.client_of(ip("::ffff:198.51.100.4"), &[]), ip("198.51.100.4"));
        assert_eq!(p.client_of(ip("::ffff:10.0.0.5"), &["198.51.100.4"]), ip("198.51.100.4"));
    }

    #[test]
    fn garbage_stops_at_the_proxy_that_passed_it_on() {
        let p = proxies();
        assert_eq!(p.client_of(ip("10.1.1.1"), &["evil, not-an-ip"]), ip("10.1.1.1"));
        assert_eq!(p.client_of(ip("10.1.1.1"), &[]), ip("10.1.1.1"));
    }

    #[test]
    fn the_list_must_name_something_valid() {
        assert!(TrustedProxies::parse("").is_err());
        assert!(TrustedProxies::parse("10.0.0.0/33").unwrap_err().message.contains("10.0.0.0/33"));
        assert!(TrustedProxies::parse("fd00::/8, 127.0.0.1").is_ok());
    }
}
