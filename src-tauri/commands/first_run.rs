//! First-run commands: the check the window shows at first launch, and the user being done with it.

use berth_api::{ApiError, Berth, FirstRunView};
use tauri::State;

#[tauri::command]
pub async fn first_run(berth: State<'_, Berth>) -> Result<FirstRunView, ApiError> {
    berth.first_run().await
}

#[tauri::command]
pub async fn first_run_done(berth: State<'_, Berth>) -> Result<(), ApiError> {
    berth.set_first_run_done().await
}
