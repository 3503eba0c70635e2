//! Running MCP servers: turning a catalog item plus the user's configuration and secrets into a
//! [`LaunchPlan`], and the [`Supervisor`] that starts servers from plans, keeps each one's MCP
//! connection over its [`Backing`] (a container today), calls their tools and stops them. A [`Relay`] carries what a server sends its client
//! on to the client of the gateway session that started it.
//!
//! Nothing here reads the database or the keychain: the caller resolves configuration and secrets
//! and hands them in, so this crate can be driven by the desktop app, the CLI and the gateway alike.

mod backing;
mod connection;
mod error;
mod exit;
mod key;
mod legacy_sse;
pub mod oauth;
mod oauth_client;
pub mod oauth_provider;
mod plan;
pub mod process;
mod questions;
mod relay;
mod remote;
#[cfg(test)]
mod send_probe;
mod settings;
mod signed_in;
mod supervisor;

pub use backing::Backing;
pub use error::ServerError;
pub use exit::CallExit;
pub use key::ServerKey;
pub use plan::{
    HostMount, LaunchPlan, LaunchRequest, LaunchTarget, folder_fields, host_mounts, validate_config,
};
pub use questions::{ANSWER_TIMEOUT, Call, Questions, Round, STATE_PREFIX};
pub use relay::{ProgressGuard, Relay, service_error};
pub use remote::{RemoteInfo, RemoteTarget, RemoteTransport};
pub use settings::ServerSettings;
pub use supervisor::{CallOutcome, ProgressFn, RuntimeSource, StartEvent, Supervisor, ToolInfo};
