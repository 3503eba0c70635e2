//! The subcommands, one file per area as `src-tauri/commands/` has them: each parses its
//! arguments, calls the `berth_api` facade and prints the result.

pub mod app;
pub mod catalog;
pub mod clients;
pub mod external;
pub mod gateway;
pub mod oauth;
pub mod remote;
pub mod secrets;
pub mod servers;
pub mod sessions;
pub mod settings;
pub mod trust;

/// Ctrl-C or SIGTERM: how a foreground command is asked to end, and then cleans up.
pub async fn wait_for_termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
