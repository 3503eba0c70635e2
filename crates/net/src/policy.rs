//! `UrlPolicy`: which URLs Berth may talk to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::NetError;

/// The rules a URL must pass before Berth connects to it.
#[derive(Clone, Debug, Default)]
pub struct UrlPolicy {
    /// Allow private-network and link-local targets (a catalog on the office LAN, say).
    pub allow_private: bool,
    /// When set, only these hosts (exact, or `*.example.com` for subdomains) are allowed.
    pub allowed_hosts: Option<Vec<String>>,
    /// This computer only as the literal `127.0.0.1` or `[::1]`: no name (`localhost` and its
    /// spellings included), no other loopback address (`127.0.0.2`, `::ffff:127.0.0.1`), and no
    /// name that resolves to loopback reaches it. For hosts allowed by name, where a name that
    /// points home would get past the allowlist.
    pub literal_loopback_only: bool,
}

fn refuse(url: &Url, reason: impl Into<String>) -> NetError {
    NetError::UrlNotAllowed { url: redacted(url), reason: reason.into() }
}

/// The URL without userinfo, query or fragment, for messages and logs.
pub fn redacted(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

/// Private, link-local, shared (CGNAT), reserved, documentation, benchmarking, unspecified,
/// multicast or broadcast: addresses that are not a public server on the internet. An IPv6
/// address that carries an IPv4 one (mapped, compatible, NAT64, 6to4, Teredo, ISATAP) is judged by
/// the IPv4 address it carries.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || o[0] == 0
                // IETF protocol assignments, benchmarking, and the reserved 240/4.
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (o[1] & 0xfe) == 18)
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                // A dual-stack socket reaches the IPv4 address itself, this computer's included.
                return is_private(IpAddr::V4(v4));
            }
            if let Some(v4) = embedded_ipv4(v6) {
                // Reaching the IPv4 loopback through a translator is not reaching this computer.
                return v4.is_loopback() || is_private(IpAddr::V4(v4));
            }
            let s = v6.segments();
            v6.is_unspecified()
                || v6.is_multicast()
                // Unique local, link-local and the old site-local ranges.
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                // Documentation, discard-only, benchmarking and ORCHID ranges.
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0)
                || (s[0] == 0x2001 && s[1] == 0x0002 && s[2] == 0)
                || (s[0] == 0x2001 && (s[1] & 0xfff0) == 0x0010)
        }
    }
}

/// The IPv4 address an IPv6 address carries, if it is one of the forms that does: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::/96` and `64:ff9b:1::/48`),
/// 6to4 (`2002:AABB:CCDD::/48`), Teredo (`2001::/32`, the client address obfuscated in the last
/// 32 bits, or the server's in bits 32 to 63) and ISATAP (`…:0:5efe:a.b.c.d`).
pub fn embedded_ipv4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let last = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    if s[..6] == [0, 0, 0, 0, 0, 0] && !v6.is_unspecified() && !v6.is_loopback() {
        return Some(last(s[6], s[7]));
    }
    if s[0] == 0x0064 && s[1] == 0xff9b && (s[2..6] == [0, 0, 0, 0] || s[2] == 0x0001) {
        return Some(last(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return Some(last(s[1], s[2]));
    }
    if s[0] == 0x2001 && s[1] == 0 {
        let client = last(!s[6], !s[7]);
        let server = last(s[2], s[3]);
        // Whichever of the two is worse decides.
        return Some(if is_private(IpAddr::V4(server)) || server.is_loopback() { server } else { client });
    }
    if (s[4] == 0 || s[4] == 0x0200) && s[5] == 0x5efe {
        return Some(last(s[6], s[7]));
    }
    None
}

/// What kind of address a refused one is, for the reason a user reads.
fn range_name(ip: IpAddr) -> &'static str {
    let v4 = match ip {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(v6) => embedded_ipv4(v6),
    };
    let metadata = [
        Ipv4Addr::new(169, 254, 169, 254),
        Ipv4Addr::new(169, 254, 170, 2),
        Ipv4Addr::new(100, 100, 100, 200),
    ];
    if v4.is_some_and(|a| metadata.contains(&a))
        || ip == IpAddr::V6(Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254))
    {
        return "a cloud metadata service address";
    }
    let link_local = match ip {
        IpAddr::V6(v6) if v4.is_none() => (v6.segments()[0] & 0xffc0) == 0xfe80,
        _ => v4.is_some_and(|a| a.is_link_local()),
    };
    if link_local { "a link-local address" } else { "a private-network address" }
}

