//! Client setup commands: the gateway entry for each AI client, shown or written.

use berth_api::{ApiError, ClientKind, ClientSetup};

fn locations() -> Result<(std::path::PathBuf, std::path::PathBuf, std::path::PathBuf), ApiError> {
    let dirs = directories_home()?;
    // The entry launches the CLI that ships next to this app.
    let berth = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(if cfg!(windows) { "berth.exe" } else { "berth" })))
        .ok_or_else(|| ApiError::internal("cannot locate the berth command next to the app"))?;
    Ok((berth, dirs.0, dirs.1))
}

fn directories_home() -> Result<(std::path::PathBuf, std::path::PathBuf), ApiError> {
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(std::path::PathBuf::from)
        .ok_or_else(|| ApiError::validation("Berth cannot find your home folder."))?;
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("APPDATA").map(std::path::PathBuf::from))
        .unwrap_or_else(|| home.join(".config"));
    Ok((home, config))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[tauri::command]
pub async fn client_setups() -> Result<Vec<ClientSetup>, ApiError> {
    let (berth, home, config) = locations()?;
    ClientKind::ALL
        .iter()
        .map(|k| berth_api::connect_client(*k, &berth, &home, &config, false, now_ms()))
        .collect()
}

#[tauri::command]
pub async fn client_connect(client: ClientKind) -> Result<ClientSetup, ApiError> {
    let (berth, home, config) = locations()?;
    berth_api::connect_client(client, &berth, &home, &config, true, now_ms())
}
