//! The tray icon and its menu, in the chosen language: open the window, re-authorize a server
//! whose sign-in ended, turn the gateway on or off, whether external mode is on (and for which
//! external gateways), start or stop each installed server, quit.
//! A failed action shows a notification.

use berth_api::{ApiError, Berth, Locale, ServerStatus, msg};
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Listener, Manager, Wry, image::Image};

const TRAY_ID: &str = "berth";
const OPEN: &str = "open";
const GATEWAY_TOGGLE: &str = "gateway:toggle";
const GATEWAY_COPY: &str = "gateway:copy";
const QUIT: &str = "quit";
const EXTERNAL: &str = "external";
/// Server items carry their action and name in the id: `server:start:<name>`.
const SERVER_PREFIX: &str = "server:";
/// Re-authorization items carry the server's name: `oauth:<name>`.
const OAUTH_PREFIX: &str = "oauth:";
/// How often the menu looks again at sign-ins, which can end without any window action.
const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let mut builder = TrayIconBuilder::with_id(TRAY_ID);
    // On Linux the icon is handed over as a file. Without a folder of its own it would go to the
    // system's temporary folder and stay there after Berth quits; in the data folder it is one
    // file, written again at each launch.
    if let Some(berth) = app.try_state::<Berth>() {
        builder = builder.temp_dir_path(berth.data_dir().join("tray"));
    }
    builder
        .icon(Image::from_bytes(include_bytes!("../icons/tray.png"))?)
        .tooltip("Berth")
        .menu(&base_menu(app, Locale::En, &[], None, &[], &[])?)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .build(app)?;
    // The menu follows what changed, wherever the change was made.
    for event in [
        crate::commands::servers::EVENT_SERVERS_CHANGED,
        crate::EVENT_GATEWAY_CHANGED,
        crate::commands::settings::EVENT_SETTINGS_CHANGED,
        crate::commands::oauth::EVENT_OAUTH_CHANGED,
    ] {
        let handle = app.clone();
        app.listen_any(event, move |_| refresh(&handle));
    }
    refresh(app);
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(REFRESH_EVERY).await;
            refresh(&handle);
        }
    });
    Ok(())
}

fn base_menu(
    app: &AppHandle,
    locale: Locale,
    servers: &[(String, ServerStatus)],
    gateway: Option<&str>,
    reauthorize: &[String],
    external: &[String],
) -> tauri::Result<Menu<Wry>> {
    let item = |id: String, label: berth_api::messages::Msg, enabled: bool| {
        MenuItem::with_id(app, id, label.text(locale), enabled, None::<&str>)
    };
    let menu = Menu::new(app)?;
    menu.append(&item(OPEN.into(), msg!("tray.open"), true)?)?;
    for name in reauthorize {
        menu.append(&item(
            format!("{OAUTH_PREFIX}{name}"),
            msg!("tray.oauth.reauthorize", name = name),
            true,
        )?)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    let toggle = if gateway.is_some() { msg!("tray.gateway.off") } else { msg!("tray.gateway.on") };
    menu.append(&item(GATEWAY_TOGGLE.into(), toggle, true)?)?;
    menu.append(&item(GATEWAY_COPY.into(), msg!("tray.gateway.copy"), gateway.is_some())?)?;
    // External mode is shown, not switched here: a passing health check turns it on.
    let mode = if external.is_empty() {
        msg!("tray.external.off")
    } else {
        msg!("tray.external.on", names = external.join(", "))
    };
    menu.append(&item(EXTERNAL.into(), mode, false)?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    if servers.is_empty() {
        menu.append(&item("none".into(), msg!("tray.servers.none"), false)?)?;
    }
    for (name, status) in servers {
        let (action, label) = match status {
            ServerStatus::Running => ("stop", msg!("tray.server.stop", name = name)),
            ServerStatus::Pulling | ServerStatus::Starting => {
                ("none", msg!("tray.server.starting", name = name))
            }
            _ => ("start", msg!("tray.server.start", name = name)),
        };
        menu.append(&item(format!("{SERVER_PREFIX}{action}:{name}"), label, action != "none")?)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&item(QUIT.into(), msg!("tray.quit"), true)?)?;
    Ok(menu)
}

/// Tells the user a tray action failed, in their language: a desktop notification (the window
/// may be hidden), the error on the window's pages, and the event on the Logs page (recorded by
/// the facade).
fn failed(app: &AppHandle, e: ApiError) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let locale = match app.try_state::<Berth>() {
            Some(berth) => berth.settings().await.map(|s| s.effective_locale).unwrap_or(Locale::En),
            None => Locale::En,
        };
        use tauri_plugin_notification::NotificationExt;
        let shown =
            app.notification().builder().title(msg!("tray.failed").text(locale)).body(e.text(locale)).show();
        if let Err(err) = shown {
            tracing::warn!("tray: the notification could not be shown: {err}");
        }
        let _ = app.emit("server-error", e);
    });
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
        let locale = berth.settings().await.map(|s| s.effective_locale).unwrap_or(Locale::En);
        let reauthorize: Vec<String> =
            berth.oauth_attention().await.unwrap_or_default().into_iter().map(|s| s.server).collect();
        let external: Vec<String> = berth
            .external_list()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|g| g.external_mode)
            .map(|g| g.name)
            .collect();
        let menu = base_menu(&app, locale, &servers, url.as_deref(), &reauthorize, &external);
        if let (Some(tray), Ok(menu)) = (app.tray_by_id(TRAY_ID), menu) {
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
                    failed(&app, e);
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
        _ if id.starts_with(OAUTH_PREFIX) => {
            let (app, name) = (app.clone(), id[OAUTH_PREFIX.len()..].to_owned());
            crate::show_main_window(&app);
            tauri::async_runtime::spawn(async move {
                if let Err(e) = app.state::<Berth>().oauth_connect(&name).await {
                    failed(&app, e);
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
                    failed(&app, e);
                }
            });
        }
    }
}