impl UrlPolicy {
    /// Checks a URL before any connection is made.
    pub fn check(&self, url: &Url) -> Result<(), NetError> {
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refuse(url, "credentials in the URL are not accepted; use a token instead"));
        }
        let scheme = url.scheme();
        if scheme != "https" && scheme != "http" {
            return Err(refuse(url, format!("the {scheme}: scheme is not allowed; use https")));
        }
        let host = url.host().ok_or_else(|| refuse(url, "the URL has no host"))?;
        if self.literal_loopback_only {
            self.check_literal_loopback(url, &host)?;
        }
        let loopback = match &host {
            Host::Domain(d) => {
                d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost")
            }
            Host::Ipv4(ip) => is_loopback(IpAddr::V4(*ip)),
            Host::Ipv6(ip) => is_loopback(IpAddr::V6(*ip)),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => {
                return Err(refuse(url, "plain http is only allowed to this computer (loopback); use https"));
            }
            other => return Err(refuse(url, format!("the {other}: scheme is not allowed; use https"))),
        }
        let ip = match host {
            Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
            Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
            Host::Domain(_) => None,
        };
        if let Some(ip) = ip
            && !self.allow_private
            && is_private(ip)
        {
            return Err(refuse(url, format!("{ip} is {}", range_name(ip))));
        }
        if let Some(allowed) = &self.allowed_hosts {
            let h = url.host_str().unwrap_or_default().to_ascii_lowercase();
            let ok = allowed.iter().any(|a| {
                let a = a.to_ascii_lowercase();
                match a.strip_prefix("*.") {
                    Some(suffix) => h.ends_with(&format!(".{suffix}")),
                    None => h == a,
                }
            });
            if !ok {
                return Err(refuse(url, format!("{h} is not in the allowed hosts")));
            }
        }
        Ok(())
    }

    /// Checks an address a host name resolved to.
    pub fn check_resolved(&self, ip: IpAddr) -> bool {
        if is_loopback(ip) {
            return !self.literal_loopback_only;
        }
        self.allow_private || !is_private(ip)
    }

    fn check_literal_loopback(&self, url: &Url, host: &Host<&str>) -> Result<(), NetError> {
        match host {
            Host::Domain(d) => {
                let d = d.to_ascii_lowercase();
                if d.ends_with('.') {
                    return Err(refuse(
                        url,
                        "a host name that ends with a dot is not accepted; leave the dot out",
                    ));
                }
                if d == "localhost" || d.ends_with(".localhost") {
                    return Err(refuse(
                        url,
                        "localhost names are not accepted here; write 127.0.0.1 for this computer",
                    ));
                }
            }
            Host::Ipv4(ip) if ip.is_loopback() && *ip != Ipv4Addr::LOCALHOST => {
                return Err(refuse(
                    url,
                    format!("{ip} is a loopback alias; only 127.0.0.1 or [::1] name this computer"),
                ));
            }
            Host::Ipv6(ip) if is_loopback(IpAddr::V6(*ip)) && *ip != Ipv6Addr::LOCALHOST => {
                return Err(refuse(
                    url,
                    format!("{ip} is a loopback alias; only 127.0.0.1 or [::1] name this computer"),
                ));
            }
            _ => {}
        }
        Ok(())
    }

    /// [`UrlPolicy::check`], then the addresses a host name resolves to: every one must pass,
    /// so a name with one private address among public ones is refused too.
    pub async fn check_resolving(&self, url: &Url) -> Result<Vec<IpAddr>, NetError> {
        self.check(url)?;
        let host = match url.host() {
            Some(Host::Domain(d)) => d.to_owned(),
            Some(Host::Ipv4(ip)) => return Ok(vec![IpAddr::V4(ip)]),
            Some(Host::Ipv6(ip)) => return Ok(vec![IpAddr::V6(ip)]),
            None => return Err(refuse(url, "the URL has no host")),
        };
        let port = url.port_or_known_default().unwrap_or(443);
        let dns = |reason: String| NetError::Dns { url: redacted(url), reason };
        let addrs: Vec<IpAddr> = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| dns(e.to_string()))?
            .map(|a| a.ip())
            .collect();
        if addrs.is_empty() {
            return Err(dns(format!("{host} has no address")));
        }
        if let Some(bad) = addrs.iter().find(|ip| !self.check_resolved(**ip)) {
            let what = if is_loopback(*bad) { "this computer (loopback)" } else { range_name(*bad) };
            return Err(refuse(url, format!("{host} resolves to {bad}, {what}")));
        }
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_table() {
        let p = UrlPolicy::default();
        let cases = [
            ("https://example.com/catalog.yaml", true),
            ("http://127.0.0.1:8080/c.yaml", true),
            ("http://localhost/c.yaml", true),
            ("http://[::1]:9/c", true),
            ("http://example.com/c.yaml", false),
            ("https://user:pw@example.com/", false),
            ("ftp://example.com/c", false),
            ("file:///etc/passwd", false),
            ("https://10.0.0.5/c", false),
            ("https://192.168.1.1/c", false),
            ("https://172.16.0.1/c", false),
            ("https://169.254.169.254/latest/meta-data", false),
            ("https://100.64.0.1/c", false),
            ("https://[fd00::1]/c", false),
            ("https://[fe80::1]/c", false),
            ("https://[::ffff:10.0.0.1]/c", false),
            ("https://0.0.0.0/c", false),
            // IPv6 forms that carry an IPv4 address are judged by it.
            ("https://[64:ff9b::a9fe:a9fe]/", false),
            ("https://[64:ff9b:1::a9fe:a9fe]/", false),
            ("https://[2002:a9fe:a9fe::1]/", false),
            ("https://[2002:0a00:0001::1]/", false),
            ("https://[::a9fe:a9fe]/", false),
            ("https://[::ffff:a9fe:a9fe]/", false),
            ("https://[::ffff:127.0.0.1]/", true),
            ("https://[64:ff9b::7f00:1]/", false),
            ("http://[64:ff9b::7f00:1]/", false),
            ("https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/", false),
            ("https://[2001:0:a9fe:a9fe::1]/", false),
            ("https://[fe80::5efe:a9fe:a9fe]/", false),
            ("https://[2001:db8::200:5efe:c0a8:101]/", false),
            ("https://[64:ff9b::808:808]/", true),
            ("https://[2002:0808:0808::1]/", true),
            // Other ranges that are not a public server.
            ("https://[2001:db8::1]/", false),
            ("https://[fec0::1]/", false),
            ("https://[100::1]/", false),
            ("https://[ff02::1]/", false),
            ("https://[::]/", false),
            ("https://192.0.2.10/", false),
            ("https://198.18.0.1/", false),
            ("https://203.0.113.7/", false),
            ("https://240.0.0.1/", false),
            ("https://255.255.255.255/", false),
            ("https://224.0.0.1/", false),
            ("https://8.8.8.8/", true),
            ("https://[2606:4700::1111]/", true),
        ];
        for (u, ok) in cases {
            assert_eq!(p.check(&Url::parse(u).unwrap()).is_ok(), ok, "{u}");
        }
        let lan = UrlPolicy { allow_private: true, ..Default::default() };
        assert!(lan.check(&Url::parse("https://10.0.0.5/c").unwrap()).is_ok());
        let listed = UrlPolicy {
            allowed_hosts: Some(vec!["*.example.com".into(), "a.test".into()]),
            ..Default::default()
        };
        assert!(listed.check(&Url::parse("https://x.example.com/").unwrap()).is_ok());
        assert!(listed.check(&Url::parse("https://a.test/").unwrap()).is_ok());
        assert!(listed.check(&Url::parse("https://example.com.evil/").unwrap()).is_err());
        assert!(listed.check(&Url::parse("https://b.test/").unwrap()).is_err());
    }

    #[test]
    fn literal_loopback_only_takes_this_computer_by_its_two_literals_alone() {
        let p = UrlPolicy {
            allowed_hosts: Some(vec!["127.0.0.1".into(), "[::1]".into(), "*.e2b.app".into()]),
            literal_loopback_only: true,
            ..Default::default()
        };
        for (u, ok) in [
            ("http://127.0.0.1:9/", true),
            ("http://[::1]:9/", true),
            ("https://a.e2b.app/", true),
            ("http://localhost/", false),
            ("https://LOCALHOST./", false),
            ("https://x.localhost/", false),
            ("http://127.0.0.2/", false),
            ("http://[::ffff:127.0.0.1]/", false),
            ("https://a.e2b.app./", false),
            ("https://169.254.169.254/", false),
            ("https://e2b.app/", false),
        ] {
            assert_eq!(p.check(&Url::parse(u).unwrap()).is_ok(), ok, "{u}");
        }
        // A name never resolves home, nor anywhere private.
        assert!(!p.check_resolved("127.0.0.1".parse().unwrap()));
        assert!(!p.check_resolved("::1".parse().unwrap()));
        assert!(!p.check_resolved("10.1.2.3".parse().unwrap()));
        assert!(p.check_resolved("8.8.8.8".parse().unwrap()));
        // Without the flag, loopback resolution stays allowed, as catalogs on this computer need.
        assert!(UrlPolicy::default().check_resolved("127.0.0.1".parse().unwrap()));
    }

    #[tokio::test]
    async fn check_resolving_refuses_a_name_with_any_address_it_may_not_reach() {
        let p = UrlPolicy { literal_loopback_only: true, ..Default::default() };
        // `localhost` is refused by name; the test machine's own name resolves to loopback.
        let e = p.check_resolving(&Url::parse("https://localhost/").unwrap()).await.unwrap_err();
        assert!(e.to_string().contains("localhost names"), "{e}");
        let ip = p.check_resolving(&Url::parse("https://8.8.8.8/").unwrap()).await.unwrap();
        assert_eq!(ip, vec![IpAddr::from([8, 8, 8, 8])]);
    }

    #[test]
    fn messages_never_carry_credentials_or_queries() {
        let e = UrlPolicy::default()
            .check(&Url::parse("https://u:secret@example.com/?token=abc").unwrap())
            .unwrap_err();
        let text = e.to_string();
        assert!(!text.contains("secret") && !text.contains("abc"), "{text}");
    }
}
