//! Changing an installed server's configuration, secrets and limits after install, with the same
//! checks as the install: the schema, the host folders (a folder its catalog names itself was
//! agreed to at install), and the limits. A running server keeps its old configuration until it
//! is started again.

use std::collections::HashMap;

use serde::Deserialize;
use ts_rs::TS;

use berth_servers::ServerSettings;

use crate::servers::{Installed, not_installed};
use crate::{ApiError, Berth, ServerView};

/// What the server's edit form or `berth server config` sends.
#[derive(Clone, Debug, Default, Deserialize, TS)]
pub struct ConfigureRequest {
    /// The new configuration, checked against the entry's schema; `None` keeps the current one.
    #[serde(default)]
    pub config: Option<serde_json::Value>,
    /// New secret values by catalog secret name; an empty value changes nothing.
    #[serde(default)]
    pub secrets: HashMap<String, String>,
    /// New limits; `None` keeps the current ones.
    pub settings: Option<ServerSettings>,
}

impl Berth {
    /// Changes an installed server's configuration, secrets or limits; used from its next start.
    pub async fn server_configure(&self, name: &str, req: ConfigureRequest) -> Result<ServerView, ApiError> {
        let row = self.store.server(name).await?.ok_or_else(|| not_installed(name))?;
        let Installed { item, config, settings } = Installed::from_row(&row)?;
        let config = req.config.unwrap_or(config);
        let settings = req.settings.unwrap_or(settings);
        settings.check().map_err(ApiError::validation)?;
        berth_servers::validate_config(&item, &config)?;
        berth_servers::host_mounts(&item, &config)?;
        Berth::check_given_secrets(&item, &req.secrets)?;
        self.store_given_secrets(name, &req.secrets).await?;
        // Both are JSON of types that always serialise.
        let config = serde_json::to_string(&config).expect("serialisable");
        let settings = serde_json::to_string(&settings).expect("serialisable");
        self.store.set_server_config(name, &config, &settings).await?;
        tracing::info!(server = %name, "server configuration changed");
        self.server_show(name).await
    }
}
