//! OAuth providers for container servers: a catalog entry may name one (Docker's
//! `oauth.providers`, with the variable its token goes into), and the user configures where that
//! provider signs in and the client they registered there (`berth oauth provider set`). The
//! provider's tokens are one keychain entry, `berth/provider/<name>`, shared by every server that
//! names it; at start the access token (renewed first when due) joins the container's
//! environment under the variable the entry asks for, unless a secret fills it already.

use berth_catalog::{CatalogItem, Launch};
use berth_secrets::SecretKey;
use berth_servers::oauth_provider::{self, ProviderConfig};
use berth_servers::{LaunchPlan, LaunchTarget};

use crate::{ApiError, Berth, ErrorCode, msg};

const SETTING: &str = "oauth.providers";

impl Berth {
    /// The configured providers.
    pub async fn oauth_providers(&self) -> Result<Vec<ProviderConfig>, ApiError> {
        Ok(self.store.setting::<Vec<ProviderConfig>>(SETTING).await?.unwrap_or_default())
    }

    /// Configures a provider (replacing one of the same name). A provider Berth knows (GitHub)
    /// needs only its client ID.
    pub async fn oauth_provider_set(&self, mut config: ProviderConfig) -> Result<ProviderConfig, ApiError> {
        if config.authorization_endpoint.is_empty()
            && let Some(known) = ProviderConfig::known(&config.name, &config.client_id)
        {
            config = ProviderConfig { scopes: config.scopes, ..known };
        }
        SecretKey::new("provider", &config.name)?;
        config.check().map_err(|reason| {
            ApiError::msg(
                ErrorCode::Validation,
                msg!("msg.provider.invalid", name = &config.name, reason = reason),
            )
        })?;
        let mut all = self.oauth_providers().await?;
        all.retain(|p| p.name != config.name);
        all.push(config.clone());
        self.store.set_setting(SETTING, &all).await?;
        Ok(config)
    }

    /// Removes a provider's configuration and forgets its sign-in.
    pub async fn oauth_provider_remove(&self, name: &str) -> Result<bool, ApiError> {
        let mut all = self.oauth_providers().await?;
        let before = all.len();
        all.retain(|p| p.name != name);
        self.store.set_setting(SETTING, &all).await?;
        if let Ok(key) = SecretKey::new("provider", name) {
            use rmcp::transport::auth::CredentialStore;
            self.credentials_at(key, name)
                .await?
                .clear()
                .await
                .map_err(|e| ApiError::internal(e.to_string()))?;
        }
        Ok(all.len() != before)
    }

    /// The configured provider a container server's entry names, with the variable its token
    /// goes into.
    pub(crate) async fn server_provider(
        &self,
        item: &CatalogItem,
    ) -> Result<Option<(ProviderConfig, Option<String>)>, ApiError> {
        let Some(spec) = item.oauth.as_ref().filter(|_| matches!(item.launch, Launch::Container(_))) else {
            return Ok(None);
        };
        let configured = self.oauth_providers().await?;
        Ok(spec.providers.iter().find_map(|p| {
            configured.iter().find(|c| c.name == p.provider).map(|c| (c.clone(), p.env.clone()))
        }))
    }

    /// Where a provider's tokens are kept.
    pub(crate) async fn provider_credentials(
        &self,
        provider: &ProviderConfig,
    ) -> Result<berth_servers::oauth::SharedCredentials, ApiError> {
        self.credentials_at(SecretKey::new("provider", &provider.name)?, &provider.name).await
    }

    /// `plan` with the provider's access token in the container's environment, when the entry
    /// asks for one that no secret fills. A provider that is configured but not signed in to
    /// stops the start with what to do.
    pub(crate) async fn with_provider_token(
        &self,
        item: &CatalogItem,
        mut plan: LaunchPlan,
    ) -> Result<LaunchPlan, ApiError> {
        let Some((provider, Some(env))) = self.server_provider(item).await? else { return Ok(plan) };
        let LaunchTarget::Container(spec) = &mut plan.target else { return Ok(plan) };
        if spec.env.iter().any(|e| e.name == env) {
            return Ok(plan);
        }
        let credentials = self.provider_credentials(&provider).await?;
        let token = oauth_provider::access_token(&provider, credentials).await?.ok_or_else(|| {
            ApiError::msg(
                ErrorCode::AuthRequired,
                msg!("msg.provider.sign_in", name = &item.name, provider = &provider.name),
            )
        })?;
        spec.env.push(berth_runtime::EnvVar { name: env, value: token, secret: true });
        Ok(plan)
    }
}
