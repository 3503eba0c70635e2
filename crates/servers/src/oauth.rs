//! OAuth for remote servers on rmcp's `auth` support: discovery (protected-resource and
//! authorization-server metadata), client registration, PKCE and the token exchange, with the
//! credentials and pending states kept in stores the caller supplies (the keychain and the
//! database); and the authorised HTTP client a connection uses, which refreshes as needed.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rmcp::transport::auth::{
    AuthError, AuthorizationManager, AuthorizationRequest, AuthorizationSession, CredentialRefreshGuard,
    CredentialStore, OAuthState, StateStore, StoredAuthorizationState, StoredCredentials,
    WWWAuthenticateParams,
};
use url::Url;

use crate::ServerError;
pub use crate::oauth_client::Registrations;

/// A server's credential store as the connections to it share it: reads come from memory until
/// the access token nears its expiry (then from the store, where another process may have
/// renewed it), and a refresh holds a lock file, so processes sharing the tokens (the app, CLI
/// gateways, bridges) never refresh them at the same time.
#[derive(Clone)]
pub struct SharedCredentials {
    store: Arc<dyn CredentialStore>,
    lock: Option<Arc<PathBuf>>,
    cached: Arc<Mutex<Option<StoredCredentials>>>,
    /// Set while [`SharedCredentials::exclusive`] holds the lock, so a refresh it runs does not
    /// take it again.
    held: Arc<AtomicBool>,
}

impl SharedCredentials {
    pub fn new(store: Arc<dyn CredentialStore>) -> Self {
        Self { store, lock: None, cached: Arc::default(), held: Arc::default() }
    }

    /// Refreshes take `path` as a lock file (created when missing).
    pub fn locked_by(mut self, path: PathBuf) -> Self {
        self.lock = Some(Arc::new(path));
        self
    }

    /// The credentials as the store holds them now, not as remembered.
    pub async fn load_fresh(&self) -> Result<Option<StoredCredentials>, AuthError> {
        let stored = self.store.load().await?;
        *self.cached.lock().expect("cache lock") = stored.clone();
        Ok(stored)
    }

    async fn lock_file(&self) -> Result<Option<std::fs::File>, AuthError> {
        let Some(path) = self.lock.clone() else { return Ok(None) };
        tokio::task::spawn_blocking(move || {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&*path)?;
            file.lock()?;
            Ok::<_, std::io::Error>(Some(file))
        })
        .await
        .map_err(|e| AuthError::CredentialStoreError(e.to_string()))?
        .map_err(|e| AuthError::CredentialStoreError(format!("the sign-in lock could not be taken: {e}")))
    }

    /// Holds the refresh lock until the guard is dropped; a refresh run meanwhile (by this
    /// holder) does not take it again.
    pub(crate) async fn exclusive(&self) -> Result<Exclusive, AuthError> {
        let file = self.lock_file().await?;
        self.held.store(true, Ordering::Release);
        Ok(Exclusive { _file: file, held: self.held.clone() })
    }
}

/// The refresh lock, held.
pub(crate) struct Exclusive {
    _file: Option<std::fs::File>,
    held: Arc<AtomicBool>,
}

impl Drop for Exclusive {
    fn drop(&mut self) {
        self.held.store(false, Ordering::Release);
    }
}

/// How long before expiry a token is renewed: a minute, or a quarter of its life when that is
/// shorter, so a short-lived token is not renewed on every request.
pub(crate) fn renew_ahead(stored: &StoredCredentials) -> u64 {
    use oauth2::TokenResponse;
    let life = stored.token_response.as_ref().and_then(|t| t.expires_in()).map_or(0, |d| d.as_secs());
    (life / 4).min(60)
}

/// Whether `stored`'s access token is due for renewal.
pub(crate) fn due(stored: &StoredCredentials) -> bool {
    remaining_secs(stored).is_some_and(|r| r <= renew_ahead(stored))
}

/// Refresh attempts when the authorization server cannot be reached or answers 5xx.
const REFRESH_ATTEMPTS: u32 = 3;

