//! The gateway on stdin/stdout, as an AI client launches `berth gateway run --stdio`: one session,
//! whose servers stop when the client hangs up or the process is told to end. `berth bridge` is
//! the same with one server and no `mcp-*` tools: what `mcp-remote` does for a remote server.

use std::future::Future;
use std::sync::Arc;

use berth_gateway::{GatewaySession, SessionBackend};
use rmcp::ServiceExt;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::GatewayBackend;
use crate::{ApiError, Berth, RemoteRequest};

/// What `berth bridge` connects a stdio client to.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum BridgeTarget {
    /// An installed server, or a catalog server that needs no configuration.
    Server(String),
    /// A remote server at a URL, with its headers; nothing is stored.
    Url(RemoteRequest),
}

impl Berth {
    /// Serves one MCP session on this process's stdin and stdout, starting `servers` in it, until
    /// the client closes stdin or `stop` completes (Ctrl-C, SIGTERM); then its servers stop.
    pub async fn serve_stdio_gateway(
        &self,
        servers: Vec<String>,
        stop: impl Future<Output = ()>,
    ) -> Result<(), ApiError> {
        let session = format!("stdio-{}", std::process::id());
        let backend =
            GatewayBackend::start(self.clone(), session, "stdio", None).await?.with_starting_servers(servers);
        serve_stdio(backend, stop).await
    }

    /// Serves one stdio client with exactly one server's offer, passed through as it is. Many
    /// bridges may run at once, one per client window; each is its own session.
    pub async fn serve_bridge(
        &self,
        target: BridgeTarget,
        stop: impl Future<Output = ()>,
    ) -> Result<(), ApiError> {
        let (name, entry) = match target {
            BridgeTarget::Server(name) => {
                self.entry_to_run(&name).await?;
                (name, None)
            }
            BridgeTarget::Url(request) => {
                let (item, values) = crate::remote_servers::entry(&request)?;
                (item.name.clone(), Some((item, values)))
            }
        };
        let session = format!("bridge-{}", std::process::id());
        let backend = GatewayBackend::start(self.clone(), session, "stdio", None)
            .await?
            .with_starting_servers(vec![name])
            .bridging(entry);
        serve_stdio(backend, stop).await
    }
}

async fn serve_stdio(backend: GatewayBackend, stop: impl Future<Output = ()>) -> Result<(), ApiError> {
    let backend = Arc::new(backend);
    let session = backend.session().to_owned();
    backend.accept_actions();
    tracing::info!(session = %session, "gateway session started");
    match GatewaySession::new(backend.clone()).serve(rmcp::transport::stdio()).await {
        Ok(running) => {
            tokio::select! {
                _ = running.waiting() => {}
                _ = stop => {}
            }
        }
        Err(e) => tracing::warn!("the client did not complete the MCP handshake: {e}"),
    }
    backend.close().await;
    tracing::info!(session = %session, "gateway session ended");
    Ok(())
}
