//! Commands about Berth itself: version, locations, health.

use berth_api::{ApiError, AppInfo, Berth, DoctorReport};
use tauri::State;

#[tauri::command]
pub async fn app_info(berth: State<'_, Berth>) -> Result<AppInfo, ApiError> {
    berth.app_info().await
}

#[tauri::command]
pub async fn doctor(berth: State<'_, Berth>) -> Result<DoctorReport, ApiError> {
    Ok(berth.doctor().await)
}
