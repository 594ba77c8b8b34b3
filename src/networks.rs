//! IP address ranges as operators write them in the configuration (`TRUSTED_PROXIES`,
//! `WEBHOOK_ALLOWED_NETWORKS`).

use std::net::IpAddr;

/// An address range: `10.0.0.5`, `10.0.0.0/8`, `fd00::/8`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Network {
    type Err = String;

    fn from_str(text: &str) -> Result<Network, String> {
        let bad = || format!("`{text}` is not an IP address or a CIDR range");
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let address = address.parse::<IpAddr>().map_err(|_| bad())?.to_canonical();
        let bits = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(bad)?,
            None => bits,
        };
        Ok(Network { address, prefix })
    }
}

impl Network {
    /// Whether `ip` is in the range (IPv4 written as IPv6 counts as IPv4).
    pub fn holds(&self, ip: &IpAddr) -> bool {
        let ip = &ip.to_canonical();
        let masked = |bits: u128, width: u32| {
            let keep = u32::from(self.prefix);
            if keep == 0 {
                0
            } else {
                bits >> (width - keep)
            }
        };
        match (self.address, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u32::from(net).into(), 32) == masked(u32::from(*ip).into(), 32)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(net), 128) == masked(u128::from(*ip), 128)
            }
            _ => false,
        }
    }
}

/// Comma-separated addresses and CIDR ranges.
pub fn parse_networks(text: &str) -> Result<Vec<Network>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn networks_hold_their_addresses() {
        let net: Network = "10.0.0.0/8".parse().expect("a range");
        assert!(net.holds(&ip("10.1.2.3")));
        assert!(!net.holds(&ip("11.0.0.1")));
        assert!(!net.holds(&ip("::1")));
        let one: Network = "192.168.1.7".parse().expect("an address");
        assert!(one.holds(&ip("192.168.1.7")));
        assert!(!one.holds(&ip("192.168.1.8")));
        let v6: Network = "fd00::/8".parse().expect("a range");
        assert!(v6.holds(&ip("fd12::1")));
        assert!(!v6.holds(&ip("fe80::1")));
        let all: Network = "0.0.0.0/0".parse().expect("everything");
        assert!(all.holds(&ip("8.8.8.8")));
        assert!("10.0.0.0/33".parse::<Network>().is_err());
        assert!("proxy.example".parse::<Network>().is_err());
        assert_eq!(parse_networks(" 10.0.0.1, ::1 ,").expect("two").len(), 2);
    }
}
