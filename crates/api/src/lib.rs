//! The facade the Berth UI and the `berth` CLI share: one function per user action, the DTOs
//! that cross the IPC boundary, and the one serializable error shape.
//!
//! Tauri commands and CLI subcommands are thin wrappers over [`Berth`]'s methods; logic lives
//! here or in the crates below, never in a caller.

mod app_info;
mod berth;
mod catalog;
mod catalog_copy;
mod catalog_files;
mod catalog_sources;
mod catalog_url;
mod client_setup;
mod client_tokens;
pub mod deep_link;
mod doctor;
mod engine;
mod error;
mod events;
mod external;
mod external_url;
mod first_run;
mod gateway;
pub mod messages;
mod oauth;
mod oauth_flow;
mod oauth_providers;
pub mod paths;
mod pull_error;
mod remote_servers;
mod restore;
mod secrets;
#[cfg(test)]
mod send_probe;
mod server_config;
mod server_errors;
mod server_review;
mod server_secrets;
mod servers;
mod sessions;
mod settings;
pub mod text;
mod trust;

pub use app_info::AppInfo;
pub use berth::{Berth, BerthOptions};
pub use berth_catalog::{CatalogItem, EntryChange, ItemKind, Launch, Rejection, SearchFilters};
pub use berth_gateway::{HttpLimits as GatewayLimits, IDLE_TIMEOUT as GATEWAY_IDLE_TIMEOUT};
pub use berth_servers::oauth::Preregistered;
pub use berth_servers::oauth_provider::ProviderConfig;
pub use berth_servers::{CallExit, CallOutcome, RemoteTransport, ServerKey, ServerSettings, ToolInfo};
pub use catalog::{CatalogHit, CatalogItemView, CatalogQuery, SecretStatus};
pub use catalog_sources::{
    CatalogOverview, CatalogSourceView, RefreshOutcome, RefreshStatus, SourceHealth, SourceKind,
};
pub use client_setup::{
    ClientKind, ClientSetup, ClientTransport, GatewayTarget, TokenPolicy, WriteMode, connect_client,
    connect_client_for_user,
};
pub use deep_link::{DeepLink, DeepLinkOutcome};
pub use doctor::{CheckStatus, DoctorCheck, DoctorReport};
pub use engine::Engine;
pub use error::{ApiError, ErrorCode};
pub use events::{EVENT_KINDS, EventQuery, EventView};
pub use external::{ExternalGatewayView, HEALTH_TIMEOUT, HealthCheck, HealthFailure};
pub use external_url::DEFAULT_ALLOWED_HOSTS;
pub use first_run::FirstRunView;
pub use gateway::{
    BridgeTarget, DEFAULT_GATEWAY_PORT, GatewayBackend, GatewayHost, GatewayStatus, SessionAction,
    SessionActionOutcome, StartingServers, cli_gateway_token, new_gateway_token,
};
pub use oauth::{Login, OAuthStatus, SignInState};
pub use oauth_flow::{ConnectStarted, RedirectKind, open_in_browser};
pub use remote_servers::{RemoteRequest, RemoteState, RemoteTestReport, TestTarget};
pub use restore::Restored;
pub use secrets::SecretInfo;
pub use server_config::ConfigureRequest;
pub use server_review::MountView;
pub use servers::{InstallRequest, ServerProgress, ServerStatus, ServerView};
pub use sessions::{CallView, SessionServer, SessionView};
pub use settings::{Locale, LocalePreference, SettingsView, locale_from_system};
pub use trust::{TrustPolicyView, TrustRuleRequest, TrustRuleView, VerifiedImage};

/// Re-exported so binaries can build the redaction set they hand to both logging and [`Berth`].
pub use berth_secrets::Redactor;

/// The Berth version, the same for app and CLI.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
