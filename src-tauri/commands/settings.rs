//! Settings commands.

use berth_api::{ApiError, Berth, LocalePreference, SettingsView};
use tauri::{AppHandle, Emitter, State};

/// Event telling the tray that the language changed.
pub const EVENT_SETTINGS_CHANGED: &str = "settings-changed";

#[tauri::command]
pub async fn settings_get(berth: State<'_, Berth>) -> Result<SettingsView, ApiError> {
    berth.settings().await
}

#[tauri::command]
pub async fn settings_set_locale(
    app: AppHandle,
    berth: State<'_, Berth>,
    locale: LocalePreference,
) -> Result<SettingsView, ApiError> {
    let view = berth.set_locale(locale).await?;
    let _ = app.emit(EVENT_SETTINGS_CHANGED, ());
    Ok(view)
}

/// Sets or clears the client ID metadata document URL offered to authorization servers.
#[tauri::command]
pub async fn settings_set_client_metadata_url(
    berth: State<'_, Berth>,
    url: Option<String>,
) -> Result<SettingsView, ApiError> {
    berth.set_client_metadata_url(url).await
}

/// Whether servers running when the app quits start again at its next launch.
#[tauri::command]
pub async fn settings_set_restore_on_start(
    berth: State<'_, Berth>,
    on: bool,
) -> Result<SettingsView, ApiError> {
    berth.settings_set_restore_on_start(on).await
}
