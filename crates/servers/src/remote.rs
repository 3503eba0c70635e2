//! Remote MCP servers: the endpoint, headers and transport a catalog entry names, resolved with
//! the user's secrets into a `RemoteTarget`, and the MCP connection to it: streamable HTTP
//! (rmcp's client, which also speaks the stateless 2026-07-28 protocol) or, when the server
//! answers that with a 4xx, the legacy HTTP+SSE transport of 2024-11-05.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use berth_catalog::{CatalogItem, RemoteSpec, Transport as CatalogTransport};
use berth_net::{HttpClient, UrlPolicy};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use rmcp::model::ProtocolVersion;
use rmcp::service::ClientLifecycleMode;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::common::client_side_sse::ExponentialBackoff;
use rmcp::transport::streamable_http_client::{StreamableHttpClientTransportConfig, StreamableHttpError};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::Url;

use crate::connection::{HandshakeFailure, McpConnection};
use crate::legacy_sse::{LegacySse, LegacySseError};
use crate::{Relay, ServerError};

/// How many times a dropped event stream is resumed before its request fails.
const RESUME_ATTEMPTS: usize = 3;

/// Which transport to use for a remote server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum RemoteTransport {
    /// Streamable HTTP first; the legacy SSE transport when the server answers that with a 4xx.
    #[default]
    Auto,
    StreamableHttp,
    Sse,
}

impl From<CatalogTransport> for RemoteTransport {
    fn from(t: CatalogTransport) -> Self {
        match t {
            CatalogTransport::StreamableHttp => Self::Auto,
            CatalogTransport::Sse => Self::Sse,
        }
    }
}

/// A remote endpoint with everything needed to connect: header values are resolved secrets, so
/// `Debug` shows only their names.
#[derive(Clone)]
pub struct RemoteTarget {
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub transport: RemoteTransport,
    /// Allow private-network and link-local addresses (a server on the office LAN).
    pub allow_private: bool,
    /// The only hosts it may be reached at or redirected to (an external gateway's allowlist).
    pub allowed_hosts: Option<Vec<String>>,
    /// Where the server's OAuth tokens are kept, when it signs in; the connection sends them and
    /// refreshes them as needed.
    pub oauth: Option<crate::oauth::SharedCredentials>,
}

impl crate::LaunchPlan {
    /// A remote plan that signs in with the tokens `credentials` hold.
    pub fn with_oauth(mut self, credentials: crate::oauth::SharedCredentials) -> Self {
        if let crate::LaunchTarget::Remote(t) = &mut self.target {
            t.oauth = Some(credentials);
        }
        self
    }
}

impl std::fmt::Debug for RemoteTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteTarget")
            .field("url", &berth_net::redacted(&self.url))
            .field("headers", &self.headers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>())
            .field("transport", &self.transport)
            .field("allow_private", &self.allow_private)
            .field("allowed_hosts", &self.allowed_hosts)
            .field("oauth", &self.oauth.is_some())
            .finish()
    }
}

/// What a connection ended up using.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
pub struct RemoteInfo {
    /// `streamable-http` or `sse`.
    pub transport: RemoteTransport,
    pub protocol_version: String,
    pub latency_ms: u64,
}

