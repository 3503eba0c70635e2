//! `HttpClient`: reqwest behind the URL policy, with timeouts and capped bodies.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use reqwest::redirect;
use url::Url;

use crate::policy::redacted;
use crate::{NetError, UrlPolicy};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const TOTAL_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_REDIRECTS: usize = 5;

/// Validators from the last successful fetch, for a conditional GET.
#[derive(Clone, Debug, Default)]
pub struct Conditional {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The outcome of a conditional GET.
#[derive(Clone, Debug)]
pub enum Fetched {
    /// HTTP 304: the cached copy is current.
    NotModified,
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

/// What a probe saw: the status of the response and how long it took to come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    pub status: u16,
    pub latency_ms: u64,
}

/// Resolves names, then drops addresses the policy forbids, so a public-looking name that
/// resolves to a private address (DNS rebinding) cannot reach the private network.
struct PolicyResolver {
    policy: UrlPolicy,
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> =
                addrs.iter().copied().filter(|a| policy.check_resolved(a.ip())).collect();
            if allowed.is_empty() {
                return Err(format!("{host} resolves only to private-network addresses").into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// An HTTP client that enforces one [`UrlPolicy`].
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    policy: UrlPolicy,
}

impl HttpClient {
    pub fn new(policy: UrlPolicy) -> Self {
        Self::build(policy, Some(TOTAL_TIMEOUT))
    }

    /// The same rules for long-lived connections (an MCP server's event stream): a connect
    /// timeout, but none for the whole exchange; the caller times each request itself.
    pub fn streaming(policy: UrlPolicy) -> Self {
        Self::build(policy, None)
    }

    /// The reqwest client with the policy built in (its resolver and redirect checks), for a
    /// library that takes one. The caller still checks the first URL with the policy.
    pub fn into_reqwest(self) -> reqwest::Client {
        self.client
    }

    fn build(policy: UrlPolicy, total: Option<Duration>) -> Self {
        let redirect_policy = policy.clone();
        let builder = reqwest::Client::builder().connect_timeout(CONNECT_TIMEOUT);
        let builder = match total {
            Some(t) => builder.timeout(t),
            None => builder,
        };
        let client = builder
            .user_agent(concat!("Berth/", env!("CARGO_PKG_VERSION")))
            .no_proxy()
            .tcp_nodelay(true)
            .dns_resolver(Arc::new(PolicyResolver { policy: policy.clone() }))
            .redirect(redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    return attempt.error("too many redirects");
                }
                match redirect_policy.check(attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(e) => attempt.error(e.to_string()),
                }
            }))
            .build()
            .expect("the HTTP client configuration is valid");
        Self { client, policy }
    }

    pub fn policy(&self) -> &UrlPolicy {
        &self.policy
    }

    /// GETs `url` with a bearer token and answers with the response's status (any status: the
    /// caller judges it) and its latency; the request fails after `timeout`. Redirects are
    /// followed only where the policy allows, and the token does not follow to another host.
    pub async fn probe(&self, url: &Url, bearer: &str, timeout: Duration) -> Result<Probe, NetError> {
        self.policy.check(url)?;
        let shown = redacted(url);
        let started = std::time::Instant::now();
        let resp = self
            .client
            .get(url.clone())
            .bearer_auth(bearer)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| classify_within(&shown, e, timeout))?;
        let latency_ms = started.elapsed().as_millis() as u64;
        Ok(Probe { status: resp.status().as_u16(), latency_ms })
    }

    /// GETs `url`, sending the validators of the cached copy; reads at most `max_bytes`.
    pub async fn get_conditional(
        &self,
        url: &Url,
        cached: &Conditional,
        max_bytes: usize,
    ) -> Result<Fetched, NetError> {
        self.policy.check(url)?;
        let shown = redacted(url);
        let mut req = self.client.get(url.clone());
        if let Some(etag) = &cached.etag {
            req = req.header(IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &cached.last_modified {
            req = req.header(IF_MODIFIED_SINCE, lm);
        }
        let mut resp = req.send().await.map_err(|e| classify(&shown, e))?;
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(NetError::Status { url: shown, status: status.as_u16() });
        }
        if resp.content_length().is_some_and(|n| n > max_bytes as u64) {
            return Err(NetError::TooLarge { url: shown, limit: max_bytes });
        }
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let (etag, last_modified) = (header(ETAG), header(LAST_MODIFIED));
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&shown, e))? {
            if bytes.len() + chunk.len() > max_bytes {
                return Err(NetError::TooLarge { url: shown, limit: max_bytes });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body { bytes, etag, last_modified })
    }
}

fn classify(url: &str, e: reqwest::Error) -> NetError {
    classify_within(url, e, TOTAL_TIMEOUT)
}

/// A failed request in the terms a user acts on: refused by the policy, a name that does not
/// resolve, a TLS failure, a timeout, or a connection that could not be made.
fn classify_within(url: &str, e: reqwest::Error, timeout: Duration) -> NetError {
    let url = url.to_owned();
    if e.is_timeout() {
        return NetError::Timeout { url, seconds: timeout.as_secs().max(1) };
    }
    // The policy's own refusals surface from inside reqwest.
    let reason = crate::innermost_cause(&e);
    if e.is_redirect() || reason.contains("is not allowed") || reason.contains("private-network") {
        return NetError::UrlNotAllowed { url, reason };
    }
    let mut chain: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = next {
        chain.push(err.to_string());
        next = err.source();
    }
    // hyper's connector names a failed lookup "dns error"; rustls's failures name the
    // certificate or the handshake.
    if chain.iter().any(|c| c.starts_with("dns error")) {
        return NetError::Dns { url, reason };
    }
    let tls = ["certificate", "tls", "handshake", "peer sent"];
    if chain.iter().any(|c| {
        let c = c.to_ascii_lowercase();
        tls.iter().any(|t| c.contains(t))
    }) {
        return NetError::Tls { url, reason };
    }
    NetError::Connect { url, reason }
}
