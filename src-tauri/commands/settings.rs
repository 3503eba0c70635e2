//! Settings commands.

use berth_api::{ApiError, Berth, LocalePreference, SettingsView};
use tauri::State;

#[tauri::command]
pub async fn settings_get(berth: State<'_, Berth>) -> Result<SettingsView, ApiError> {
    berth.settings().await
}

#[tauri::command]
pub async fn settings_set_locale(
    berth: State<'_, Berth>,
    locale: LocalePreference,
) -> Result<SettingsView, ApiError> {
    berth.set_locale(locale).await
}
