//! Gateway commands: status, on/off, and the token for client setup.

use berth_api::{ApiError, Berth, GatewayStatus};
use tauri::{AppHandle, State};

use crate::gateway::DesktopGateway;

#[tauri::command]
pub async fn gateway_status(
    berth: State<'_, Berth>,
    gateway: State<'_, DesktopGateway>,
) -> Result<GatewayStatus, ApiError> {
    gateway.status(&berth).await
}

#[tauri::command]
pub async fn gateway_set_enabled(app: AppHandle, enabled: bool) -> Result<GatewayStatus, ApiError> {
    crate::gateway::set_enabled(&app, enabled).await
}

/// The bearer token, for the user to copy into a client; shown only on request.
#[tauri::command]
pub async fn gateway_token(berth: State<'_, Berth>) -> Result<String, ApiError> {
    berth.gateway_token().await
}

#[tauri::command]
pub async fn gateway_set_starting(
    berth: State<'_, Berth>,
    gateway: State<'_, DesktopGateway>,
    servers: Vec<String>,
) -> Result<GatewayStatus, ApiError> {
    berth.set_gateway_starting_servers(servers).await?;
    gateway.status(&berth).await
}
