//! Deep links (`berth://...`): parsing and deciding what a link may do.
//!
//! Any program can open a `berth://` URL, so a link is untrusted input. An OAuth callback only
//! completes a flow the user started (bound by its `state`); every other request is shown to the
//! user and needs their confirmation before anything happens.

use serde::Serialize;
use ts_rs::TS;

use crate::{ApiError, Berth, ErrorCode};

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
}

/// Parses a `berth://` URL. Query values are percent-decoded; nothing else is interpreted.
pub fn parse(url: &str) -> Result<DeepLink, ApiError> {
    if url.len() > MAX_LEN {
        return Err(ApiError::validation("The link is too long to be a Berth link; it was ignored."));
    }
    let rest = url
        .strip_prefix(SCHEME)
        .and_then(|r| r.strip_prefix("://"))
        .ok_or_else(|| ApiError::validation("Only berth:// links are handled; this link was ignored."))?;
    let (route, query) = rest.split_once('?').unwrap_or((rest, ""));
    let route = route.split('#').next().unwrap_or_default().trim_end_matches('/').to_ascii_lowercase();
    if route.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(ApiError::validation("The link contains control characters; it was ignored."));
    }
    if route == "oauth/callback" {
        let mut state = None;
        let mut code = None;
        let mut error = None;
        for pair in query.split('#').next().unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = percent_decode(v)?;
            let slot = match k {
                "state" => &mut state,
                "code" => &mut code,
                "error" => &mut error,
                _ => continue,
            };
            if slot.is_some() {
                return Err(ApiError::validation(format!(
                    "The link repeats the {k:?} parameter; it was ignored."
                )));
            }
            *slot = Some(v);
        }
        return Ok(DeepLink::OAuthCallback { state, code, error });
    }
    Ok(DeepLink::Other { route })
}

fn percent_decode(s: &str) -> Result<String, ApiError> {
    let malformed = || ApiError::validation("The link has a malformed %-escape; it was ignored.");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or_else(malformed)?;
                let hex = std::str::from_utf8(hex).map_err(|_| malformed())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| malformed())?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| ApiError::validation("The link is not valid UTF-8; it was ignored."))
}

impl Berth {
    /// Acts on a deep link the OS delivered.
    pub async fn handle_deep_link(&self, url: &str) -> Result<DeepLinkOutcome, ApiError> {
        match parse(url)? {
            DeepLink::OAuthCallback { .. } => {
                // A callback is only accepted for a flow this Berth started and has not finished;
                // no such flow is pending, so whatever state it carries cannot match.
                Err(ApiError::new(
                    ErrorCode::StateMismatch,
                    "This sign-in link does not belong to an authorization Berth started, or it expired \
                     or was already used. Start the connection again from the Connections page.",
                ))
            }
            DeepLink::Other { route } => Ok(DeepLinkOutcome::Ignored {
                reason: format!("Berth has no action for berth://{route}; nothing was done."),
                route,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_oauth_callbacks_and_other_routes() {
        assert_eq!(
            parse("berth://oauth/callback?code=a%2Fb&state=xyz+1").unwrap(),
            DeepLink::OAuthCallback { state: Some("xyz 1".into()), code: Some("a/b".into()), error: None }
        );
        assert_eq!(
            parse("berth://OAuth/Callback/?error=access_denied#frag").unwrap(),
            DeepLink::OAuthCallback { state: None, code: None, error: Some("access_denied".into()) }
        );
        assert_eq!(
            parse("berth://servers/github?x=1").unwrap(),
            DeepLink::Other { route: "servers/github".into() }
        );
    }

    #[test]
    fn rejects_hostile_links() {
        for bad in [
            "https://evil.example/oauth/callback?state=x",
            "berth:oauth/callback",
            "berth://oauth/callback?state=a&state=b",
            "berth://oauth/callback?state=%zz",
            "berth://oauth/callback?state=%4",
            "berth://oauth/callback?state=%ff%fe",
            "berth://bad route",
        ] {
            assert!(parse(bad).is_err(), "{bad} should be rejected");
        }
        assert!(parse(&format!("berth://oauth/callback?state={}", "a".repeat(MAX_LEN))).is_err());
    }
}
