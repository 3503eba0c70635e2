//! `GatewayHost`: the HTTP gateway with one recorded backend per MCP session, as the desktop app
//! and `berth gateway run --port` both run it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use berth_gateway::{HttpGateway, SessionBackend, serve_http};

use crate::{ApiError, Berth, ErrorCode, GatewayBackend};

/// A running HTTP gateway and the sessions it opened.
pub struct GatewayHost {
    http: HttpGateway,
    sessions: Arc<Mutex<Vec<Arc<GatewayBackend>>>>,
}

impl GatewayHost {
    /// Listens on 127.0.0.1:`port` (0 picks a free one); sessions are named `<prefix>-<n>` and
    /// start with `starting` servers.
    pub async fn start(
        berth: Berth,
        port: u16,
        token: String,
        prefix: &str,
        starting: Vec<String>,
    ) -> Result<Self, ApiError> {
        let sessions: Arc<Mutex<Vec<Arc<GatewayBackend>>>> = Default::default();
        let made = sessions.clone();
        let counter = AtomicU64::new(0);
        let prefix = prefix.to_owned();
        let http = serve_http(port, token, move || {
            let id = format!("{prefix}-{}", counter.fetch_add(1, Ordering::Relaxed));
            // The session factory is synchronous; recording the session is one short write.
            let backend = tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(GatewayBackend::start(
                    berth.clone(),
                    id,
                    "http",
                    None,
                ))
            })
            .map_err(|e| std::io::Error::other(e.message))?;
            let backend = Arc::new(backend.with_starting_servers(starting.clone()));
            made.lock().expect("sessions").push(backend.clone());
            Ok(backend)
        })
        .await
        .map_err(|e| {
            ApiError::new(
                ErrorCode::Conflict,
                format!("The gateway cannot listen on 127.0.0.1:{port}: {e}. Choose another port."),
            )
        })?;
        Ok(Self { http, sessions })
    }

    pub fn url(&self) -> String {
        self.http.url()
    }

    /// Stops accepting and ends every session, stopping the servers they added.
    pub async fn stop(self) {
        self.http.shutdown();
        let all: Vec<_> = self.sessions.lock().expect("sessions").drain(..).collect();
        // Sessions are independent; closing them together keeps shutdown short.
        futures_util::future::join_all(all.iter().map(|s| s.close())).await;
    }
}
