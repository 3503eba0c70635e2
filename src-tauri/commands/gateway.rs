//! Gateway commands: status, on/off, the servers new sessions start with, and the token for
//! client setup.

use berth_api::{ApiError, Berth, GatewayStatus};
use tauri::{AppHandle, Emitter, State};

#[tauri::command]
pub async fn gateway_status(berth: State<'_, Berth>) -> Result<GatewayStatus, ApiError> {
    berth.gateway_status().await
}

#[tauri::command]
pub async fn gateway_set_enabled(
    app: AppHandle,
    berth: State<'_, Berth>,
    enabled: bool,
) -> Result<GatewayStatus, ApiError> {
    let status = berth.gateway_set_enabled(enabled).await;
    let _ = app.emit(crate::EVENT_GATEWAY_CHANGED, ());
    status
}

/// The bearer token, for the user to copy into a client; shown only on request.
#[tauri::command]
pub async fn gateway_token(berth: State<'_, Berth>) -> Result<String, ApiError> {
    berth.gateway_token().await
}

/// Moves the gateway to another port (a running one restarts there).
#[tauri::command]
pub async fn gateway_set_port(
    app: AppHandle,
    berth: State<'_, Berth>,
    port: u16,
) -> Result<GatewayStatus, ApiError> {
    let status = berth.gateway_set_port(port).await;
    let _ = app.emit(crate::EVENT_GATEWAY_CHANGED, ());
    status
}

#[tauri::command]
pub async fn gateway_set_starting(
    berth: State<'_, Berth>,
    servers: Vec<String>,
) -> Result<GatewayStatus, ApiError> {
    berth.gateway_set_starting(servers).await
}