/// Expands `${NAME}` in a header value: `NAME` is one of the entry's secrets, by its variable
/// name or as `secret.<name>`. Nothing else is read: a catalog cannot make Berth send the host's
/// environment anywhere.
fn header_value(
    item: &CatalogItem,
    raw: &str,
    secrets: &HashMap<String, String>,
) -> Result<String, ServerError> {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| {
            ServerError::Template(format!("{}: a header value has an unclosed ${{", item.name))
        })?;
        let reference = &after[..end];
        let spec = item
            .secrets
            .iter()
            .find(|s| s.env == reference || reference.strip_prefix("secret.") == Some(s.name.as_str()))
            .ok_or_else(|| {
                ServerError::Template(format!(
                    "{}: a header refers to {reference}, which is not one of its secrets",
                    item.name
                ))
            })?;
        match secrets.get(&spec.name) {
            Some(v) => out.push_str(v),
            None => {
                return Err(ServerError::Template(format!(
                    "{} needs the secret {} for its headers; store it with `berth secret set berth/server/{}/{}` or in the install form",
                    item.name, spec.name, item.name, spec.name
                )));
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The endpoint of a remote entry, checked against the URL policy, with its headers resolved.
pub(crate) fn target(
    item: &CatalogItem,
    remote: &RemoteSpec,
    secrets: &HashMap<String, String>,
    settings: &crate::ServerSettings,
) -> Result<RemoteTarget, ServerError> {
    let allow_private = settings.allow_private_network;
    let allowed_hosts = settings.allowed_hosts.clone();
    let url = Url::parse(&remote.url).map_err(|e| {
        ServerError::Template(format!("{}: the URL {:?} is not valid: {e}", item.name, remote.url))
    })?;
    policy(allow_private, allowed_hosts.clone())
        .check(&url)
        .map_err(|e| ServerError::NotRunnable { name: item.name.clone(), reason: e.to_string() })?;
    let mut headers = Vec::new();
    for (name, raw) in &remote.headers {
        HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            ServerError::Template(format!("{}: {name:?} is not a valid header name", item.name))
        })?;
        let value = header_value(item, raw, secrets)?;
        HeaderValue::from_str(&value).map_err(|_| {
            ServerError::Template(format!("{}: the value of the header {name} is not valid", item.name))
        })?;
        headers.push((name.clone(), value));
    }
    let transport = remote.transport.into();
    Ok(RemoteTarget { url, headers, transport, allow_private, allowed_hosts, oauth: None })
}

fn policy(allow_private: bool, allowed_hosts: Option<Vec<String>>) -> UrlPolicy {
    let literal_loopback_only = allowed_hosts.is_some();
    UrlPolicy { allow_private, allowed_hosts, literal_loopback_only }
}

/// The headers as the HTTP client sends them, values marked sensitive (checked when the plan
/// was built).
fn header_map(target: &RemoteTarget) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in &target.headers {
        if let (Ok(n), Ok(mut v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            v.set_sensitive(true);
            map.insert(n, v);
        }
    }
    map
}

/// An HTTP client for a remote server's sign-in exchanges (metadata, tokens, revocation): the
/// URL policy (private addresses only when the server allows them) in its resolver and
/// redirects, and a time limit on each exchange, since none of them streams.
pub(crate) fn http_client(allow_private: bool) -> reqwest::Client {
    HttpClient::new(policy(allow_private, None)).into_reqwest()
}

/// The HTTP client for `target`'s connection, with its allowlist when it has one.
fn target_client(target: &RemoteTarget) -> reqwest::Client {
    HttpClient::streaming(policy(target.allow_private, target.allowed_hosts.clone())).into_reqwest()
}

/// Why a connection attempt failed, in the terms the caller acts on.
enum Attempt {
    /// The server wants credentials (401 with `WWW-Authenticate`).
    NeedsAuth(String),
    /// A 4xx other than 401: the server does not speak this transport.
    WrongTransport(String),
    /// A JSON-RPC error to `initialize`: perhaps a stateless 2026-07-28 server.
    Rejected(String),
    Failed(String),
}

/// A request's failure as the server's sign-in rules see it: a 401 is `NeedsAuth`, a 403
/// `insufficient_scope` is `InsufficientScope` (each with the server's challenge); anything else
/// is `None`.
pub(crate) fn sign_in_failure(name: &str, error: &rmcp::ServiceError) -> Option<ServerError> {
    let rmcp::ServiceError::TransportSend(e) = error else { return None };
    match e.error.downcast_ref::<StreamableHttpError<reqwest::Error>>()? {
        StreamableHttpError::InsufficientScope(e) => Some(ServerError::InsufficientScope {
            name: name.to_owned(),
            challenge: e.www_authenticate_header.clone(),
        }),
        StreamableHttpError::AuthRequired(e) => Some(ServerError::NeedsAuth {
            name: name.to_owned(),
            challenge: e.www_authenticate_header.clone(),
        }),
        _ => None,
    }
}

