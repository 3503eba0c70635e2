//! Server commands: install (with the host folders it would share), register a remote by URL,
//! test a remote, accept a catalog change, list, start (with progress events), stop, remove,
//! logs, tools.

use berth_api::{
    ApiError, Berth, ConfigureRequest, EntryChange, InstallRequest, MountView, RemoteRequest,
    RemoteTestReport, ServerView, TestTarget, ToolInfo,
};
use tauri::{AppHandle, Emitter, Manager, State};

/// Event carrying `ServerProgress` while a server starts.
pub const EVENT_SERVER_PROGRESS: &str = "server-progress";
/// Event telling the UI (and the tray) that the set or state of servers changed.
pub const EVENT_SERVERS_CHANGED: &str = "servers-changed";

/// The UI and the tray (which listens for this event) show the change.
fn changed(app: &AppHandle) {
    let _ = app.emit(EVENT_SERVERS_CHANGED, ());
}

#[tauri::command]
pub async fn server_install(
    app: AppHandle,
    berth: State<'_, Berth>,
    request: InstallRequest,
) -> Result<ServerView, ApiError> {
    let view = berth.server_install(request).await?;
    changed(&app);
    Ok(view)
}

/// Registers a remote server by its URL.
#[tauri::command]
pub async fn server_add_url(
    app: AppHandle,
    berth: State<'_, Berth>,
    request: RemoteRequest,
) -> Result<ServerView, ApiError> {
    let view = berth.server_add_url(request).await?;
    changed(&app);
    Ok(view)
}

/// Connects to a remote server and reports how that went.
#[tauri::command]
pub async fn server_test(berth: State<'_, Berth>, target: TestTarget) -> Result<RemoteTestReport, ApiError> {
    berth.server_test(target).await
}

/// Changes an installed server's configuration, secrets or limits.
#[tauri::command]
pub async fn server_configure(
    app: AppHandle,
    berth: State<'_, Berth>,
    name: String,
    request: ConfigureRequest,
) -> Result<ServerView, ApiError> {
    let view = berth.server_configure(&name, request).await?;
    changed(&app);
    Ok(view)
}

/// The host folders an install would share, for the form to show before it is saved.
#[tauri::command]
pub async fn server_mounts(
    berth: State<'_, Berth>,
    request: InstallRequest,
) -> Result<Vec<MountView>, ApiError> {
    berth.server_mounts(request).await
}

#[tauri::command]
pub async fn server_accept_change(
    app: AppHandle,
    berth: State<'_, Berth>,
    name: String,
    seen: Vec<EntryChange>,
) -> Result<ServerView, ApiError> {
    let view = berth.server_accept_change(&name, seen).await?;
    changed(&app);
    Ok(view)
}

#[tauri::command]
pub async fn server_list(berth: State<'_, Berth>) -> Result<Vec<ServerView>, ApiError> {
    berth.server_list().await
}

/// Starts a server with its progress sent to the UI, then tells the UI and the tray; the command
/// and the tray menu both start servers through here.
pub async fn start_reporting(app: &AppHandle, name: &str) -> Result<ServerView, ApiError> {
    let emitter = app.clone();
    let berth = app.state::<Berth>();
    let result = berth
        .server_start(
            name,
            std::sync::Arc::new(move |p| {
                let _ = emitter.emit(EVENT_SERVER_PROGRESS, p);
            }),
        )
        .await;
    changed(app);
    result
}

/// Stops a server, then tells the UI and the tray.
pub async fn stop_reporting(app: &AppHandle, name: &str) -> Result<ServerView, ApiError> {
    let result = app.state::<Berth>().server_stop(name).await;
    changed(app);
    result
}

#[tauri::command]
pub async fn server_start(app: AppHandle, name: String) -> Result<ServerView, ApiError> {
    start_reporting(&app, &name).await
}

#[tauri::command]
pub async fn server_stop(app: AppHandle, name: String) -> Result<ServerView, ApiError> {
    stop_reporting(&app, &name).await
}

#[tauri::command]
pub async fn server_remove(app: AppHandle, berth: State<'_, Berth>, name: String) -> Result<bool, ApiError> {
    let removed = berth.server_remove(&name).await;
    changed(&app);
    removed
}

#[tauri::command]
pub async fn server_logs(berth: State<'_, Berth>, name: String, tail: u32) -> Result<Vec<String>, ApiError> {
    berth.server_logs(&name, tail as usize).await
}

#[tauri::command]
pub async fn server_tools(berth: State<'_, Berth>, name: String) -> Result<Vec<ToolInfo>, ApiError> {
    berth.server_tools(&name).await
}
