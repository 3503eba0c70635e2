//! `ServerSettings`: what the user may change about one server (limits, mounts, network).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Per-server resource settings the user may change; the defaults are the hardened ones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ServerSettings {
    pub cpus: f64,
    pub memory_mb: u32,
    /// Honour `:rw` on the catalog's bind mounts. Off by default: every mount is read-only.
    pub allow_writable_mounts: bool,
    /// Let a remote server be on a private-network or link-local address. Off by default.
    #[serde(default)]
    pub allow_private_network: bool,
    /// Sign in to this server through a loopback redirect (127.0.0.1) instead of the `berth://`
    /// deep link, for an authorization server that takes the link but a browser that will not
    /// open it.
    #[serde(default)]
    pub oauth_loopback: bool,
    /// The only hosts a remote server may be reached at or redirected to (exact, or
    /// `*.example.com`); this computer then only as the literal 127.0.0.1 or [::1]. Set for an
    /// external gateway, whose hosts the user allowlisted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub allowed_hosts: Option<Vec<String>>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            cpus: 1.0,
            memory_mb: 2048,
            allow_writable_mounts: false,
            allow_private_network: false,
            oauth_loopback: false,
            allowed_hosts: None,
        }
    }
}

impl ServerSettings {
    /// The limits a container can be given: some CPU, and enough memory for a runtime to start.
    pub const CPUS: std::ops::RangeInclusive<f64> = 0.1..=64.0;
    pub const MEMORY_MB: std::ops::RangeInclusive<u32> = 64..=262_144;

    /// Why these settings cannot be used, in words a user can act on.
    pub fn check(&self) -> Result<(), String> {
        if !Self::CPUS.contains(&self.cpus) {
            return Err(format!(
                "CPUs must be between {} and {} (it is {}).",
                Self::CPUS.start(),
                Self::CPUS.end(),
                self.cpus
            ));
        }
        if !Self::MEMORY_MB.contains(&self.memory_mb) {
            return Err(format!(
                "Memory must be between {} and {} MB (it is {} MB).",
                Self::MEMORY_MB.start(),
                Self::MEMORY_MB.end(),
                self.memory_mb
            ));
        }
        Ok(())
    }
}
