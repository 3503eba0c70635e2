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

/// Listens for Ctrl-C and SIGTERM from now on and returns the wait for either: taken before
/// telling the user (or a script) that something runs, so a signal sent right after that is
/// not lost to the default action, which would end the process without cleaning up.
pub fn termination() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let (term, int) = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::terminate()).ok(), signal(SignalKind::interrupt()).ok())
    };
    async move {
        #[cfg(unix)]
        if let (Some(mut term), Some(mut int)) = (term, int) {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}
