//! The gateway on stdin/stdout, as an AI client launches `berth gateway run --stdio`: one session,
//! whose servers stop when the client hangs up or the process is told to end.

use std::future::Future;
use std::sync::Arc;

use berth_gateway::{GatewaySession, SessionBackend};
use rmcp::ServiceExt;

use super::GatewayBackend;
use crate::{ApiError, Berth};

impl Berth {
    /// Serves one MCP session on this process's stdin and stdout, starting `servers` in it, until
    /// the client closes stdin or `stop` completes (Ctrl-C, SIGTERM); then its servers stop.
    pub async fn serve_stdio_gateway(
        &self,
        servers: Vec<String>,
        stop: impl Future<Output = ()>,
    ) -> Result<(), ApiError> {
        let session = format!("stdio-{}", std::process::id());
        let backend = Arc::new(
            GatewayBackend::start(self.clone(), session.clone(), "stdio", None)
                .await?
                .with_starting_servers(servers),
        );
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
}
