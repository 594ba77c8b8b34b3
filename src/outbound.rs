//! Where the service may send requests that an organization's admin chose the address of
//! (webhook receivers): not to the network the service runs in. Loopback, private,
//! link-local (where clouds serve instance credentials), shared and reserved addresses are
//! refused, unless the operator allows their network (`WEBHOOK_ALLOWED_NETWORKS`), so that
//! a tenant cannot make the service reach internal systems (SSRF, OWASP API7).
//!
//! The check is on the addresses actually connected to: a receiver's name is resolved by
//! `GuardedResolver`, which hands the connector only permitted addresses, so a name that
//! resolves (or later re-resolves) to an internal address gets nowhere.

use std::error::Error as StdError;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use actix_tls::connect::{Connector as TcpConnector, Resolve, Resolver};
use futures_util::future::LocalBoxFuture;

use crate::networks::{parse_networks, Network};

/// Addresses that belong to the network the service runs in, or to no one on the internet.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(ip) => is_internal_v4(ip),
        IpAddr::V6(ip) => is_internal_v6(ip),
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0 // "this network", 0.0.0.0 included
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
}

/// The operator's exceptions: internal networks that receivers may be on.
#[derive(Debug, Clone, Default)]
pub struct ReceiverPolicy {
    allowed: Arc<Vec<Network>>,
}

impl ReceiverPolicy {
    pub fn allowing(networks: Vec<Network>) -> ReceiverPolicy {
        ReceiverPolicy {
            allowed: Arc::new(networks),
        }
    }

    /// A comma-separated list of networks (`WEBHOOK_ALLOWED_NETWORKS`); empty allows none.
    pub fn parse(list: &str) -> Result<ReceiverPolicy, String> {
        Ok(ReceiverPolicy::allowing(parse_networks(list)?))
    }

    pub fn permits(&self, ip: IpAddr) -> bool {
        !is_internal(ip) || self.allowed.iter().any(|network| network.holds(&ip))
    }

    /// Why a receiver at `host` (as written in its URL) is refused without a lookup: an IP
    /// address the policy does not permit (a name is checked when it is resolved).
    pub fn refusal_of_host(&self, host: &str) -> Option<String> {
        let ip: IpAddr = host.parse().ok()?;
        (!self.permits(ip)).then(|| refusal(host, &[ip]))
    }

    /// An HTTP client that connects only to addresses this policy permits.
    pub fn client(&self, timeout: Duration) -> awc::Client {
        let resolver = Resolver::custom(GuardedResolver {
            policy: self.clone(),
        });
        let connector = awc::Connector::new().connector(TcpConnector::new(resolver).service());
        awc::Client::builder()
            .connector(connector)
            .timeout(timeout)
            .finish()
    }
}

fn refusal(host: &str, addresses: &[IpAddr]) -> String {
    let addresses: Vec<String> = addresses.iter().map(IpAddr::to_string).collect();
    format!(
        "{host} is an internal address ({}); receivers on internal networks must be allowed by the operator (WEBHOOK_ALLOWED_NETWORKS)",
        addresses.join(", ")
    )
}

/// Resolves a receiver's name and keeps only the addresses the policy permits.
struct GuardedResolver {
    policy: ReceiverPolicy,
}

impl Resolve for GuardedResolver {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> LocalBoxFuture<'a, Result<Vec<SocketAddr>, Box<dyn StdError>>> {
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host, port)).await?.collect();
            let permitted: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|address| self.policy.permits(address.ip()))
                .collect();
            if permitted.is_empty() && !found.is_empty() {
                let addresses: Vec<IpAddr> = found.iter().map(SocketAddr::ip).collect();
                return Err(refusal(host, &addresses).into());
            }
            Ok(permitted)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn internal_addresses_are_refused_and_public_ones_permitted() {
        let policy = ReceiverPolicy::default();
        for internal in [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.10",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "fd00::1",
            "fe80::1",
        ] {
            assert!(!policy.permits(ip(internal)), "{internal}");
        }
        for public in [
            "93.184.216.34",
            "172.32.0.1",
            "100.128.0.1",
            "8.8.8.8",
            "2001:4860:4860::8888",
        ] {
            assert!(policy.permits(ip(public)), "{public}");
        }
    }

    #[test]
    fn the_operator_may_allow_internal_networks() {
        let policy = ReceiverPolicy::parse("10.20.0.0/16, 127.0.0.1, fd00::/8").expect("a list");
        assert!(policy.permits(ip("10.20.5.6")));
        assert!(!policy.permits(ip("10.21.0.1")));
        assert!(policy.permits(ip("127.0.0.1")));
        assert!(policy.permits(ip("::ffff:127.0.0.1")));
        assert!(!policy.permits(ip("127.0.0.2")));
        assert!(policy.permits(ip("fd12::1")));
        assert!(!policy.permits(ip("169.254.169.254")));
        assert!(ReceiverPolicy::parse("").is_ok());
        for bad in ["10.0.0.0/33", "intranet"] {
            assert!(ReceiverPolicy::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_ip_literal_host_is_judged_without_a_lookup() {
        let policy = ReceiverPolicy::default();
        let refused = policy.refusal_of_host("169.254.169.254").expect("refused");
        assert!(refused.contains("WEBHOOK_ALLOWED_NETWORKS"), "{refused}");
        assert_eq!(policy.refusal_of_host("93.184.216.34"), None);
        assert_eq!(policy.refusal_of_host("hooks.example.org"), None);
    }
}
