//! Gateway hosting: the backend each gateway session runs on (`GatewayBackend`, with its call
//! log), the HTTP gateway with its sessions (`GatewayHost`), the stdio gateway, the gateway the
//! desktop app hosts, its settings and tokens, and actions on live sessions from elsewhere.

mod actions;
mod backend;
mod call_log;
mod failure;
mod host;
mod hosted;
mod settings;
mod stdio;
mod token;

pub use actions::{LiveSessions, SessionAction, SessionActionOutcome};
pub use backend::GatewayBackend;
pub use host::{GatewayHost, StartingServers};
pub use hosted::HostedGateway;
pub use settings::{DEFAULT_GATEWAY_PORT, GatewayStatus};
pub use stdio::BridgeTarget;
pub use token::{cli_gateway_token, new_gateway_token};
