//! Sign-in commands for the Connections page: every remote server's sign-in, connecting one
//! (the browser comes back through the deep link), and revoking one.

use berth_api::{ApiError, Berth, ConnectStarted, OAuthStatus};
use tauri::{AppHandle, Emitter, State};

/// Event telling the UI (and the tray) that a sign-in changed.
pub const EVENT_OAUTH_CHANGED: &str = "oauth-changed";

#[tauri::command]
pub async fn oauth_list(berth: State<'_, Berth>) -> Result<Vec<OAuthStatus>, ApiError> {
    berth.oauth_list().await
}

/// Opens the authorization URL in the browser; the deep link finishes it.
#[tauri::command]
pub async fn oauth_connect(berth: State<'_, Berth>, server: String) -> Result<ConnectStarted, ApiError> {
    berth.oauth_connect(&server).await
}

#[tauri::command]
pub async fn oauth_revoke(app: AppHandle, berth: State<'_, Berth>, server: String) -> Result<bool, ApiError> {
    let had = berth.oauth_revoke(&server).await?;
    let _ = app.emit(EVENT_OAUTH_CHANGED, ());
    Ok(had)
}
