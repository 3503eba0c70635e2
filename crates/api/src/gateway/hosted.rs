//! The gateway the desktop app hosts on 127.0.0.1: off until the user turns it on, started again
//! at launch when they left it on, and its status as Settings and the tray show it.

use super::{GatewayHost, GatewayStatus, StartingServers};
use crate::{ApiError, Berth};

/// The hosted gateway, if it runs, and why its last start failed.
#[derive(Default)]
pub struct HostedGateway {
    host: tokio::sync::Mutex<Option<GatewayHost>>,
    error: std::sync::Mutex<Option<String>>,
}

impl Berth {
    async fn start_hosted(&self) -> Result<(), ApiError> {
        let mut host = self.hosted.host.lock().await;
        if host.is_some() {
            return Ok(());
        }
        let result = async {
            let token = self.gateway_token().await?;
            let port = self.gateway_port().await?;
            let prefix = format!("app-{}", std::process::id());
            GatewayHost::start(
                self.clone(),
                port,
                token,
                &prefix,
                StartingServers::FromSettings,
                berth_gateway::HttpLimits::default(),
            )
            .await
        }
        .await;
        let (started, error) = match result {
            Ok(h) => {
                tracing::info!(url = %h.url(), "gateway listening");
                *host = Some(h);
                (Ok(()), None)
            }
            Err(e) => (Err(e.clone()), Some(e.message)),
        };
        *self.hosted.error.lock().expect("gateway error") = error;
        started
    }

    /// Stops the hosted gateway, ending every session (their servers stop).
    pub async fn gateway_stop(&self) {
        if let Some(h) = self.hosted.host.lock().await.take() {
            h.stop().await;
        }
    }

    /// Turns the hosted gateway on or off and remembers the choice for the next launch. A start
    /// that fails is reported, and the status keeps the reason.
    pub async fn gateway_set_enabled(&self, enabled: bool) -> Result<GatewayStatus, ApiError> {
        self.set_gateway_enabled(enabled).await?;
        if enabled {
            self.start_hosted().await?;
        } else {
            self.gateway_stop().await;
        }
        self.gateway_status().await
    }

    /// Starts the hosted gateway when the user left it on (app launch).
    pub async fn gateway_start_if_enabled(&self) -> Result<GatewayStatus, ApiError> {
        if self.gateway_enabled().await? {
            self.start_hosted().await?;
        }
        self.gateway_status().await
    }

    /// Sets the port the gateway listens on (1024 and above); a running gateway moves to it, its
    /// sessions ending as when it is turned off and on.
    pub async fn gateway_set_port(&self, port: u16) -> Result<GatewayStatus, ApiError> {
        self.set_gateway_port(port).await?;
        let running = self.hosted.host.lock().await.is_some();
        if running {
            self.gateway_stop().await;
            // A port that cannot be had is reported; the status keeps the reason.
            let _ = self.start_hosted().await;
        }
        self.gateway_status().await
    }

    /// Whether the hosted gateway runs in this process.
    pub(crate) async fn gateway_running_here(&self) -> bool {
        self.hosted.host.lock().await.is_some()
    }

    /// Sets the servers every new session starts with, and returns the status that shows them.
    pub async fn gateway_set_starting(&self, servers: Vec<String>) -> Result<GatewayStatus, ApiError> {
        self.set_gateway_starting_servers(servers).await?;
        self.gateway_status().await
    }

    /// The hosted gateway as Settings and the tray show it.
    pub async fn gateway_status(&self) -> Result<GatewayStatus, ApiError> {
        let url = self.hosted.host.lock().await.as_ref().map(GatewayHost::url);
        let error = self.hosted.error.lock().expect("gateway error").clone();
        Ok(GatewayStatus {
            enabled: self.gateway_enabled().await?,
            running: url.is_some(),
            port: self.gateway_port().await?,
            url,
            error,
            starting: self.gateway_starting_servers().await?,
        })
    }
}
