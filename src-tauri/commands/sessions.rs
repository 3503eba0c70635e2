//! Session and call-log commands.

use berth_api::{ApiError, Berth, CallView, SessionAction, SessionActionOutcome, SessionView};
use tauri::State;

#[tauri::command]
pub async fn session_list(berth: State<'_, Berth>, limit: u32) -> Result<Vec<SessionView>, ApiError> {
    berth.sessions(limit).await
}

#[tauri::command]
pub async fn call_log(berth: State<'_, Berth>, limit: u32) -> Result<Vec<CallView>, ApiError> {
    berth.calls(limit).await
}

#[tauri::command]
pub async fn session_act(
    berth: State<'_, Berth>,
    session: String,
    action: SessionAction,
) -> Result<SessionActionOutcome, ApiError> {
    berth.act_on_session(&session, action).await
}
