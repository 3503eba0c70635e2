//! The rules for an external gateway's address: the text as typed (no user info, no backslash, no
//! spaces, no query), the URL policy with the user's host allowlist (https, or http to the literal
//! loopback; no private, link-local, metadata or loopback-alias address in any spelling), and
//! the allowlist's own patterns.

use std::net::IpAddr;

use berth_net::{Url, UrlPolicy};

use crate::{ApiError, ErrorCode, msg};

/// The hosts allowed until the user changes the list: E2B sandboxes, whose gateways are at
/// `https://<port>-<sandbox>.e2b.app` (and `.e2b.dev` for older ones).
pub const DEFAULT_ALLOWED_HOSTS: [&str; 2] = ["*.e2b.app", "*.e2b.dev"];

/// The policy an external gateway's connections follow: its allowlist, redirects included, and
/// this computer only as the literal 127.0.0.1 or [::1].
pub(crate) fn policy(allowed: &[String]) -> UrlPolicy {
    UrlPolicy { allow_private: false, allowed_hosts: Some(allowed.to_vec()), literal_loopback_only: true }
}

fn refused(url: &str, reason: impl std::fmt::Display) -> ApiError {
    ApiError::msg(ErrorCode::UrlNotAllowed, msg!("msg.external.url_refused", url = url, reason = reason))
}

/// An external gateway's address, checked: the base URL (a pasted `…/mcp` is taken back to its
/// base), which the allowlist and the URL policy accept. Host names are resolved later
/// ([`resolve`]).
pub(crate) fn parse(text: &str, allowed: &[String]) -> Result<Url, ApiError> {
    let text = text.trim();
    // What is shown of refused input: no user info, query or fragment, which may carry secrets.
    let shown = Url::parse(text).map(|u| berth_net::redacted(&u)).unwrap_or_else(|_| "the address".into());
    if text.is_empty() {
        return Err(ApiError::msg(ErrorCode::Validation, msg!("msg.external.url_empty")));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(refused(&shown, "it contains spaces or control characters"));
    }
    if text.contains('\\') {
        return Err(refused(&shown, "backslashes are read differently by different programs; use /"));
    }
    let authority = text.split_once("://").map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""));
    if authority.is_some_and(|a| a.contains('@')) {
        return Err(refused(
            &shown,
            "a user name or password (name@host) is not accepted; the token goes in its own field",
        ));
    }
    let mut url = Url::parse(text).map_err(|e| refused(&shown, format!("it is not a valid URL ({e})")))?;
    // 2130706433, 0x7f.1, 0177.0.0.1, %31%30.0.0.1 or fullwidth letters all parse to some host;
    // only the host as it is normally written is taken, so what the user reads is what is used.
    // (IPv6 has several normal spellings; its address is judged below.)
    if let (Some(raw), Some(host)) = (raw_host(text), url.host_str())
        && !raw.starts_with('[')
        && raw.to_ascii_lowercase() != host
    {
        return Err(refused(
            &shown,
            format!(
                "the host {raw:?} is written in an unusual form of {host}; write {host} if that is what you mean"
            ),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refused(&shown, "the address may not have a query (?…) or fragment (#…)"));
    }
    policy(allowed).check(&url).map_err(|e| refused(&shown, reason_of(e)))?;
    let path = url.path().trim_end_matches('/');
    let base = path.strip_suffix("/mcp").unwrap_or(path).to_owned();
    url.set_path(&base);
    Ok(url)
}

/// The host as typed: between `://` and the port, path, query or fragment.
fn raw_host(text: &str) -> Option<&str> {
    let (_, rest) = text.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.starts_with('[') {
        return authority.find(']').map(|i| &authority[..=i]);
    }
    authority.split(':').next()
}

/// Resolves the gateway's host name: every address it has must pass the policy, so a name
/// that points at a private network, a metadata service or this computer is refused.
pub(crate) async fn resolve(url: &Url, allowed: &[String]) -> Result<Vec<IpAddr>, ApiError> {
    let shown = berth_net::redacted(url);
    policy(allowed).check_resolving(url).await.map_err(|e| match e {
        berth_net::NetError::Dns { reason, .. } => {
            ApiError::msg(ErrorCode::Network, msg!("msg.external.dns", url = &shown, reason = reason))
        }
        other => refused(&shown, reason_of(other)),
    })
}

