//! Build script: compiles the Tauri context (config, capabilities, icons) and the app manifest
//! that turns each command into a permission the capabilities can grant.

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

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build step failed");
}
