//! Client setup commands: the gateway entry for each AI client, shown or written.

use std::path::PathBuf;

use berth_api::{ApiError, Berth, ClientKind, ClientSetup, ClientTransport, TokenPolicy, WriteMode};
use tauri::State;

/// The entry launches the `berth` CLI that ships next to this app.
fn berth_binary() -> Result<PathBuf, ApiError> {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(if cfg!(windows) { "berth.exe" } else { "berth" })))
        .ok_or_else(|| ApiError::internal("cannot locate the berth command next to the app"))
}

#[tauri::command]
pub async fn client_setups(
    berth: State<'_, Berth>,
    transport: ClientTransport,
) -> Result<Vec<ClientSetup>, ApiError> {
    berth.client_setups(transport, &berth_binary()?).await
}

#[tauri::command]
pub async fn client_connect(
    berth: State<'_, Berth>,
    client: ClientKind,
    transport: ClientTransport,
) -> Result<ClientSetup, ApiError> {
    berth.connect_client(client, transport, &berth_binary()?, WriteMode::Write, TokenPolicy::Keep).await
}
