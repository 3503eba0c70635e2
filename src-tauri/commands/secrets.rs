//! Secret commands. Values travel UI → keychain only; nothing returns them.

use berth_api::{ApiError, Berth, SecretInfo};
use tauri::State;

#[tauri::command]
pub async fn secret_set(berth: State<'_, Berth>, key: String, value: String) -> Result<SecretInfo, ApiError> {
    berth.set_secret(&key, value).await
}

#[tauri::command]
pub async fn secret_list(berth: State<'_, Berth>) -> Result<Vec<SecretInfo>, ApiError> {
    berth.list_secrets().await
}

#[tauri::command]
pub async fn secret_delete(berth: State<'_, Berth>, key: String) -> Result<bool, ApiError> {
    berth.delete_secret(&key).await
}