/// The policy's reason, without the URL it already names.
fn reason_of(e: berth_net::NetError) -> String {
    match e {
        berth_net::NetError::UrlNotAllowed { reason, .. } => reason,
        other => other.to_string(),
    }
}

/// A host pattern for the allowlist, normalised (lowercase): an exact host name, `*.` and a
/// domain of two labels or more (its subdomains, not the domain itself), the literal
/// 127.0.0.1 or [::1], or a public IP address.
pub(crate) fn check_pattern(text: &str) -> Result<String, ApiError> {
    let p = text.trim().to_ascii_lowercase();
    let bad = |reason: &str| {
        ApiError::msg(
            ErrorCode::Validation,
            msg!("msg.external.pattern_invalid", pattern = text.trim(), reason = reason),
        )
    };
    if p.is_empty() {
        return Err(bad("it is empty"));
    }
    if p.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("it contains spaces or control characters"));
    }
    let literal = p.strip_prefix('[').and_then(|v| v.strip_suffix(']')).unwrap_or(&p);
    if let Ok(ip) = literal.parse::<IpAddr>() {
        let home = ip == IpAddr::from([127, 0, 0, 1]) || ip == IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]);
        if berth_net::is_loopback(ip) && !home {
            return Err(bad("it is a loopback alias; only 127.0.0.1 or [::1] name this computer"));
        }
        if berth_net::is_private(ip) {
            return Err(bad("it is a private-network, link-local or reserved address"));
        }
        return Ok(match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("[{v6}]"),
        });
    }
    let (wildcard, domain) = match p.strip_prefix("*.") {
        Some(rest) => (true, rest),
        None => (false, p.as_str()),
    };
    if domain.contains('*') {
        return Err(bad("a wildcard may only be the first label, as in *.e2b.app"));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if !labels.iter().all(label_ok) || domain.len() > 253 {
        return Err(bad(
            "it is not a host name (letters, digits and - between dots; no port, path or scheme)",
        ));
    }
    if labels.len() < 2 {
        return Err(bad("name a domain with at least two labels, such as e2b.app"));
    }
    if labels.iter().all(|l| l.chars().all(|c| c.is_ascii_digit())) {
        return Err(bad("it looks like an IP address but is not one"));
    }
    if domain == "localhost" || domain.ends_with(".localhost") {
        return Err(bad("localhost names are not accepted; write 127.0.0.1 for this computer"));
    }
    Ok(if wildcard { format!("*.{domain}") } else { domain.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<String> {
        vec!["*.e2b.app".into(), "127.0.0.1".into()]
    }

    #[test]
    fn a_pasted_mcp_address_is_taken_back_to_its_base() {
        let u = parse("https://50005-abc.e2b.app/mcp", &allowed()).unwrap();
        assert_eq!(u.as_str(), "https://50005-abc.e2b.app/");
        let u = parse("http://127.0.0.1:8080/gw/", &allowed()).unwrap();
        assert_eq!(u.as_str(), "http://127.0.0.1:8080/gw");
    }

    #[test]
    fn patterns() {
        for (p, want) in [
            ("*.E2B.app", Some("*.e2b.app")),
            ("gw.example.com", Some("gw.example.com")),
            ("127.0.0.1", Some("127.0.0.1")),
            ("[::1]", Some("[::1]")),
            ("8.8.8.8", Some("8.8.8.8")),
            ("*", None),
            ("*.com", None),
            ("a*.e2b.app", None),
            ("*.*.e2b.app", None),
            ("e2b.app:443", None),
            ("https://e2b.app", None),
            ("10.0.0.1", None),
            ("169.254.169.254", None),
            ("127.0.0.2", None),
            ("localhost", None),
            ("x.localhost", None),
            ("", None),
            ("e2b .app", None),
            ("-x.e2b.app", None),
            ("0177.0.0.1", None),
        ] {
            assert_eq!(check_pattern(p).ok().as_deref(), want, "{p}");
        }
    }
}
