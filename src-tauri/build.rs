//! Build script: compiles the Tauri context (config, capabilities, icons) for the desktop app.
fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().capabilities_path_pattern("./src-tauri/capabilities/**/*"),
    )
    .expect("tauri build step failed");
}
