//! Routes every `berth://` URL the OS delivers (at launch, or forwarded by a second instance)
//! to `berth_api::Berth::handle_deep_link` and tells the UI what happened.

use berth_api::Berth;
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_deep_link::DeepLinkExt;

/// Event the UI listens to for a link's outcome (`DeepLinkOutcome`).
pub const EVENT_OUTCOME: &str = "deep-link";
/// Event the UI listens to when a link was refused (`ApiError`).
pub const EVENT_ERROR: &str = "deep-link-error";

pub fn install(app: &AppHandle) {
    // Linux and Windows need the scheme registered at run time for unbundled builds.
    #[cfg(any(target_os = "linux", windows))]
    if let Err(e) = app.deep_link().register_all() {
        tracing::warn!("could not register the berth:// scheme: {e}");
    }
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            route(&handle, url.as_str());
        }
    });
    if let Ok(Some(urls)) = app.deep_link().get_current() {
        for url in urls {
            route(app, url.as_str());
        }
    }
}

fn route(app: &AppHandle, url: &str) {
    let app = app.clone();
    let url = url.to_owned();
    tauri::async_runtime::spawn(async move {
        let berth = app.state::<Berth>();
        crate::show_main_window(&app);
        // Only the outcome is logged: the URL itself may carry an authorization code.
        match berth.handle_deep_link(&url).await {
            Ok(outcome) => {
                tracing::info!(?outcome, "deep link handled");
                if matches!(outcome, berth_api::DeepLinkOutcome::SignedIn { .. }) {
                    let _ = app.emit(crate::commands::oauth::EVENT_OAUTH_CHANGED, ());
                }
                let _ = app.emit(EVENT_OUTCOME, outcome);
            }
            Err(e) => {
                tracing::warn!(code = ?e.code, "deep link refused");
                let _ = app.emit(EVENT_ERROR, e);
            }
        }
    });
}
