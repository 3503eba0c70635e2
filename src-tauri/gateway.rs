//! The gateway the desktop app hosts on 127.0.0.1, off until the user turns it on.

use berth_api::{ApiError, Berth, GatewayHost, GatewayStatus};
use tauri::{AppHandle, Manager};

/// The running gateway, if any, and why the last start failed.
#[derive(Default)]
pub struct DesktopGateway {
    host: tokio::sync::Mutex<Option<GatewayHost>>,
    error: std::sync::Mutex<Option<String>>,
}

impl DesktopGateway {
    pub async fn start(&self, berth: &Berth) -> Result<(), ApiError> {
        let mut host = self.host.lock().await;
        if host.is_some() {
            return Ok(());
        }
        let result = async {
            let token = berth.gateway_token().await?;
            let port = berth.gateway_port().await?;
            GatewayHost::start(
                berth.clone(),
                port,
                token,
                &format!("app-{}", std::process::id()),
                berth_api::StartingServers::FromSettings,
                berth_api::GATEWAY_IDLE_TIMEOUT,
            )
            .await
        }
        .await;
        match result {
            Ok(h) => {
                tracing::info!(url = %h.url(), "gateway listening");
                *host = Some(h);
                *self.error.lock().expect("error lock") = None;
                Ok(())
            }
            Err(e) => {
                *self.error.lock().expect("error lock") = Some(e.message.clone());
                Err(e)
            }
        }
    }

    /// Stops listening and ends every session (their servers stop).
    pub async fn stop(&self) {
        if let Some(h) = self.host.lock().await.take() {
            h.stop().await;
        }
    }

    pub async fn url(&self) -> Option<String> {
        self.host.lock().await.as_ref().map(GatewayHost::url)
    }

    pub async fn status(&self, berth: &Berth) -> Result<GatewayStatus, ApiError> {
        let url = self.url().await;
        let starting = berth.gateway_starting_servers().await?;
        Ok(GatewayStatus {
            enabled: berth.gateway_enabled().await?,
            running: url.is_some(),
            port: berth.gateway_port().await?,
            url,
            error: self.error.lock().expect("error lock").clone(),
            starting,
        })
    }
}

/// Turns the gateway on or off, remembers the choice, and updates the tray.
pub async fn set_enabled(app: &AppHandle, enabled: bool) -> Result<GatewayStatus, ApiError> {
    let berth = app.state::<Berth>();
    let gateway = app.state::<DesktopGateway>();
    berth.set_gateway_enabled(enabled).await?;
    let started = if enabled {
        gateway.start(&berth).await
    } else {
        gateway.stop().await;
        Ok(())
    };
    crate::tray::refresh(app);
    started?;
    gateway.status(&berth).await
}

/// Starts the gateway at launch when the user left it on.
pub fn start_if_enabled(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let berth = app.state::<Berth>();
        if berth.gateway_enabled().await.unwrap_or(false)
            && let Err(e) = app.state::<DesktopGateway>().start(&berth).await
        {
            tracing::warn!("the gateway did not start: {}", e.message);
        }
        crate::tray::refresh(&app);
    });
}
