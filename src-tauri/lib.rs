//! The desktop app: Tauri builder, plugins and start-up. The only code in Berth that knows Tauri;
//! everything it does goes through `berth_api`.

mod commands;
mod deep_link;
mod instance;
mod memory;
mod tray;

use std::path::PathBuf;

use berth_api::{Berth, BerthOptions, Redactor};
use tauri::Manager;
use tauri_plugin_dialog::{DialogExt, MessageDialogKind};

/// The main window's label, as in `tauri.conf.json`.
pub const MAIN_WINDOW: &str = "main";

/// Starts the app and blocks until it quits.
pub fn run() {
    memory::limit_arenas();
    let data_dir = data_dir();
    let redactor = Redactor::new();
    let log = data_dir.as_ref().and_then(|dir| {
        berth_logging::init(
            &berth_logging::LogConfig {
                dir: Some(berth_api::paths::log_dir(dir)),
                file_prefix: "berth-desktop".into(),
                file_filter: berth_logging::FILE_FILTER.into(),
                stderr_filter: std::env::var("BERTH_LOG")
                    .unwrap_or_else(|_| berth_logging::FILE_FILTER.into()),
            },
            redactor.clone(),
        )
        .map_err(|e| eprintln!("logging to a file is off: {e}"))
        .ok()
    });

    let built = tauri::Builder::default()
        // Single-instance first: a second launch (for example the OS opening a berth:// link)
        // hands its arguments to this process and exits; the deep-link plugin picks the URL up.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| show_main_window(app)))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(commands::handler())
        .setup(move |app| {
            let Some(data_dir) = data_dir.clone() else {
                fatal(
                    app.handle(),
                    "Berth cannot find a data folder. Set BERTH_DATA_DIR and start Berth again.",
                );
                return Ok(());
            };
            let options = BerthOptions {
                system_locale: sys_locale::get_locale(),
                ..BerthOptions::new(data_dir, redactor.clone())
            };
            match tauri::async_runtime::block_on(Berth::open(options)) {
                Ok(berth) => {
                    start_background_work(app.handle(), berth.clone());
                    app.manage(berth);
                }
                Err(e) => {
                    fatal(app.handle(), &e.message);
                    return Ok(());
                }
            }
            tray::install(app.handle())?;
            start_gateway_if_enabled(app.handle());
            deep_link::install(app.handle());
            exit_on_termination_signals(app.handle());
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match built {
        Ok(app) => app,
        Err(tauri::Error::PluginInitialization(plugin, reason)) if plugin == instance::PLUGIN => {
            drop(log);
            instance::start_again(&reason)
        }
        Err(e) => panic!("the desktop app failed to start: {e}"),
    };
    app.run(|app, event| {
        // Nothing Berth starts outlives it: stop this process's servers before exiting.
        if let tauri::RunEvent::Exit = event
            && let Some(berth) = app.try_state::<Berth>()
        {
            tauri::async_runtime::block_on(async {
                // What runs now starts again at the next launch (unless the user said not to).
                berth.remember_running().await;
                berth.gateway_stop().await;
                berth.shutdown().await;
            });
        }
    });
}

/// The data directory: `BERTH_DATA_DIR` when set (tests, portable installs), else the per-OS one
/// the CLI uses too.
fn data_dir() -> Option<PathBuf> {
    std::env::var_os("BERTH_DATA_DIR").map(PathBuf::from).or_else(berth_api::paths::default_data_dir)
}

/// Event the UI listens to so it re-runs its catalog query after sources were refreshed.
pub const EVENT_CATALOG_CHANGED: &str = "catalog-changed";

/// Start-up work kept off the start-up path, so the window opens at once: connecting to Docker
/// (which removes containers a crashed Berth left behind) and refreshing the user's catalog
/// sources (the UI updates when fresher ones arrive).
fn start_background_work(app: &tauri::AppHandle, berth: Berth) {
    use tauri::Emitter;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        // Connecting to Docker early removes containers a crashed Berth left behind.
        if let Err(e) = berth.connect_containers().await {
            tracing::info!("containers unavailable: {}", e.message);
        }
        restore_servers(&app, &berth).await;
        match berth.catalog_refresh(None).await {
            // Only a source with new content changes what the catalog shows.
            Ok(outcomes) if outcomes.iter().any(|o| o.status == berth_api::RefreshStatus::Updated) => {
                let _ = app.emit(EVENT_CATALOG_CHANGED, outcomes);
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(code = ?e.code, "catalog refresh at start-up failed: {}", e.message),
        }
        memory::release_free_pages();
    });
}

/// Starts again the servers that were running when the app last quit (or went down), telling
/// the window and the tray as each comes back; one that fails shows why on its card.
async fn restore_servers(app: &tauri::AppHandle, berth: &Berth) {
    use tauri::Emitter;
    let emitter = app.clone();
    let progress = std::sync::Arc::new(move |p| {
        let _ = emitter.emit(commands::servers::EVENT_SERVER_PROGRESS, p);
    });
    match berth.restore_servers(progress).await {
        Ok(restored) => {
            for (name, e) in &restored.failed {
                tracing::warn!(server = %name, "did not come back at launch: {}", e.message);
            }
            if !restored.started.is_empty() || !restored.failed.is_empty() {
                let _ = app.emit(commands::servers::EVENT_SERVERS_CHANGED, ());
            }
        }
        Err(e) => tracing::warn!("restoring servers at launch failed: {}", e.message),
    }
}

/// Event telling the UI and the tray that the hosted gateway was turned on or off.
pub const EVENT_GATEWAY_CHANGED: &str = "gateway-changed";

/// Starts the hosted gateway at launch when the user left it on.
fn start_gateway_if_enabled(app: &tauri::AppHandle) {
    use tauri::Emitter;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let berth = app.state::<Berth>();
        if let Err(e) = berth.gateway_start_if_enabled().await {
            tracing::warn!("the gateway did not start: {}", e.message);
        }
        let _ = app.emit(EVENT_GATEWAY_CHANGED, ());
    });
}

/// SIGTERM (logout, `kill`) and SIGINT end the app through its normal exit, so the servers it runs
/// are stopped rather than left to the orphan reaper.
fn exit_on_termination_signals(app: &tauri::AppHandle) {
    #[cfg(unix)]
    {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut term), Ok(mut int)) =
                (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
            else {
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            tracing::info!("termination signal: quitting");
            app.exit(0);
        });
    }
    #[cfg(not(unix))]
    let _ = app;
}

/// Brings the main window to the front.
pub fn show_main_window(app: &tauri::AppHandle) {
    if let Some(w) = app.get_webview_window(MAIN_WINDOW) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// Shows why Berth cannot start and quits.
fn fatal(app: &tauri::AppHandle, message: &str) {
    tracing::error!("cannot start: {message}");
    let handle = app.clone();
    app.dialog()
        .message(message.to_owned())
        .title("Berth cannot start")
        .kind(MessageDialogKind::Error)
        .show(move |_| handle.exit(1));
}
