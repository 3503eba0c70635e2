//! OAuth for remote servers on rmcp's `auth` support: discovery (protected-resource and
//! authorization-server metadata), client registration, PKCE and the token exchange, with the
//! credentials and pending states kept in stores the caller supplies (the keychain and the
//! database); and the authorised HTTP client a connection uses, which refreshes as needed.

use std::sync::Arc;

use async_trait::async_trait;
use rmcp::transport::auth::{
    AuthError, AuthorizationManager, AuthorizationRequest, CredentialStore, OAuthState, StateStore,
    StoredAuthorizationState, StoredCredentials, WWWAuthenticateParams,
};
use url::Url;

use crate::ServerError;

/// A credential store shared by the callers that need it (the login and later connections).
#[derive(Clone)]
pub struct SharedCredentials(pub Arc<dyn CredentialStore>);

#[async_trait]
impl CredentialStore for SharedCredentials {
    async fn load(&self) -> Result<Option<StoredCredentials>, AuthError> {
        self.0.load().await
    }
    async fn save(&self, credentials: StoredCredentials) -> Result<(), AuthError> {
        self.0.save(credentials).await
    }
    async fn clear(&self) -> Result<(), AuthError> {
        self.0.clear().await
    }
}

/// A state store shared the same way.
#[derive(Clone)]
pub struct SharedStates(pub Arc<dyn StateStore>);

#[async_trait]
impl StateStore for SharedStates {
    async fn save(&self, csrf_token: &str, state: StoredAuthorizationState) -> Result<(), AuthError> {
        self.0.save(csrf_token, state).await
    }
    async fn load(&self, csrf_token: &str) -> Result<Option<StoredAuthorizationState>, AuthError> {
        self.0.load(csrf_token).await
    }
    async fn delete(&self, csrf_token: &str) -> Result<(), AuthError> {
        self.0.delete(csrf_token).await
    }
}

fn failed(name: &str, e: impl std::fmt::Display) -> ServerError {
    ServerError::Transport { name: name.to_owned(), reason: format!("sign-in failed: {e}") }
}

/// A client the authorization server already knows Berth as (registered by hand), with its secret
/// when it has one; without it Berth uses a client ID metadata document or registers itself.
#[derive(Clone, Default)]
pub struct Preregistered {
    pub client_id: String,
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for Preregistered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Preregistered").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

/// What a sign-in starts from.
pub struct SignIn<'a> {
    /// The server's name, for messages.
    pub name: &'a str,
    pub endpoint: &'a Url,
    /// The server's `WWW-Authenticate`, which names its metadata and scopes.
    pub challenge: Option<&'a str>,
    pub redirect_uri: &'a str,
    pub allow_private: bool,
    pub client: Option<&'a Preregistered>,
    pub client_metadata_url: Option<&'a str>,
}

/// A sign-in in progress: the browser has (or is given) `url`; [`Authorization::finish`] takes
/// the redirect it comes back with.
pub struct Authorization {
    name: String,
    state: OAuthState,
    pub url: String,
}

impl Authorization {
    /// Discovers how `server` (at `endpoint`, which answered `challenge`) signs in, registers
    /// Berth as a client where needed, and makes the authorization URL with a fresh `state` and
    /// PKCE verifier, which `states` keeps until the redirect comes back.
    pub async fn begin(
        sign_in: SignIn<'_>,
        credentials: SharedCredentials,
        states: SharedStates,
    ) -> Result<Self, ServerError> {
        let SignIn { name, endpoint, challenge, redirect_uri, allow_private, client, client_metadata_url } =
            sign_in;
        // A wider sign-in asks for what was granted before as well as what the server now
        // names, so the new token does not lose what the old one could do.
        let granted = match credentials.load().await {
            Ok(Some(stored)) => stored.granted_scopes,
            _ => Vec::new(),
        };
        let challenged = challenge
            .and_then(|c| WWWAuthenticateParams::parse(c, endpoint).scope)
            .map(|s| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .unwrap_or_default();
        let mut manager = AuthorizationManager::new(endpoint.as_str()).await.map_err(|e| failed(name, e))?;
        manager.with_client(crate::remote::http_client(allow_private)).map_err(|e| failed(name, e))?;
        manager.set_credential_store(credentials);
        manager.set_state_store(states);
        let mut state = OAuthState::Unauthorized(manager);
        // The scopes the server's challenge names, else the ones it lists: no more than the
        // request needs; a 403 `insufficient_scope` later asks for the rest.
        let mut request =
            AuthorizationRequest::new(redirect_uri).with_client_name("Berth").with_initial_scope_selection();
        if !granted.is_empty() && !challenged.is_empty() {
            let mut union = granted;
            for scope in challenged {
                if !union.contains(&scope) {
                    union.push(scope);
                }
            }
            request = request.with_scopes(union);
        }
        if let Some(c) = challenge.filter(|c| !c.is_empty()) {
            request = request.with_challenge(c);
        }
        // Used only when the authorization server says it takes client ID metadata documents.
        if let Some(url) = client_metadata_url {
            request = request.with_client_metadata_url(url);
        }
        if let Some(client) = client {
            request = request.with_preregistered_client(&client.client_id);
            if let Some(secret) = &client.client_secret {
                request = request.with_client_secret(secret);
            }
        }
        state.start_authorization(request).await.map_err(|e| failed(name, e))?;
        let url = state.get_authorization_url().await.map_err(|e| failed(name, e))?;
        Ok(Self { name: name.to_owned(), state, url })
    }

    /// Exchanges the code in the redirect for tokens (checking its `state` and, when present,
    /// its `iss`), which the credential store keeps.
    pub async fn finish(mut self, callback_url: &str) -> Result<(), ServerError> {
        self.state.handle_callback_url(callback_url).await.map_err(|e| failed(&self.name, e))
    }
}

/// The authorised HTTP client for `endpoint` when `credentials` hold tokens, else `None`.
pub(crate) async fn authorised(
    endpoint: &Url,
    credentials: &SharedCredentials,
    allow_private: bool,
) -> Option<rmcp::transport::auth::AuthClient<reqwest::Client>> {
    let mut manager = AuthorizationManager::new(endpoint.as_str()).await.ok()?;
    let http = crate::remote::http_client(allow_private);
    manager.with_client(http.clone()).ok()?;
    manager.set_credential_store(credentials.clone());
    match manager.initialize_from_store().await {
        Ok(true) => Some(rmcp::transport::auth::AuthClient::new(http, manager)),
        Ok(false) => None,
        Err(e) => {
            tracing::warn!("stored sign-in could not be used: {e}");
            None
        }
    }
}
