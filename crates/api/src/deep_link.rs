//! Deep links (`berth://...`): parsing and deciding what a link may do.
//!
//! Any program can open a `berth://` URL, so a link is untrusted input. An OAuth callback only
//! completes a flow the user started (bound by its `state`); every other request is shown to the
//! user and needs their confirmation before anything happens.

use serde::Serialize;
use ts_rs::TS;

use crate::text::{is_invisible, visible};
use crate::{ApiError, Berth};

/// The URL scheme Berth registers.
pub const SCHEME: &str = "berth";

/// Deep links longer than this are refused outright; no legitimate link comes near it.
const MAX_LEN: usize = 8 * 1024;

/// A parsed deep link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeepLink {
    /// `berth://oauth/callback?state=..&code=..` (or `error=..`).
    OAuthCallback { state: Option<String>, code: Option<String>, error: Option<String> },
    /// Anything else under the scheme; `route` is `host/path` without the query.
    Other { route: String },
}

/// What the UI is told about a link it received.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeepLinkOutcome {
    /// A link Berth does not act on; shown to the user, nothing done.
    Ignored { route: String, reason: String },
    /// A sign-in's callback completed it.
    SignedIn { server: String },
}

/// Parses a `berth://` URL with a URL parser, strictly: the scheme in any case, the route as
/// host and path, query values percent-decoded as UTF-8; a fragment is never read as the query.
/// Control characters anywhere refuse the link.
pub fn parse(url: &str) -> Result<DeepLink, ApiError> {
    use crate::msg;
    let refused = |m: crate::messages::Msg| ApiError::msg(crate::ErrorCode::Validation, m);
    if url.len() > MAX_LEN {
        return Err(refused(msg!("msg.link.too_long")));
    }
    // Checked on the raw text too: a URL parser quietly drops tabs and newlines.
    if url.chars().any(char::is_control) {
        return Err(refused(msg!("msg.link.control")));
    }
    let parsed = url::Url::parse(url).map_err(|_| refused(msg!("msg.link.malformed")))?;
    if parsed.scheme() != SCHEME
        || !url.get(..SCHEME.len() + 3).is_some_and(|p| p.eq_ignore_ascii_case("berth://"))
    {
        return Err(refused(msg!("msg.link.scheme")));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() || parsed.port().is_some() {
        return Err(refused(msg!("msg.link.userinfo")));
    }
    let host = decode(parsed.host_str().unwrap_or_default())?;
    let path = decode(parsed.path())?;
    let route = format!("{host}{path}").trim_end_matches('/').to_ascii_lowercase();
    if route.is_empty() || route.chars().any(|c| c.is_whitespace() || is_invisible(c)) {
        return Err(refused(msg!("msg.link.no_route")));
    }
    if route != "oauth/callback" {
        return Ok(DeepLink::Other { route });
    }
    let (mut state, mut code, mut error) = (None, None, None);
    for pair in parsed.query().unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match decode(k)?.as_str() {
            "state" => &mut state,
            "code" => &mut code,
            "error" => &mut error,
            _ => continue,
        };
        if slot.is_some() {
            return Err(refused(msg!("msg.link.repeated", param = format!("{k:?}"))));
        }
        let v = decode(&v.replace('+', " "))?;
        if v.chars().any(|c| c.is_control() || is_invisible(c)) {
            return Err(refused(msg!("msg.link.invisible")));
        }
        *slot = Some(v);
    }
    Ok(DeepLink::OAuthCallback { state, code, error })
}

/// Percent-decodes strictly: every `%` starts two hex digits, and the result is UTF-8.
fn decode(s: &str) -> Result<String, ApiError> {
    let said = |m| ApiError::msg(crate::ErrorCode::Validation, m);
    let malformed = || said(crate::msg!("msg.link.escape"));
    let bytes = s.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%' && !bytes.get(i + 1..i + 3).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
            return Err(malformed());
        }
    }
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| said(crate::msg!("msg.link.utf8")))
}

