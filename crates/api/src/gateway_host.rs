//! `GatewayHost`: the HTTP gateway with one recorded backend per MCP session, as the desktop app
//! and `berth gateway run --port` both run it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use berth_gateway::{BackendError, HttpGateway, SessionBackend, serve_http};

use crate::{ApiError, Berth, ErrorCode, GatewayBackend};

/// A running HTTP gateway and the sessions it opened.
pub struct GatewayHost {
    http: HttpGateway,
    /// Sessions end on their own (DELETE, idle timeout); those still open are closed on stop.
    sessions: Arc<Mutex<Vec<Weak<GatewayBackend>>>>,
}

impl GatewayHost {
    /// Listens on 127.0.0.1:`port` (0 picks a free one); sessions are named `<prefix>-<n>`, start
    /// with `starting` servers and end after `idle` without a request.
    pub async fn start(
        berth: Berth,
        port: u16,
        token: String,
        prefix: &str,
        starting: Vec<String>,
        idle: std::time::Duration,
    ) -> Result<Self, ApiError> {
        let sessions: Arc<Mutex<Vec<Weak<GatewayBackend>>>> = Default::default();
        let made = sessions.clone();
        let counter = Arc::new(AtomicU64::new(0));
        let prefix = prefix.to_owned();
        let http = serve_http(port, token, idle, move || {
            let id = format!("{prefix}-{}", counter.fetch_add(1, Ordering::Relaxed));
            let (berth, starting, made) = (berth.clone(), starting.clone(), made.clone());
            async move {
                let backend = GatewayBackend::start(berth, id, "http", None)
                    .await
                    .map_err(|e| BackendError::new(e.message))?;
                let backend = Arc::new(backend.with_starting_servers(starting));
                let mut open = made.lock().expect("sessions");
                open.retain(|s| s.strong_count() > 0);
                open.push(Arc::downgrade(&backend));
                Ok(backend)
            }
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
        let open: Vec<_> =
            self.sessions.lock().expect("sessions").drain(..).filter_map(|s| s.upgrade()).collect();
        // Sessions are independent; closing them together keeps shutdown short.
        futures_util::future::join_all(open.iter().map(|s| s.close())).await;
    }
}