/// A request's failure: a sign-in a remote server asks for, or the transport.
pub(crate) fn request_failed(key: &crate::ServerKey, e: rmcp::ServiceError) -> ServerError {
    sign_in_failure(&key.server, &e)
        .unwrap_or_else(|| ServerError::Transport { name: key.to_string(), reason: e.to_string() })
}

/// An error with its innermost cause, which says most (a refused redirect's reason, say).
fn explained(error: &(dyn std::error::Error + 'static)) -> String {
    // rmcp keeps reqwest's error without naming it as the source.
    if let Some(StreamableHttpError::Client(inner)) =
        error.downcast_ref::<StreamableHttpError<reqwest::Error>>()
    {
        return format!("{error}: {}", explained(inner));
    }
    let (text, cause) = (error.to_string(), berth_net::innermost_cause(error));
    if text.contains(&cause) { text } else { format!("{text}: {cause}") }
}

/// [`classify`] for a transport failure, without taking it.
fn classify_ref(failure: &HandshakeFailure) -> Option<Attempt> {
    let HandshakeFailure::Transport(error) = failure else { return None };
    match error.downcast_ref::<StreamableHttpError<reqwest::Error>>()? {
        StreamableHttpError::AuthRequired(a) => Some(Attempt::NeedsAuth(a.www_authenticate_header.clone())),
        StreamableHttpError::InsufficientScope(a) => {
            Some(Attempt::NeedsAuth(a.www_authenticate_header.clone()))
        }
        _ => None,
    }
}

fn classify(failure: HandshakeFailure) -> Attempt {
    if let Some(sign_in) = classify_ref(&failure) {
        return sign_in;
    }
    match failure {
        HandshakeFailure::TimedOut => Attempt::Failed("no answer to the MCP handshake".into()),
        HandshakeFailure::Refused(reason) => Attempt::Failed(reason),
        HandshakeFailure::Rejected(reason) => Attempt::Rejected(reason),
        HandshakeFailure::Transport(error) => {
            let text = explained(error.as_ref());
            if let Some(e) = error.downcast_ref::<StreamableHttpError<reqwest::Error>>() {
                return match e {
                    StreamableHttpError::AuthRequired(a) => {
                        Attempt::NeedsAuth(a.www_authenticate_header.clone())
                    }
                    StreamableHttpError::HttpStatus(s) if s.status == 401 => {
                        Attempt::NeedsAuth(String::new())
                    }
                    StreamableHttpError::HttpStatus(s) if (400..500).contains(&s.status) => {
                        Attempt::WrongTransport(text)
                    }
                    StreamableHttpError::UnexpectedContentType(_) => Attempt::WrongTransport(text),
                    // rmcp reports some statuses only in words: `HTTP 404 Not Found: ...`.
                    StreamableHttpError::UnexpectedServerResponse(m) => {
                        match m
                            .strip_prefix("HTTP ")
                            .and_then(|r| r.get(..3))
                            .and_then(|c| c.parse::<u16>().ok())
                        {
                            Some(401) => Attempt::NeedsAuth(String::new()),
                            Some(status) if (400..500).contains(&status) => Attempt::WrongTransport(text),
                            _ => Attempt::Failed(text),
                        }
                    }
                    _ => Attempt::Failed(text),
                };
            }
            if let Some(LegacySseError::Status { status: 401, www_authenticate }) = error.downcast_ref() {
                return Attempt::NeedsAuth(www_authenticate.clone().unwrap_or_default());
            }
            Attempt::Failed(text)
        }
    }
}

/// Streamable HTTP: `initialize` (the newest version that has it) first, which every server
/// before 2026-07-28 needs and newer ones may still accept; a server that refuses it with a
/// JSON-RPC error is asked `server/discover`, as a stateless 2026-07-28 server expects.
async fn streamable(target: &RemoteTarget, relay: Relay) -> Result<McpConnection, HandshakeFailure> {
    match streamable_with(target, relay.clone(), ClientLifecycleMode::Initialize).await {
        Err(HandshakeFailure::Rejected(first)) => {
            let discover =
                ClientLifecycleMode::Discover { preferred_versions: vec![ProtocolVersion::V_2026_07_28] };
            match streamable_with(target, relay, discover).await {
                // A stateless server that wants a sign-in says so only to `server/discover`.
                Err(f) if matches!(classify_ref(&f), Some(Attempt::NeedsAuth(_))) => Err(f),
                Err(_) => Err(HandshakeFailure::Refused(first)),
                ok => ok,
            }
        }
        other => other,
    }
}

async fn streamable_with(
    target: &RemoteTarget,
    relay: Relay,
    lifecycle: ClientLifecycleMode,
) -> Result<McpConnection, HandshakeFailure> {
    let custom: HashMap<HeaderName, HeaderValue> =
        header_map(target).into_iter().filter_map(|(n, v)| Some((n?, v))).collect();
    // A dropped event stream is resumed (`Last-Event-ID`, after the server's `retry` when it
    // gave one) a few times with backoff; then the request fails instead of waiting for ever.
    let mut resume = ExponentialBackoff::default();
    resume.max_times = Some(RESUME_ATTEMPTS);
    resume.base_duration = Duration::from_millis(250);
    resume.max_delay = Some(Duration::from_secs(2));
    let mut config = StreamableHttpClientTransportConfig::with_uri(target.url.as_str())
        .custom_headers(custom)
        .reinit_on_expired_session(true);
    config.retry_config = Arc::new(resume);
    if let Some(credentials) = &target.oauth
        && let Some(signed_in) =
            crate::oauth::authorised(&target.url, credentials, target.allow_private).await
    {
        let transport = StreamableHttpClientTransport::with_client(signed_in, config);
        return McpConnection::open_with(relay, transport, lifecycle).await;
    }
    let client = target_client(target);
    McpConnection::open_with(relay, StreamableHttpClientTransport::with_client(client, config), lifecycle)
        .await
}

async fn legacy(target: &RemoteTarget, relay: Relay) -> Result<McpConnection, HandshakeFailure> {
    let client = target_client(target);
    let auth = match &target.oauth {
        Some(credentials) => crate::oauth::authorised(&target.url, credentials, target.allow_private).await,
        None => None,
    };
    let transport = LegacySse::connect(client, target.url.clone(), header_map(target), auth)
        .await
        .map_err(|e| HandshakeFailure::Transport(Box::new(e)))?;
    McpConnection::open(relay, transport).await
}

/// Connects to `target` and completes the MCP handshake.
pub(crate) async fn connect(
    name: &str,
    target: &RemoteTarget,
    relay: Relay,
) -> Result<(McpConnection, RemoteInfo), ServerError> {
    let started = Instant::now();
    let failed = |attempt: Attempt| match attempt {
        Attempt::NeedsAuth(challenge) => ServerError::NeedsAuth { name: name.to_owned(), challenge },
        Attempt::WrongTransport(reason) | Attempt::Failed(reason) | Attempt::Rejected(reason) => {
            ServerError::Transport { name: name.to_owned(), reason }
        }
    };
    let (connection, used) = match target.transport {
        RemoteTransport::Sse => {
            (legacy(target, relay).await.map_err(|f| failed(classify(f)))?, RemoteTransport::Sse)
        }
        RemoteTransport::StreamableHttp => (
            streamable(target, relay).await.map_err(|f| failed(classify(f)))?,
            RemoteTransport::StreamableHttp,
        ),
        RemoteTransport::Auto => match streamable(target, relay.clone()).await {
            Ok(c) => (c, RemoteTransport::StreamableHttp),
            Err(f) => match classify(f) {
                // The backwards-compatibility rule of the spec: a 4xx to the POST means an older
                // server; try its event stream.
                Attempt::WrongTransport(first) => match legacy(target, relay).await {
                    Ok(c) => (c, RemoteTransport::Sse),
                    Err(f) => match classify(f) {
                        Attempt::WrongTransport(_) => return Err(failed(Attempt::Failed(first))),
                        other => return Err(failed(other)),
                    },
                },
                other => return Err(failed(other)),
            },
        },
    };
    let protocol_version = connection.protocol_version();
    let latency_ms = started.elapsed().as_millis() as u64;
    Ok((connection, RemoteInfo { transport: used, protocol_version, latency_ms }))
}