/// The access token `credentials` hold, renewed through `manager` first when it is about to
/// expire: under the shared lock, and not at all when another process renewed it meanwhile; a
/// refresh that fails for a passing reason is tried again. `None` without a sign-in, or when the
/// authorization server refused the refresh (the next request's 401 asks for a new sign-in).
pub(crate) async fn current_token(
    manager: &tokio::sync::Mutex<AuthorizationManager>,
    credentials: &SharedCredentials,
) -> Result<Option<String>, AuthError> {
    use oauth2::TokenResponse;
    let access = |c: Option<StoredCredentials>| {
        c.and_then(|c| c.token_response).map(|t| t.access_token().secret().to_owned())
    };
    let stored = credentials.load().await?;
    if !stored.as_ref().is_some_and(due) {
        return Ok(access(stored));
    }
    let manager = manager.lock().await;
    let _lock = credentials.exclusive().await?;
    // Another process may have renewed it while this one waited for the lock.
    let stored = credentials.load_fresh().await?;
    if !stored.as_ref().is_some_and(due) {
        tracing::debug!("the token was renewed elsewhere; using that one");
        return Ok(access(stored));
    }
    let mut attempt = 0;
    loop {
        match manager.refresh_token().await {
            Ok(fresh) => {
                tracing::info!("access token renewed");
                return Ok(Some(fresh.access_token().secret().to_owned()));
            }
            Err(AuthError::TokenRefreshFailed(e)) if attempt + 1 < REFRESH_ATTEMPTS => {
                attempt += 1;
                tracing::warn!(attempt, "token refresh failed, trying again: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(500 << attempt)).await;
            }
            Err(AuthError::AuthorizationRequired | AuthError::TokenRefreshRejected(_)) => return Ok(None),
            Err(e) => return Err(e),
        }
    }
}

/// Whether `url` is on this computer, where an authorization server may speak plain http.
pub(crate) fn on_this_computer(url: &Url) -> bool {
    matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
}

/// The value of `key` in `url`'s query.
pub(crate) fn query_param(url: &Url, key: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

/// Seconds until `stored`'s access token expires, when it says.
pub(crate) fn remaining_secs(stored: &StoredCredentials) -> Option<u64> {
    use oauth2::TokenResponse;
    let life = stored.token_response.as_ref()?.expires_in()?.as_secs();
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs();
    Some((stored.token_received_at? + life).saturating_sub(now))
}

#[async_trait]
impl CredentialStore for SharedCredentials {
    async fn load(&self) -> Result<Option<StoredCredentials>, AuthError> {
        let cached = self.cached.lock().expect("cache lock").clone();
        match cached {
            Some(c) if !due(&c) => Ok(Some(c)),
            _ => self.load_fresh().await,
        }
    }
    async fn save(&self, credentials: StoredCredentials) -> Result<(), AuthError> {
        self.store.save(credentials.clone()).await?;
        *self.cached.lock().expect("cache lock") = Some(credentials);
        Ok(())
    }
    async fn clear(&self) -> Result<(), AuthError> {
        *self.cached.lock().expect("cache lock") = None;
        self.store.clear().await
    }
    async fn on_refresh_token_rejected(&self, credentials: &StoredCredentials) -> Result<(), AuthError> {
        *self.cached.lock().expect("cache lock") = None;
        self.store.on_refresh_token_rejected(credentials).await
    }
    async fn acquire_refresh_guard(&self) -> Result<Option<CredentialRefreshGuard>, AuthError> {
        // What is remembered may be stale by the time the lock is ours.
        *self.cached.lock().expect("cache lock") = None;
        if self.held.load(Ordering::Acquire) {
            return Ok(None);
        }
        Ok(self.lock_file().await?.map(CredentialRefreshGuard::new))
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
    /// Where clients Berth registers itself as are remembered; without it each sign-in
    /// registers anew (a loopback redirect differs every time).
    pub registrations: Option<&'a dyn Registrations>,
}

/// A sign-in in progress: the browser has (or is given) `url`; [`Authorization::finish`] takes
/// the redirect it comes back with.
pub struct Authorization {
    name: String,
    state: OAuthState,
    pub url: String,
    /// The key and client ID to remember once this sign-in comes back, when Berth registered
    /// itself (or reused such a registration) for it.
    pub registered: Option<(String, String)>,
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
        let SignIn {
            name,
            endpoint,
            challenge,
            redirect_uri,
            allow_private,
            client,
            client_metadata_url,
            registrations,
        } = sign_in;
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
        let refused = |e: AuthError| match e {
            AuthError::RegistrationFailed(why) => ServerError::Transport {
                name: name.to_owned(),
                reason: format!("{REGISTRATION_REFUSED}: {why}"),
            },
            other => failed(name, other),
        };
        let metadata =
            manager.resolve_metadata_from_challenge(challenge).await.map_err(|e| failed(name, e))?.metadata;
        manager.set_metadata(metadata.clone());
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
        let mut registered = None;
        let chosen = match (client, registrations) {
            (None, Some(registrations)) => crate::oauth_client::choose(
                &mut manager,
                &metadata,
                registrations,
                redirect_uri,
                client_metadata_url,
            )
            .await
            .map_err(refused)?,
            _ => None,
        };
        if let Some(chosen) = &chosen {
            registered = chosen.keep_as.clone().map(|key| (key, chosen.client.client_id.clone()));
        }
        if let Some(client) = client.or(chosen.as_ref().map(|c| &c.client)) {
            request = request.with_preregistered_client(&client.client_id);
            if let Some(secret) = &client.client_secret {
                request = request.with_client_secret(secret);
            }
        }
        let session = AuthorizationSession::new(manager, request).await.map_err(|(_, e)| refused(e))?;
        let state = OAuthState::Session(session);
        let url = state.get_authorization_url().await.map_err(|e| failed(name, e))?;
        Ok(Self { name: name.to_owned(), state, url, registered })
    }

    /// The client ID Berth signs in as, registered or given.
    pub async fn client_id(&self) -> Result<String, ServerError> {
        Ok(self.state.get_credentials().await.map_err(|e| failed(&self.name, e))?.0)
    }

    /// Exchanges the code in the redirect for tokens (checking its `state` and, when present,
    /// its `iss`), which the credential store keeps.
    pub async fn finish(mut self, callback_url: &str) -> Result<(), ServerError> {
        self.state.handle_callback_url(callback_url).await.map_err(|e| failed(&self.name, e))
    }
}

/// How a refused client registration starts its reason, so a caller can try another redirect.
const REGISTRATION_REFUSED: &str = "sign-in failed: the authorization server refused to register Berth";

/// Whether `e` is an authorization server refusing to register Berth (with a `berth://` redirect,
/// say), which another redirect may get past.
pub fn registration_refused(e: &ServerError) -> bool {
    matches!(e, ServerError::Transport { reason, .. } if reason.starts_with(REGISTRATION_REFUSED))
}

/// A sign-in whose browser came back after the process that started it ended (a deep link after
/// a restart): what it was started with, kept beside its `state`.
pub struct Resume<'a> {
    pub name: &'a str,
    pub endpoint: &'a Url,
    pub challenge: Option<&'a str>,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub allow_private: bool,
}

/// Finishes a sign-in from its redirect `callback_url` in a process that did not start it: the
/// authorization server is found again, the PKCE verifier and expected issuer come from `states`
/// (taken once), and the tokens go to `credentials`.
pub async fn finish_resumed(
    resume: Resume<'_>,
    callback_url: &str,
    credentials: SharedCredentials,
    states: SharedStates,
) -> Result<(), ServerError> {
    let Resume { name, endpoint, challenge, client_id, redirect_uri, allow_private } = resume;
    let callback = Url::parse(callback_url).map_err(|e| failed(name, e))?;
    let (Some(code), Some(csrf)) = (query_param(&callback, "code"), query_param(&callback, "state")) else {
        return Err(failed(name, "the redirect carries no code or state"));
    };
    let mut manager = AuthorizationManager::new(endpoint.as_str()).await.map_err(|e| failed(name, e))?;
    manager.with_client(crate::remote::http_client(allow_private)).map_err(|e| failed(name, e))?;
    manager.set_credential_store(credentials);
    manager.set_state_store(states);
    let metadata =
        manager.resolve_metadata_from_challenge(challenge).await.map_err(|e| failed(name, e))?.metadata;
    manager.set_metadata(metadata);
    let config = rmcp::transport::auth::OAuthClientConfig::new(client_id, redirect_uri);
    manager.configure_client(config).map_err(|e| failed(name, e))?;
    manager
        .exchange_code_for_token_with_issuer(&code, &csrf, query_param(&callback, "iss").as_deref())
        .await
        .map_err(|e| failed(name, e))?;
    Ok(())
}

/// The signed-in HTTP client for `endpoint` when `credentials` hold tokens, else `None`.
pub(crate) async fn authorised(
    endpoint: &Url,
    credentials: &SharedCredentials,
    allow_private: bool,
) -> Option<crate::signed_in::SignedIn> {
    let mut manager = AuthorizationManager::new(endpoint.as_str()).await.ok()?;
    let http = crate::remote::http_client(allow_private);
    manager.with_client(http.clone()).ok()?;
    manager.set_credential_store(credentials.clone());
    match manager.initialize_from_store().await {
        Ok(true) => Some(crate::signed_in::SignedIn {
            auth: rmcp::transport::auth::AuthClient::new(http, manager),
            credentials: credentials.clone(),
        }),
        Ok(false) => None,
        Err(e) => {
            tracing::warn!("stored sign-in could not be used: {e}");
            None
        }
    }
}

/// Asks the authorization server of the server at `endpoint` to revoke `stored`'s tokens (RFC
/// 7009), refresh token first, when its metadata advertises a revocation endpoint. Returns
/// whether it did; the caller forgets the tokens either way. The request is one form POST, sent
/// here because the `oauth2` crate refuses a revocation endpoint that is not https, which an
/// authorization server on this computer (`http://localhost`) is.
pub async fn revoke(
    endpoint: &Url,
    stored: &StoredCredentials,
    allow_private: bool,
) -> Result<bool, ServerError> {
    use oauth2::TokenResponse;
    let name = endpoint.host_str().unwrap_or("server").to_owned();
    let http = crate::remote::http_client(allow_private);
    let mut manager = AuthorizationManager::new(endpoint.as_str()).await.map_err(|e| failed(&name, e))?;
    manager.with_client(http.clone()).map_err(|e| failed(&name, e))?;
    let metadata = manager.resolve_metadata().await.map_err(|e| failed(&name, e))?.metadata;
    let Some(url) = metadata.additional_fields.get("revocation_endpoint").and_then(|v| v.as_str()) else {
        return Ok(false);
    };
    let url = Url::parse(url).map_err(|e| failed(&name, e))?;
    if url.scheme() != "https" && !on_this_computer(&url) {
        return Err(failed(&name, format!("the revocation endpoint {url} is not https")));
    }
    let Some(token) = &stored.token_response else { return Ok(false) };
    let mut tokens = Vec::new();
    if let Some(refresh) = token.refresh_token() {
        tokens.push((refresh.secret().as_str(), "refresh_token"));
    }
    tokens.push((token.access_token().secret().as_str(), "access_token"));
    for (value, hint) in tokens {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", value)
            .append_pair("token_type_hint", hint)
            .append_pair("client_id", &stored.client_id)
            .finish();
        let response = http
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| failed(&name, format!("the revocation failed: {e}")))?;
        // A self-contained (JWT) access token often cannot be revoked (`unsupported_token_type`);
        // it expires by itself, and the refresh token that would renew it is what counts.
        if !response.status().is_success() && hint == "refresh_token" {
            return Err(failed(&name, format!("the revocation was refused (HTTP {})", response.status())));
        }
    }
    Ok(true)
}
