//! The HTTP+SSE transport of MCP 2024-11-05 as an rmcp `Transport`, which rmcp itself no longer
//! has: a GET opens the event stream, whose first `endpoint` event says where to POST messages;
//! the server's messages arrive as `message` events. Events are parsed by `sse-stream`. A server
//! that signs in gets the bearer token on every request, renewed once when it answers 401.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap};
use rmcp::RoleClient;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::transport::Transport;
use sse_stream::SseStream;
use tokio::sync::mpsc;
use url::Url;

use crate::signed_in::SignedIn;

/// How long the server may take to announce its message endpoint.
const ENDPOINT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest event accepted; a server sending more is cut off.
pub(crate) const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;
/// How long one POST may take.
const POST_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum LegacySseError {
    #[error("the server answered HTTP {status}")]
    Status { status: u16, www_authenticate: Option<String> },
    #[error("{0}")]
    Http(String),
    #[error("the server answered with {0:?} instead of an event stream")]
    NotEventStream(Option<String>),
    #[error("the server did not say where to send messages within {} s", ENDPOINT_TIMEOUT.as_secs())]
    NoEndpoint,
    #[error("the server named a message endpoint on another site ({0}), which Berth does not follow")]
    ForeignEndpoint(String),
    #[error("the event stream ended before the server said where to send messages")]
    Closed,
    #[error("an event was larger than {} MiB", MAX_EVENT_BYTES / 1024 / 1024)]
    TooLarge,
}

impl From<reqwest::Error> for LegacySseError {
    fn from(e: reqwest::Error) -> Self {
        Self::Http(berth_net::innermost_cause(&e))
    }
}

/// One open HTTP+SSE connection.
pub struct LegacySse {
    client: reqwest::Client,
    endpoint: Url,
    headers: HeaderMap,
    auth: Option<SignedIn>,
    incoming: mpsc::Receiver<ServerJsonRpcMessage>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for LegacySse {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl LegacySse {
    /// Opens the event stream at `url` and waits for the message endpoint, which must be on the
    /// same origin (a server cannot send Berth's messages, and their headers, elsewhere).
    pub(crate) async fn connect(
        client: reqwest::Client,
        url: Url,
        headers: HeaderMap,
        auth: Option<SignedIn>,
    ) -> Result<Self, LegacySseError> {
        let open = |token: Option<&str>| {
            let mut request =
                client.get(url.clone()).headers(headers.clone()).header(ACCEPT, "text/event-stream");
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send()
        };
        let token = match &auth {
            Some(auth) => auth.bearer().await,
            None => None,
        };
        let mut response = open(token.as_deref()).await?;
        if response.status() == reqwest::StatusCode::UNAUTHORIZED
            && let (Some(auth), Some(rejected)) = (&auth, &token)
            && let Some(renewed) = auth.renewed(rejected).await
        {
            response = open(Some(&renewed)).await?;
        }
        let status = response.status();
        if !status.is_success() {
            let www_authenticate = response
                .headers()
                .get(reqwest::header::WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            return Err(LegacySseError::Status { status: status.as_u16(), www_authenticate });
        }
        let kind = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        if !kind.as_deref().is_some_and(|k| k.starts_with("text/event-stream")) {
            return Err(LegacySseError::NotEventStream(kind));
        }
        // Bytes since the last complete event: a server that never ends an event is cut off.
        let pending = Arc::new(AtomicUsize::new(0));
        let counted = pending.clone();
        let bytes = response.bytes_stream().map(move |chunk| {
            let chunk = chunk.map_err(std::io::Error::other)?;
            if counted.fetch_add(chunk.len(), Ordering::Relaxed) + chunk.len() > MAX_EVENT_BYTES {
                return Err(std::io::Error::other("event too large"));
            }
            Ok(chunk)
        });
        let mut events = Box::pin(SseStream::from_bytes_stream(bytes));
        let endpoint = tokio::time::timeout(ENDPOINT_TIMEOUT, async {
            while let Some(event) = events.next().await {
                pending.store(0, Ordering::Relaxed);
                let event = event.map_err(|e| match e {
                    sse_stream::Error::Body(b) if b.to_string().contains("too large") => {
                        LegacySseError::TooLarge
                    }
                    other => LegacySseError::Http(other.to_string()),
                })?;
                if event.event.as_deref() == Some("endpoint") {
                    let data = event.data.unwrap_or_default();
                    let target =
                        url.join(data.trim()).map_err(|_| LegacySseError::ForeignEndpoint(data.clone()))?;
                    if target.origin() != url.origin() {
                        return Err(LegacySseError::ForeignEndpoint(berth_net::redacted(&target)));
                    }
                    return Ok(target);
                }
            }
            Err(LegacySseError::Closed)
        })
        .await
        .map_err(|_| LegacySseError::NoEndpoint)??;

        let (tx, incoming) = mpsc::channel(64);
        let reader = tokio::spawn(async move {
            while let Some(event) = events.next().await {
                pending.store(0, Ordering::Relaxed);
                let Ok(event) = event else { break };
                if !matches!(event.event.as_deref(), None | Some("message")) {
                    continue;
                }
                let Some(data) = event.data else { continue };
                match serde_json::from_str::<ServerJsonRpcMessage>(&data) {
                    Ok(message) => {
                        if tx.send(message).await.is_err() {
                            break;
                        }
                    }
                    Err(e) => tracing::warn!("a remote server sent a message that is not MCP: {e}"),
                }
            }
            // Dropping the sender ends the session: the connection is gone.
        });
        Ok(Self { client, endpoint, headers, auth, incoming, reader })
    }
}

impl Transport<RoleClient> for LegacySse {
    type Error = LegacySseError;

    fn send(
        &mut self,
        item: ClientJsonRpcMessage,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let body = serde_json::to_vec(&item);
        let request = self
            .client
            .post(self.endpoint.clone())
            .headers(self.headers.clone())
            .header(CONTENT_TYPE, "application/json")
            .timeout(POST_TIMEOUT);
        let auth = self.auth.clone();
        async move {
            let body = body.map_err(|e| LegacySseError::Http(e.to_string()))?;
            let token = match &auth {
                Some(auth) => auth.bearer().await,
                None => None,
            };
            let send = |token: Option<&str>| {
                let request = request.try_clone().expect("a byte body clones").body(body.clone());
                match token {
                    Some(token) => request.bearer_auth(token).send(),
                    None => request.send(),
                }
            };
            let mut response = send(token.as_deref()).await?;
            if response.status() == reqwest::StatusCode::UNAUTHORIZED
                && let (Some(auth), Some(rejected)) = (&auth, &token)
                && let Some(renewed) = auth.renewed(rejected).await
            {
                response = send(Some(&renewed)).await?;
            }
            let status = response.status();
            if status.is_success() {
                Ok(())
            } else {
                Err(LegacySseError::Status { status: status.as_u16(), www_authenticate: None })
            }
        }
    }

    fn receive(&mut self) -> impl Future<Output = Option<ServerJsonRpcMessage>> + Send {
        self.incoming.recv()
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.reader.abort();
        Ok(())
    }
}
