//! Session, call-log and event commands.

use berth_api::{
    ApiError, Berth, CallView, EventQuery, EventView, SessionAction, SessionActionOutcome, SessionView,
};
use tauri::State;

#[tauri::command]
pub async fn session_list(berth: State<'_, Berth>, limit: u32) -> Result<Vec<SessionView>, ApiError> {
    berth.sessions(limit).await
}

#[tauri::command]
pub async fn call_log(berth: State<'_, Berth>, limit: u32) -> Result<Vec<CallView>, ApiError> {
    berth.calls(limit).await
}

/// What happened to servers and sessions, for the Logs page.
#[tauri::command]
pub async fn events(berth: State<'_, Berth>, query: EventQuery) -> Result<Vec<EventView>, ApiError> {
    berth.events(query).await
}

#[tauri::command]
pub async fn session_act(
    berth: State<'_, Berth>,
    session: String,
    action: SessionAction,
) -> Result<SessionActionOutcome, ApiError> {
    berth.act_on_session(&session, action).await
}
