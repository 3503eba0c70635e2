//! Build script: compiles the Tauri context (config, capabilities, icons) and the app manifest
//! that turns each command into a permission the capabilities can grant, and lays the app's
//! start-up code out together in release builds.

/// Every command the UI may invoke; `capabilities/main.json` grants them to the main window.
const COMMANDS: &[&str] = &[
    "app_info",
    "doctor",
    "settings_get",
    "settings_set_locale",
    "settings_set_client_metadata_url",
    "settings_set_restore_on_start",
    "trust_policy",
    "trust_set_verify",
    "secret_set",
    "secret_list",
    "secret_delete",
    "catalog_search",
    "catalog_show",
    "catalog_overview",
    "catalog_source_add",
    "catalog_source_remove",
    "catalog_refresh",
    "server_install",
    "server_mounts",
    "server_add_url",
    "server_test",
    "server_configure",
    "server_accept_change",
    "server_list",
    "server_start",
    "server_stop",
    "server_remove",
    "server_logs",
    "server_tools",
    "session_list",
    "session_act",
    "call_log",
    "events",
    "client_setups",
    "client_connect",
    "gateway_status",
    "gateway_set_enabled",
    "gateway_token",
    "gateway_set_starting",
    "gateway_set_port",
    "first_run",
    "first_run_done",
    "external_list",
    "external_add",
    "external_test",
    "external_remove",
    "external_allowed_hosts",
    "external_allow_add",
    "external_allow_remove",
    "oauth_list",
    "oauth_connect",
    "oauth_revoke",
];

/// Functions the app runs from launch until it is idle, in the order it first runs them
/// (`make startup-order` writes it from a profiled launch).
const STARTUP_ORDER: &str = "src-tauri/startup-order.txt";

fn main() {
    order_startup_code();
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build step failed");
}

/// Asks the linker to place the start-up functions side by side. The kernel maps code in 64 KiB
/// windows around each first touch, so start-up code scattered over the whole binary keeps most of
/// it resident in an idle app; laid out together, the idle app holds little more than the code it
/// ran. Only release builds on x86_64 Linux, where rustc links with rust-lld (the one linker here
/// that reads an ordering file); names the build no longer has are skipped, so a stale list costs
/// memory, never a failed build.
fn order_startup_code() {
    println!("cargo:rerun-if-changed={STARTUP_ORDER}");
    let env = |key: &str| std::env::var(key).unwrap_or_default();
    let linux_x86_64 = env("CARGO_CFG_TARGET_OS") == "linux" && env("CARGO_CFG_TARGET_ARCH") == "x86_64";
    let path = std::path::Path::new(&env("CARGO_MANIFEST_DIR")).join(STARTUP_ORDER);
    if env("PROFILE") != "release" || !linux_x86_64 || !path.exists() {
        return;
    }
    println!("cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}", path.display());
    println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
}
