//! The SSRF guard: which URLs may receive webhooks, and the one address
//! an attempt connects to.

use reqwest::Url;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// What the guard allows beyond public https addresses.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    /// `WEBHOOK_ALLOW_HTTP`: plain http URLs too.
    pub allow_http: bool,
    /// `WEBHOOK_ALLOW_HOSTS`: `host:port` pairs allowed whatever they
    /// resolve to (a receiver on loopback in tests).
    pub allow_hosts: Vec<String>,
}

/// Where one attempt goes: the parsed URL, its host, and the checked
/// address the connection must use.
pub struct Target {
    pub url: Url,
    pub host: String,
    pub address: SocketAddr,
}

impl Guard {
    /// Parses and checks `raw`, resolving its host once; the reason for a
    /// refusal is written for the person who typed the URL.
    pub async fn resolve(&self, raw: &str) -> Result<Target, String> {
        let url = Url::parse(raw).map_err(|_| "must be an absolute URL".to_owned())?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            "http" => return Err("must use https".into()),
            _ => return Err("must be an https URL".into()),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not contain a user name or password".into());
        }
        let host = url.host_str().ok_or("must name a host")?.to_owned();
        let port = url.port_or_known_default().ok_or("must name a port")?;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let allowed = self.allow_hosts.iter().any(|h| *h == format!("{host}:{port}"));
        let addresses: Vec<SocketAddr> = tokio::net::lookup_host((bare, port))
            .await
            .map_err(|_| format!("the host {host} does not resolve"))?
            .collect();
        let first = *addresses
            .first()
            .ok_or_else(|| format!("the host {host} does not resolve"))?;
        if !allowed && let Some(bad) = addresses.iter().find(|a| refused_address(a.ip())) {
            return Err(format!(
                "resolves to {}, a private, loopback or reserved address",
                bad.ip()
            ));
        }
        Ok(Target {
            url,
            host: bare.to_owned(),
            address: first,
        })
    }
}

/// Whether an address is one a webhook must never reach: anything but a
/// public unicast address.
pub fn refused_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => refused_v6(v6),
    }
}

fn refused_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64/10
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF 192.0.0/24
        || (a == 198 && (18..20).contains(&b)) // benchmarking 198.18/15
        || a >= 240 // reserved 240/4
}

fn refused_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || ip.to_ipv4_mapped().is_some() // ::ffff:a.b.c.d
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (first & 0xffc0) == 0xfe80 // link local fe80::/10
        || (first == 0x0064 && ip.segments()[1] == 0xff9b) // NAT64 64:ff9b::/96
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || ip.segments()[..6] == [0; 6] // IPv4-compatible ::a.b.c.d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_and_reserved_addresses_are_refused_public_ones_are_not() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:8.8.8.8",
            "fd00::1",
            "fe80::1",
            "64:ff9b::7f00:1",
            "::127.0.0.1",
        ] {
            assert!(refused_address(bad.parse().unwrap()), "{bad} must be refused");
        }
        for good in ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(!refused_address(good.parse().unwrap()), "{good} is public");
        }
    }

    #[tokio::test]
    async fn every_spelling_of_loopback_is_refused_unless_allowed() {
        let strict = Guard {
            allow_http: true,
            allow_hosts: vec![],
        };
        for url in [
            "http://127.0.0.1:9/",
            "http://[::1]:9/",
            "http://0.0.0.0:9/",
            "http://2130706433:9/",
            "http://0x7f.1:9/",
            "http://[::ffff:127.0.0.1]:9/",
            "http://localhost:9/",
        ] {
            assert!(strict.resolve(url).await.is_err(), "{url} must be refused");
        }
        let allowed = Guard {
            allow_http: true,
            allow_hosts: vec!["127.0.0.1:9".into()],
        };
        let target = allowed.resolve("http://127.0.0.1:9/hook").await.unwrap();
        assert_eq!(target.address, "127.0.0.1:9".parse().unwrap());
        assert!(allowed.resolve("http://127.0.0.1:10/").await.is_err(), "another port");
    }

    #[tokio::test]
    async fn only_https_unless_http_is_allowed_and_no_credentials() {
        let guard = Guard::default();
        assert_eq!(
            guard.resolve("http://example.com/").await.err().as_deref(),
            Some("must use https")
        );
        assert!(guard.resolve("ftp://example.com/").await.is_err());
        assert!(guard.resolve("not a url").await.is_err());
        let creds = guard.resolve("https://u:p@example.com/").await.err();
        assert_eq!(creds.as_deref(), Some("must not contain a user name or password"));
    }
}
