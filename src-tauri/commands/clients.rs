//! Client setup commands: the gateway entry for each AI client, shown or written.

use std::path::PathBuf;

use berth_api::{ApiError, ClientKind, ClientSetup};

/// The entry launches the `berth` CLI that ships next to this app.
fn berth_binary() -> Result<PathBuf, ApiError> {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(if cfg!(windows) { "berth.exe" } else { "berth" })))
        .ok_or_else(|| ApiError::internal("cannot locate the berth command next to the app"))
}

#[tauri::command]
pub async fn client_setups() -> Result<Vec<ClientSetup>, ApiError> {
    let berth = berth_binary()?;
    ClientKind::ALL.iter().map(|k| berth_api::connect_client_for_user(*k, &berth, false)).collect()
}

#[tauri::command]
pub async fn client_connect(client: ClientKind) -> Result<ClientSetup, ApiError> {
    berth_api::connect_client_for_user(client, &berth_binary()?, true)
}
