//! Sign-ins for the OAuth providers a container server's catalog entry names (Docker's
//! `oauth.providers`: GitHub, say): the provider's endpoints and the client the user registered
//! there are configured, not discovered, and the access token goes into the container's
//! environment at start, renewed first when it is about to expire (under the shared lock).

use rmcp::transport::auth::{AuthorizationManager, AuthorizationMetadata};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::Url;

use crate::ServerError;
use crate::oauth::{SharedCredentials, SharedStates, on_this_computer, query_param};

/// Where a provider signs users in, and the client Berth is there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ProviderConfig {
    pub name: String,
    /// The issuer, when the provider names one (checked against the redirect's `iss`).
    pub issuer: Option<String>,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    /// The client the user registered with the provider for Berth.
    pub client_id: String,
    pub scopes: Vec<String>,
}

impl ProviderConfig {
    /// The endpoints of providers Berth knows, for a configuration that gives only a client.
    pub fn known(name: &str, client_id: &str) -> Option<Self> {
        let (authorize, token) = match name {
            "github" => {
                ("https://github.com/login/oauth/authorize", "https://github.com/login/oauth/access_token")
            }
            _ => return None,
        };
        Some(Self {
            name: name.to_owned(),
            issuer: None,
            authorization_endpoint: authorize.into(),
            token_endpoint: token.into(),
            client_id: client_id.to_owned(),
            scopes: Vec::new(),
        })
    }

    /// Both endpoints are URLs; https unless on this computer.
    pub fn check(&self) -> Result<(), String> {
        for (what, url) in [("authorization", &self.authorization_endpoint), ("token", &self.token_endpoint)]
        {
            let parsed =
                Url::parse(url).map_err(|e| format!("the {what} endpoint {url:?} is not a URL: {e}"))?;
            if parsed.scheme() != "https" && !(parsed.scheme() == "http" && on_this_computer(&parsed)) {
                return Err(format!("the {what} endpoint {url} must be https"));
            }
        }
        if self.client_id.trim().is_empty() {
            return Err("a client ID is needed".into());
        }
        Ok(())
    }
}

fn failed(name: &str, e: impl std::fmt::Display) -> ServerError {
    ServerError::Transport { name: name.to_owned(), reason: format!("sign-in failed: {e}") }
}

async fn manager(
    p: &ProviderConfig,
    redirect_uri: &str,
    credentials: SharedCredentials,
) -> Result<AuthorizationManager, ServerError> {
    let base = Url::parse(&p.authorization_endpoint).map_err(|e| failed(&p.name, e))?;
    let origin = base.origin().ascii_serialization();
    let mut m = AuthorizationManager::new(origin.as_str()).await.map_err(|e| failed(&p.name, e))?;
    m.with_client(crate::remote::http_client(on_this_computer(&base))).map_err(|e| failed(&p.name, e))?;
    m.set_credential_store(credentials);
    let metadata: AuthorizationMetadata = serde_json::from_value(serde_json::json!({
        "authorization_endpoint": p.authorization_endpoint,
        "token_endpoint": p.token_endpoint,
        "issuer": p.issuer,
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
    }))
    .map_err(|e| failed(&p.name, e))?;
    m.set_metadata(metadata);
    let config = rmcp::transport::auth::OAuthClientConfig::new(&p.client_id, redirect_uri);
    m.configure_client(config).map_err(|e| failed(&p.name, e))?;
    Ok(m)
}

/// The authorization URL for signing in to `p`, its `state` and PKCE verifier kept in `states`.
pub async fn begin(
    p: &ProviderConfig,
    redirect_uri: &str,
    credentials: SharedCredentials,
    states: SharedStates,
) -> Result<String, ServerError> {
    let mut m = manager(p, redirect_uri, credentials).await?;
    m.set_state_store(states);
    let scopes: Vec<&str> = p.scopes.iter().map(String::as_str).collect();
    m.get_authorization_url(&scopes).await.map_err(|e| failed(&p.name, e))
}

/// Exchanges the code in the redirect for tokens, which `credentials` keep.
pub async fn finish(
    p: &ProviderConfig,
    redirect_uri: &str,
    callback_url: &str,
    credentials: SharedCredentials,
    states: SharedStates,
) -> Result<(), ServerError> {
    let callback = Url::parse(callback_url).map_err(|e| failed(&p.name, e))?;
    let (Some(code), Some(state)) = (query_param(&callback, "code"), query_param(&callback, "state")) else {
        return Err(failed(&p.name, "the redirect carries no code or state"));
    };
    let mut m = manager(p, redirect_uri, credentials).await?;
    m.set_state_store(states);
    m.exchange_code_for_token_with_issuer(&code, &state, query_param(&callback, "iss").as_deref())
        .await
        .map_err(|e| failed(&p.name, e))?;
    Ok(())
}

/// The access token for a container's environment: renewed first when it is about to expire
/// (another process's renewal is used when it got there first), `None` without a sign-in or when
/// the provider refused to renew it.
pub async fn access_token(
    p: &ProviderConfig,
    credentials: SharedCredentials,
) -> Result<Option<String>, ServerError> {
    let m = tokio::sync::Mutex::new(manager(p, "http://127.0.0.1/callback", credentials.clone()).await?);
    crate::oauth::current_token(&m, &credentials).await.map_err(|e| failed(&p.name, e))
}
