//! The tray icon and its menu: open the window, quit. Later quick actions join this menu.

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, image::Image};

const OPEN: &str = "open";
const QUIT: &str = "quit";

pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let menu = Menu::with_items(
        app,
        &[
            &MenuItem::with_id(app, OPEN, "Open Berth", true, None::<&str>)?,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(app, QUIT, "Quit Berth", true, None::<&str>)?,
        ],
    )?;
    TrayIconBuilder::with_id("berth")
        .icon(Image::from_bytes(include_bytes!("../icons/tray.png"))?)
        .tooltip("Berth")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            OPEN => crate::show_main_window(app),
            QUIT => app.exit(0),
            _ => {}
        })
        .build(app)?;
    Ok(())
}
