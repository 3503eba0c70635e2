//! The `berth-desktop` binary: starts the Tauri app defined in `lib.rs`.

// Without this a console window would open next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    berth_desktop::run();
}
