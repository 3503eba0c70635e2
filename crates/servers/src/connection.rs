//! `McpConnection`: the MCP client side of one running server, whatever carries its bytes.

use std::time::Duration;

use rmcp::service::{ClientInitializeError, ClientLifecycleMode, RunningService};
use rmcp::transport::IntoTransport;
use rmcp::{Peer, RoleClient};

use crate::Relay;

/// How long a started server may take to answer `initialize`.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(60);

/// An initialised MCP session with one server: its peer for requests, and the service that
/// ends the session when it is closed.
pub(crate) struct McpConnection {
    peer: Peer<RoleClient>,
    service: tokio::sync::Mutex<Option<RunningService<RoleClient, Relay>>>,
}

/// Why a handshake did not complete.
pub(crate) enum HandshakeFailure {
    Refused(String),
    TimedOut,
    /// The transport failed (an HTTP status, a refused connection): the error itself, so a
    /// remote connection can tell an older server or a login request from a failure.
    Transport(Box<dyn std::error::Error + Send + Sync>),
    /// The server answered the handshake with a JSON-RPC error (a 2026-07-28 server that has no
    /// `initialize`, say).
    Rejected(String),
}

// A named async function over owned values keeps the future `Send` for any caller.
async fn handshake<T, E, A>(
    relay: Relay,
    transport: T,
    lifecycle: ClientLifecycleMode,
) -> Result<RunningService<RoleClient, Relay>, HandshakeFailure>
where
    T: IntoTransport<RoleClient, E, A> + Send + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    rmcp::serve_client_with_lifecycle(relay, transport, lifecycle).await.map_err(|e| match e {
        ClientInitializeError::LegacyFallbackFailed { fallback, .. } => match *fallback {
            ClientInitializeError::TransportError { error, .. } => HandshakeFailure::Transport(error.error),
            other => HandshakeFailure::Refused(other.to_string()),
        },
        ClientInitializeError::TransportError { error, .. } => HandshakeFailure::Transport(error.error),
        ClientInitializeError::JsonRpcError(e) => HandshakeFailure::Rejected(e.message.to_string()),
        other => HandshakeFailure::Refused(other.to_string()),
    })
}

async fn cancel(service: RunningService<RoleClient, Relay>) {
    let _ = service.cancel().await;
}

impl McpConnection {
    /// Runs the MCP handshake over `transport`, with what the server sends its client going
    /// through `relay`.
    pub(crate) async fn open<T, E, A>(relay: Relay, transport: T) -> Result<Self, HandshakeFailure>
    where
        T: IntoTransport<RoleClient, E, A> + Send + 'static,
        E: std::error::Error + Send + Sync + 'static,
        A: 'static,
    {
        Self::open_with(relay, transport, ClientLifecycleMode::Initialize).await
    }

    /// [`McpConnection::open`] with a chosen lifecycle: a remote server may be a stateless
    /// 2026-07-28 one, found with `server/discover`, or one that needs `initialize`.
    pub(crate) async fn open_with<T, E, A>(
        relay: Relay,
        transport: T,
        lifecycle: ClientLifecycleMode,
    ) -> Result<Self, HandshakeFailure>
    where
        T: IntoTransport<RoleClient, E, A> + Send + 'static,
        E: std::error::Error + Send + Sync + 'static,
        A: 'static,
    {
        // rmcp's handshake future is not `Send` for every lifetime, which a Tauri command needs;
        // driving it on a blocking thread sidesteps that, and what it returns is `Send`.
        let handle = tokio::runtime::Handle::current();
        let outcome = tokio::task::spawn_blocking(move || {
            handle.block_on(tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake(relay, transport, lifecycle)))
        })
        .await;
        let service = match outcome {
            Ok(Ok(Ok(s))) => s,
            Ok(Ok(Err(failure))) => return Err(failure),
            Ok(Err(_)) => return Err(HandshakeFailure::TimedOut),
            Err(join) => return Err(HandshakeFailure::Refused(join.to_string())),
        };
        Ok(Self { peer: service.peer().clone(), service: tokio::sync::Mutex::new(Some(service)) })
    }

    pub(crate) fn peer(&self) -> &Peer<RoleClient> {
        &self.peer
    }

    /// The protocol version the server agreed to.
    pub(crate) fn protocol_version(&self) -> String {
        self.peer.peer_info().map(|i| i.protocol_version.to_string()).unwrap_or_default()
    }

    /// Ends the MCP session; closing twice is harmless.
    pub(crate) async fn close(&self) {
        if let Some(service) = self.service.lock().await.take() {
            cancel(service).await;
        }
    }
}

/// Pings `peer`; a server that answers "method not found" (some stateless 2026-07-28 servers
/// have no `ping`) has answered all the same.
pub(crate) async fn ping(peer: rmcp::Peer<rmcp::RoleClient>) -> Result<(), rmcp::ServiceError> {
    match peer.send_request(rmcp::model::ClientRequest::PingRequest(Default::default())).await {
        Err(rmcp::ServiceError::McpError(e)) if e.code == rmcp::model::ErrorCode::METHOD_NOT_FOUND => Ok(()),
        other => other.map(|_| ()),
    }
}
