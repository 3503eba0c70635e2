//! The desktop-hosted gateway's settings: on or off, the port, and the bearer token (kept in the
//! keychain, created on first use).

use serde::Serialize;
use ts_rs::TS;

use berth_secrets::SecretKey;

use super::new_gateway_token;
use crate::{ApiError, Berth};

const ENABLED_KEY: &str = "gateway.enabled";
const PORT_KEY: &str = "gateway.port";
const STARTING_KEY: &str = "gateway.starting_servers";
/// The port Docker's MCP gateway uses by default, so client setups written for it work.
pub const DEFAULT_GATEWAY_PORT: u16 = 8811;

/// The gateway as Settings and the tray show it.
#[derive(Clone, Debug, Serialize, TS)]
pub struct GatewayStatus {
    pub enabled: bool,
    pub running: bool,
    pub port: u16,
    /// The MCP endpoint while running.
    pub url: Option<String>,
    /// Why it is enabled but not running.
    pub error: Option<String>,
    /// The servers every new session starts with.
    pub starting: Vec<String>,
}

fn token_key() -> SecretKey {
    SecretKey::new("gateway", "token").expect("static key")
}

impl Berth {
    pub async fn gateway_enabled(&self) -> Result<bool, ApiError> {
        Ok(self.store.setting::<bool>(ENABLED_KEY).await?.unwrap_or(false))
    }

    pub async fn set_gateway_enabled(&self, enabled: bool) -> Result<(), ApiError> {
        self.store.set_setting(ENABLED_KEY, &enabled).await?;
        Ok(())
    }

    pub async fn gateway_port(&self) -> Result<u16, ApiError> {
        Ok(self.store.setting::<u16>(PORT_KEY).await?.unwrap_or(DEFAULT_GATEWAY_PORT))
    }

    /// Sets the port the gateway listens on next time it starts (1024 and above).
    pub async fn set_gateway_port(&self, port: u16) -> Result<(), ApiError> {
        if port < 1024 {
            return Err(ApiError::msg(crate::ErrorCode::Validation, crate::msg!("msg.gateway.low_port")));
        }
        self.store.set_setting(PORT_KEY, &port).await?;
        Ok(())
    }

    /// The servers every new session of the desktop gateway starts with.
    pub async fn gateway_starting_servers(&self) -> Result<Vec<String>, ApiError> {
        Ok(self.store.setting::<Vec<String>>(STARTING_KEY).await?.unwrap_or_default())
    }

    /// Sets the servers every new session of the desktop gateway starts with: installed servers
    /// (with their configuration) or catalog servers. Sessions already open keep theirs.
    pub async fn set_gateway_starting_servers(&self, servers: Vec<String>) -> Result<Vec<String>, ApiError> {
        let mut names: Vec<String> = Vec::new();
        for name in servers.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
        }
        let mut unknown = Vec::new();
        for name in &names {
            let known = self.catalog_item(name).await.is_ok() || self.store.server(name).await?.is_some();
            if !known {
                unknown.push(name.as_str());
            }
        }
        if !unknown.is_empty() {
            return Err(ApiError::msg(
                crate::ErrorCode::Validation,
                crate::msg!("msg.gateway.unknown_servers", names = unknown.join(", ")),
            ));
        }
        self.store.set_setting(STARTING_KEY, &names).await?;
        Ok(names)
    }

    /// The bearer token clients present; created (192 random bits) and stored in the keychain the
    /// first time it is needed.
    pub async fn gateway_token(&self) -> Result<String, ApiError> {
        let key = token_key();
        if let Some(t) = self.with_secrets(move |s| s.get(&key)).await? {
            return Ok(t.expose().to_owned());
        }
        let token = new_gateway_token()?;
        self.set_secret(&token_key().to_string(), token.clone()).await?;
        Ok(token)
    }
}