impl Berth {
    /// Acts on a deep link the OS delivered.
    pub async fn handle_deep_link(&self, url: &str) -> Result<DeepLinkOutcome, ApiError> {
        match parse(url)? {
            DeepLink::OAuthCallback { state, error, .. } => {
                // Accepted only for a sign-in this Berth started and has not finished.
                let server = self.oauth_finish_deep_link(url, state.as_deref(), error.as_deref()).await?;
                Ok(DeepLinkOutcome::SignedIn { server })
            }
            DeepLink::Other { route } => {
                let route = visible(&route);
                Ok(DeepLinkOutcome::Ignored {
                    reason: format!("Berth has no action for berth://{route}; nothing was done."),
                    route,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn callback(state: Option<&str>, code: Option<&str>, error: Option<&str>) -> DeepLink {
        DeepLink::OAuthCallback {
            state: state.map(str::to_owned),
            code: code.map(str::to_owned),
            error: error.map(str::to_owned),
        }
    }

    #[test]
    fn parses_oauth_callbacks_and_other_routes() {
        let other = |r: &str| DeepLink::Other { route: r.to_owned() };
        let accepted = [
            ("berth://oauth/callback?code=a%2Fb&state=xyz+1", callback(Some("xyz 1"), Some("a/b"), None)),
            ("berth://OAuth/Callback/?error=access_denied#frag", callback(None, None, Some("access_denied"))),
            ("BERTH://oauth/callback?state=s1", callback(Some("s1"), None, None)),
            ("Berth://oauth/callback?state=s1&code=c1", callback(Some("s1"), Some("c1"), None)),
            ("berth://oauth/callback?state=%E2%9C%93", callback(Some("✓"), None, None)),
            ("berth://oauth/callback?state=a&unknown=x", callback(Some("a"), None, None)),
            ("berth://oauth/callback?state=", callback(Some(""), None, None)),
            ("berth://oauth/callback", callback(None, None, None)),
            // A fragment is not the query.
            ("berth://oauth/callback#frag?state=evil", callback(None, None, None)),
            ("berth://oauth/callback?state=a#&state=b", callback(Some("a"), None, None)),
            ("berth://servers/github?x=1", other("servers/github")),
            ("berth://settings", other("settings")),
            ("berth://servers/github/", other("servers/github")),
        ];
        for (link, want) in accepted {
            assert_eq!(parse(link).unwrap_or_else(|e| panic!("{link}: {}", e.message)), want, "{link}");
        }
    }

    #[test]
    fn rejects_hostile_links() {
        for bad in [
            "https://evil.example/oauth/callback?state=x",
            "berth:oauth/callback",
            "berth:/oauth/callback",
            "berthx://oauth/callback",
            "javascript://oauth/callback",
            "",
            "berth://",
            "berth://oauth/callback?state=a&state=b",
            "berth://oauth/callback?state=a&%73tate=b",
            "berth://oauth/callback?state=%zz",
            "berth://oauth/callback?state=%4",
            "berth://oauth/callback?state=%ff%fe",
            "berth://oauth/callback?state=%+a",
            "berth://oauth/callback?state=a%0Ab",
            "berth://oauth/callback?state=a%00b",
            "berth://oauth/callback?state=a%1Bb",
            "berth://oauth/callback?state=a\nb",
            "berth://oauth/callback?state=a\tb",
            "berth://oauth/callback?state=%E2%80%AEevil",
            "berth://oauth/callback?state=%E2%80%8Bzero",
            "berth://oauth/callback?state=%EF%BB%BFbom",
            "berth://user:pw@oauth/callback?state=x",
            "berth://oauth:8080/callback?state=x",
            "berth://bad route",
            "berth://servers/a%20b",
            "berth://servers/%E2%80%AEevil",
            "berth://\u{202e}evil",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(parse(&format!("berth://oauth/callback?state={}", "a".repeat(MAX_LEN))).is_err());
    }
}
