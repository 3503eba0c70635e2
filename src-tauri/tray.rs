//! The tray icon and its menu: open the window, start or stop each installed server, quit.

use berth_api::{Berth, ServerStatus};
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Listener, Manager, Wry, image::Image};

const TRAY_ID: &str = "berth";
const OPEN: &str = "open";
const GATEWAY_TOGGLE: &str = "gateway:toggle";
const GATEWAY_COPY: &str = "gateway:copy";
const QUIT: &str = "quit";
/// Server items carry their action and name in the id: `server:start:<name>`.
const SERVER_PREFIX: &str = "server:";

pub fn install(app: &AppHandle) -> tauri::Result<()> {
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(include_bytes!("../icons/tray.png"))?)
        .tooltip("Berth")
        .menu(&base_menu(app, &[], None)?)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .build(app)?;
    // The menu follows what changed, wherever the change was made.
    for event in [crate::commands::servers::EVENT_SERVERS_CHANGED, crate::EVENT_GATEWAY_CHANGED] {
        let handle = app.clone();
        app.listen_any(event, move |_| refresh(&handle));
    }
    refresh(app);
    Ok(())
}

fn base_menu(
    app: &AppHandle,
    servers: &[(String, ServerStatus)],
    gateway: Option<&str>,
) -> tauri::Result<Menu<Wry>> {
    let menu = Menu::new(app)?;
    menu.append(&MenuItem::with_id(app, OPEN, "Open Berth", true, None::<&str>)?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    let toggle = if gateway.is_some() { "Turn gateway off" } else { "Turn gateway on" };
    menu.append(&MenuItem::with_id(app, GATEWAY_TOGGLE, toggle, true, None::<&str>)?)?;
    menu.append(&MenuItem::with_id(app, GATEWAY_COPY, "Copy gateway URL", gateway.is_some(), None::<&str>)?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    if servers.is_empty() {
        menu.append(&MenuItem::with_id(app, "none", "No servers installed", false, None::<&str>)?)?;
    }
    for (name, status) in servers {
        let (action, label) = match status {
            ServerStatus::Running => ("stop", format!("Stop {name}")),
            ServerStatus::Pulling | ServerStatus::Starting => ("none", format!("{name} (starting…)")),
            _ => ("start", format!("Start {name}")),
        };
        let id = format!("{SERVER_PREFIX}{action}:{name}");
        menu.append(&MenuItem::with_id(app, id, label, action != "none", None::<&str>)?)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(app, QUIT, "Quit Berth", true, None::<&str>)?)?;
    Ok(menu)
}

/// Rebuilds the server entries from the current list.
fn refresh(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Some(berth) = app.try_state::<Berth>() else { return };
        let servers = match berth.server_list().await {
            Ok(list) => list.into_iter().map(|s| (s.name, s.status)).collect::<Vec<_>>(),
            Err(e) => {
                tracing::warn!("tray: cannot list servers: {}", e.message);
                return;
            }
        };
        let url = berth.gateway_status().await.ok().and_then(|s| s.url);
        if let (Some(tray), Ok(menu)) = (app.tray_by_id(TRAY_ID), base_menu(&app, &servers, url.as_deref())) {
            let _ = tray.set_menu(Some(menu));
        }
    });
}

fn on_menu(app: &AppHandle, id: &str) {
    match id {
        OPEN => crate::show_main_window(app),
        QUIT => app.exit(0),
        GATEWAY_TOGGLE => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let berth = app.state::<Berth>();
                let on = berth.gateway_status().await.map(|s| s.url.is_none()).unwrap_or(true);
                if let Err(e) = berth.gateway_set_enabled(on).await {
                    let _ = app.emit("server-error", e);
                }
                let _ = app.emit(crate::EVENT_GATEWAY_CHANGED, ());
            });
        }
        GATEWAY_COPY => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                use tauri_plugin_clipboard_manager::ClipboardExt;
                let url = app.state::<Berth>().gateway_status().await.ok().and_then(|s| s.url);
                if let Some(url) = url {
                    let _ = app.clipboard().write_text(url);
                }
            });
        }
        _ => {
            let Some(rest) = id.strip_prefix(SERVER_PREFIX) else { return };
            let Some((action, name)) = rest.split_once(':') else { return };
            let (app, action, name) = (app.clone(), action.to_owned(), name.to_owned());
            tauri::async_runtime::spawn(async move {
                let result = match action.as_str() {
                    "start" => crate::commands::servers::start_reporting(&app, &name).await.map(|_| ()),
                    "stop" => crate::commands::servers::stop_reporting(&app, &name).await.map(|_| ()),
                    _ => Ok(()),
                };
                if let Err(e) = result {
                    tracing::warn!(server = %name, "tray action failed: {}", e.message);
                    let _ = app.emit("server-error", e);
                }
            });
        }
    }
}
