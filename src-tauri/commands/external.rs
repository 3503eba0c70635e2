//! External gateway commands: list, save (the token goes straight to the keychain), health
//! check (which turns external mode on or off), remove, and the allowed hosts.

use berth_api::{ApiError, Berth, ExternalGatewayView};
use tauri::{AppHandle, Emitter, State};

#[tauri::command]
pub async fn external_list(berth: State<'_, Berth>) -> Result<Vec<ExternalGatewayView>, ApiError> {
    berth.external_list().await
}

#[tauri::command]
pub async fn external_add(
    app: AppHandle,
    berth: State<'_, Berth>,
    name: String,
    url: String,
    token: String,
) -> Result<ExternalGatewayView, ApiError> {
    let saved = berth.external_add(&name, &url, token).await;
    let _ = app.emit(crate::EVENT_GATEWAY_CHANGED, ());
    saved
}

#[tauri::command]
pub async fn external_test(
    app: AppHandle,
    berth: State<'_, Berth>,
    name: String,
) -> Result<ExternalGatewayView, ApiError> {
    let tested = berth.external_test(&name, None).await;
    let _ = app.emit(crate::EVENT_GATEWAY_CHANGED, ());
    tested
}

#[tauri::command]
pub async fn external_remove(
    app: AppHandle,
    berth: State<'_, Berth>,
    name: String,
) -> Result<bool, ApiError> {
    let removed = berth.external_remove(&name).await;
    let _ = app.emit(crate::EVENT_GATEWAY_CHANGED, ());
    removed
}

#[tauri::command]
pub async fn external_allowed_hosts(berth: State<'_, Berth>) -> Result<Vec<String>, ApiError> {
    berth.external_allowed_hosts().await
}

#[tauri::command]
pub async fn external_allow_add(berth: State<'_, Berth>, pattern: String) -> Result<Vec<String>, ApiError> {
    berth.external_allow_add(&pattern).await
}

#[tauri::command]
pub async fn external_allow_remove(
    berth: State<'_, Berth>,
    pattern: String,
) -> Result<Vec<String>, ApiError> {
    berth.external_allow_remove(&pattern).await
}
