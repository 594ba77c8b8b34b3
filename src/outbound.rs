//! Where the service may send requests that an organization's admin chose the address of
//! (webhook receivers): not to the network the service runs in. Loopback, private,
//! link-local (where clouds serve instance credentials), shared and reserved addresses are
//! refused, unless the operator allows their network (`WEBHOOK_ALLOWED_NETWORKS`), so that
//! a tenant cannot make the service reach internal systems (SSRF, OWASP API7).
//!
//! The check is on the addresses actually connected to, in one place, `GuardedConnector`:
//! whatever form the URL gives (a name, an IP literal, IPv4 written as IPv6, `0.0.0.0`, the
//! decimal or octal forms the system's resolver accepts), the host is first turned into
//! addresses and only the permitted ones are handed to the TCP connector. A name that
//! resolves to several addresses is connected only on its permitted ones. Redirects are
//! never followed: a receiver could otherwise point the signed delivery anywhere.

use std::error::Error as StdError;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_tls::connect::tcp::TcpConnectorService;
use actix_tls::connect::{
    ConnectError, ConnectInfo, Connection, Resolve, Resolver, ResolverService,
};
use actix_web::dev::Service;
use actix_web::rt::net::TcpStream;
use awc::http::Uri;
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

    /// An HTTP client that connects only to addresses this policy permits and follows no
    /// redirect (a 3xx is the receiver's answer, not a new address to send to).
    pub fn client(&self, timeout: Duration) -> awc::Client {
        let connector = GuardedConnector {
            resolver: Resolver::custom(SystemResolver).service(),
            policy: self.clone(),
        };
        awc::Client::builder()
            .connector(awc::Connector::new().connector(connector))
            .disable_redirects()
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

/// The system's resolver, which also reads the numeric forms (`2130706433`, `0177.0.0.1`)
/// and a bracketed IPv6 literal (`[::ffff:127.0.0.1]`, as a URL writes it).
struct SystemResolver;

impl Resolve for SystemResolver {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> LocalBoxFuture<'a, Result<Vec<SocketAddr>, Box<dyn StdError>>> {
        Box::pin(async move {
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            if let Ok(ip) = bare.parse::<IpAddr>() {
                return Ok(vec![SocketAddr::new(ip, port)]);
            }
            Ok(tokio::net::lookup_host((bare, port)).await?.collect())
        })
    }
}

/// Turns a receiver's host into addresses, keeps those the policy permits, and connects to
/// one of them: the one place where an address is judged, so no form of URL skips it.
#[derive(Clone)]
struct GuardedConnector {
    resolver: ResolverService,
    policy: ReceiverPolicy,
}

impl Service<ConnectInfo<Uri>> for GuardedConnector {
    type Response = Connection<Uri, TcpStream>;
    type Error = ConnectError;
    type Future = LocalBoxFuture<'static, Result<Self::Response, ConnectError>>;

    fn poll_ready(&self, _: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&self, request: ConnectInfo<Uri>) -> Self::Future {
        let resolving = self.resolver.call(request);
        let policy = self.policy.clone();
        Box::pin(async move {
            let resolved = resolving.await?;
            let found: Vec<SocketAddr> = resolved.addrs().collect();
            let permitted: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|address| policy.permits(address.ip()))
                .collect();
            if permitted.is_empty() {
                let addresses: Vec<IpAddr> = found.iter().map(SocketAddr::ip).collect();
                let refused = refusal(resolved.hostname(), &addresses);
                let denied = std::io::Error::new(std::io::ErrorKind::PermissionDenied, refused);
                return Err(ConnectError::Io(denied));
            }
            TcpConnectorService::default()
                .call(resolved.set_addrs(permitted))
                .await
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

    /// Every way a URL can name loopback is judged on the address it comes to, and nothing
    /// connects; the same address allowed by the operator connects.
    #[actix_rt::test]
    async fn every_form_of_an_internal_address_is_refused_before_connecting() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        listener.set_nonblocking(true).expect("non-blocking");
        let port = listener.local_addr().expect("an address").port();
        let connect = |policy: ReceiverPolicy, host: &str| {
            let connector = GuardedConnector {
                resolver: Resolver::custom(SystemResolver).service(),
                policy,
            };
            let uri: Uri = format!("http://{host}:{port}/hook").parse().expect("a URL");
            connector.call(ConnectInfo::new(uri).set_port(port))
        };
        for host in [
            "127.0.0.1",
            "127.1",
            "2130706433",
            "0177.0.0.1",
            "0x7f.0.0.1",
            "0.0.0.0",
            "[::ffff:127.0.0.1]",
            "[::1]",
            "localhost",
        ] {
            let refused = connect(ReceiverPolicy::default(), host).await;
            let error = match refused {
                Err(ConnectError::Io(e)) => e.to_string(),
                other => format!("{:?}", other.err()),
            };
            assert!(
                error.contains("WEBHOOK_ALLOWED_NETWORKS"),
                "{host}: {error}"
            );
            assert!(listener.accept().is_err(), "{host} connected");
        }
        let allowed = ReceiverPolicy::parse("127.0.0.0/8").expect("a network");
        assert!(connect(allowed, "2130706433").await.is_ok());
        assert!(listener.accept().is_ok());
    }
}
