//! Tauri commands: each takes the `Berth` state, calls one `berth_api` function and returns its
//! result. No logic lives here.

mod app;
mod catalog;
mod clients;
mod external;
mod first_run;
mod gateway;
pub mod oauth;
mod secrets;
pub mod servers;
mod sessions;
pub mod settings;
mod trust;

/// The invoke handler with every command; the list matches `COMMANDS` in `build.rs`.
pub fn handler() -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        app::app_info,
        app::doctor,
        settings::settings_get,
        settings::settings_set_locale,
        settings::settings_set_client_metadata_url,
        settings::settings_set_restore_on_start,
        trust::trust_policy,
        trust::trust_set_verify,
        secrets::secret_set,
        secrets::secret_list,
        secrets::secret_delete,
        catalog::catalog_search,
        catalog::catalog_show,
        catalog::catalog_overview,
        catalog::catalog_source_add,
        catalog::catalog_source_remove,
        catalog::catalog_refresh,
        servers::server_install,
        servers::server_mounts,
        servers::server_add_url,
        servers::server_test,
        servers::server_configure,
        servers::server_accept_change,
        servers::server_list,
        servers::server_start,
        servers::server_stop,
        servers::server_remove,
        servers::server_logs,
        servers::server_tools,
        sessions::session_list,
        sessions::session_act,
        sessions::call_log,
        sessions::events,
        clients::client_setups,
        clients::client_connect,
        gateway::gateway_status,
        gateway::gateway_set_enabled,
        gateway::gateway_token,
        gateway::gateway_set_starting,
        gateway::gateway_set_port,
        first_run::first_run,
        first_run::first_run_done,
        external::external_list,
        external::external_add,
        external::external_test,
        external::external_remove,
        external::external_allowed_hosts,
        external::external_allow_add,
        external::external_allow_remove,
        oauth::oauth_list,
        oauth::oauth_connect,
        oauth::oauth_revoke,
    ]
}
