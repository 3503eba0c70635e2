//! `UrlPolicy`: which URLs Berth may talk to.

use std::net::IpAddr;

use url::{Host, Url};

use crate::NetError;

/// The rules a URL must pass before Berth connects to it.
#[derive(Clone, Debug, Default)]
pub struct UrlPolicy {
    /// Allow private-network and link-local targets (a catalog on the office LAN, say).
    pub allow_private: bool,
    /// When set, only these hosts (exact, or `*.example.com` for subdomains) are allowed.
    pub allowed_hosts: Option<Vec<String>>,
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

/// Private, link-local, shared (CGNAT), unspecified, multicast or broadcast: addresses that are not
/// a public server on the internet.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || o[0] == 0
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let s = v6.segments();
            v6.is_unspecified() || v6.is_multicast() || (s[0] & 0xfe00) == 0xfc00 || (s[0] & 0xffc0) == 0xfe80
        }
    }
}

impl UrlPolicy {
    /// Checks a URL before any connection is made.
    pub fn check(&self, url: &Url) -> Result<(), NetError> {
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refuse(url, "credentials in the URL are not accepted; use a token instead"));
        }
        let host = url.host().ok_or_else(|| refuse(url, "the URL has no host"))?;
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
            return Err(refuse(url, format!("{ip} is a private-network address")));
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
        self.allow_private || is_loopback(ip) || !is_private(ip)
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
    fn messages_never_carry_credentials_or_queries() {
        let e = UrlPolicy::default()
            .check(&Url::parse("https://u:secret@example.com/?token=abc").unwrap())
            .unwrap_err();
        let text = e.to_string();
        assert!(!text.contains("secret") && !text.contains("abc"), "{text}");
    }
}
