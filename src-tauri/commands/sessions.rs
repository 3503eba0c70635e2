//! Session and call-log commands.

use berth_api::{ApiError, Berth, CallView, SessionView};
use tauri::State;

#[tauri::command]
pub async fn session_list(berth: State<'_, Berth>, limit: u32) -> Result<Vec<SessionView>, ApiError> {
    berth.sessions(limit).await
}

#[tauri::command]
pub async fn call_log(berth: State<'_, Berth>, limit: u32) -> Result<Vec<CallView>, ApiError> {
    berth.calls(limit).await
}
