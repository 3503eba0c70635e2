//! Signing in to remote servers: each server's OAuth tokens in the OS keychain
//! (`berth/oauth/<server>`; the database never sees them), pending sign-ins in the store (ten
//! minutes, used once), and the loopback sign-in `berth server test --login` runs: the
//! authorization URL goes to the browser, the redirect comes back to 127.0.0.1 on a fresh port.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use berth_secrets::{SecretKey, SecretStore, SecretValue};
use berth_servers::oauth::{Authorization, SharedCredentials, SharedStates, SignIn};
use rmcp::transport::auth::{
    AuthError, CredentialStore, StateStore, StoredAuthorizationState, StoredCredentials,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{ApiError, Berth, ErrorCode, msg};

/// How a sign-in reaches the user and who Berth is to the authorization server.
pub struct Login<'a> {
    /// Gets the authorization URL: opens it in the browser, or prints it.
    pub open: &'a (dyn Fn(&str) + Send + Sync),
    /// A client registered by hand; Berth registers itself otherwise.
    pub client: Option<berth_servers::oauth::Preregistered>,
    /// The URL of Berth's client ID metadata document, used where an authorization server
    /// accepts one instead of registration.
    pub client_metadata_url: Option<String>,
}

/// How long the loopback sign-in waits for the browser to come back.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(300);

/// How long a sign-out waits for the authorization server to revoke the tokens.
const REVOKE_WAIT: Duration = Duration::from_secs(10);

/// A server's tokens in the keychain, as one JSON value, with whether the authorization server
/// has refused its refresh token (then the tokens are kept for the status, but not used).
struct KeychainCredentials {
    secrets: Arc<dyn SecretStore>,
    key: SecretKey,
    store: berth_store::Store,
    server: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Kept {
    #[serde(flatten)]
    credentials: StoredCredentials,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    refresh_rejected: bool,
}

fn store_error(e: impl std::fmt::Display) -> AuthError {
    AuthError::CredentialStoreError(e.to_string())
}

impl KeychainCredentials {
    async fn kept(&self) -> Result<Option<Kept>, AuthError> {
        let (secrets, key) = (self.secrets.clone(), self.key.clone());
        let value = tokio::task::spawn_blocking(move || secrets.get(&key)).await.map_err(store_error)?;
        match value.map_err(store_error)? {
            Some(v) => serde_json::from_str(v.expose()).map(Some).map_err(store_error),
            None => Ok(None),
        }
    }

    async fn keep(&self, kept: &Kept) -> Result<(), AuthError> {
        let text = serde_json::to_string(kept).map_err(store_error)?;
        let (secrets, key) = (self.secrets.clone(), self.key.clone());
        tokio::task::spawn_blocking(move || secrets.set(&key, &SecretValue::new(text)))
            .await
            .map_err(store_error)?
            .map_err(store_error)
    }
}

#[async_trait]
impl CredentialStore for KeychainCredentials {
    async fn load(&self) -> Result<Option<StoredCredentials>, AuthError> {
        Ok(self.kept().await?.filter(|k| !k.refresh_rejected).map(|k| k.credentials))
    }

    async fn save(&self, credentials: StoredCredentials) -> Result<(), AuthError> {
        self.keep(&Kept { credentials, refresh_rejected: false }).await
    }

    async fn clear(&self) -> Result<(), AuthError> {
        let (secrets, key) = (self.secrets.clone(), self.key.clone());
        tokio::task::spawn_blocking(move || secrets.delete(&key))
            .await
            .map_err(store_error)?
            .map_err(store_error)?;
        Ok(())
    }

    /// The refresh token was refused: the sign-in is marked as needing the user, once (it is not
    /// used again, so no other refresh in any process gets this far), and the event asks for it.
    async fn on_refresh_token_rejected(&self, credentials: &StoredCredentials) -> Result<(), AuthError> {
        self.keep(&Kept { credentials: credentials.clone(), refresh_rejected: true }).await?;
        tracing::warn!(server = %self.server, "the authorization server refused the refresh token");
        let m = msg!("msg.event.reauth_required", name = &self.server);
        let params = serde_json::to_string(&m.params).expect("strings serialise");
        let english = m.english();
        let record = berth_store::EventRecord {
            level: "error",
            kind: "reauth_required",
            server: Some(&self.server),
            session: None,
            key: m.key,
            params: &params,
            message: &english,
        };
        self.store.record_event(record).await.map_err(store_error)
    }
}

/// Pending sign-ins in the store.
struct StoredStates {
    store: berth_store::Store,
}

#[async_trait]
impl StateStore for StoredStates {
    async fn save(&self, csrf_token: &str, state: StoredAuthorizationState) -> Result<(), AuthError> {
        let text = serde_json::to_string(&state).map_err(store_error)?;
        self.store.put_oauth_state(csrf_token, &text).await.map_err(store_error)
    }

    async fn load(&self, csrf_token: &str) -> Result<Option<StoredAuthorizationState>, AuthError> {
        match self.store.take_oauth_state(csrf_token).await.map_err(store_error)? {
            Some(text) => serde_json::from_str(&text).map(Some).map_err(store_error),
            None => Ok(None),
        }
    }

    async fn delete(&self, _csrf_token: &str) -> Result<(), AuthError> {
        // Taken when loaded: a state is used once.
        Ok(())
    }
}

/// Waits on `listener` for the browser to come back with `state`, and answers it; any other
/// request (a forged or stale redirect, a stray visit) gets 401 and the wait goes on. Returns
/// the URL the browser asked for.
async fn wait_for_redirect(
    listener: &tokio::net::TcpListener,
    port: u16,
    state: &str,
) -> Result<String, std::io::Error> {
    loop {
        let (mut stream, _) = listener.accept().await?;
        let mut buf = vec![0u8; 16 * 1024];
        let n = match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await {
            Ok(Ok(n)) => n,
            _ => continue,
        };
        let head = String::from_utf8_lossy(&buf[..n]);
        let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let url = format!("http://127.0.0.1:{port}{target}");
        let ours = crate::oauth_flow::state_of(&url).as_deref() == Some(state);
        let refused = url.contains("?error=") || url.contains("&error=");
        let (status, body) = if ours && refused {
            (
                "200 OK",
                "<!doctype html><title>Berth</title><p>The sign-in was not completed. Return to Berth to see why.</p>",
            )
        } else if ours {
            (
                "200 OK",
                "<!doctype html><title>Berth</title><p>Signed in. You can close this window and return to Berth.</p>",
            )
        } else {
            (
                "401 Unauthorized",
                "<!doctype html><title>Berth</title><p>This sign-in link does not belong to a sign-in Berth is waiting for.</p>",
            )
        };
        let reply = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(reply.as_bytes()).await;
        if ours {
            return Ok(url);
        }
        tracing::warn!("a request to the sign-in's loopback address without its state was refused");
    }
}

/// A loopback address the browser comes back to (127.0.0.1, a fresh port per sign-in).
pub(crate) struct Loopback {
    listener: tokio::net::TcpListener,
    port: u16,
    pub redirect: String,
}

impl Loopback {
    pub(crate) async fn listen() -> Result<Self, ApiError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| ApiError::msg(ErrorCode::Network, msg!("msg.oauth.loopback", reason = e)))?;
        let port = listener.local_addr().map_err(|e| ApiError::internal(e.to_string()))?.port();
        Ok(Self { listener, port, redirect: format!("http://127.0.0.1:{port}/callback") })
    }

    /// Waits for the browser to come back from `authorization_url` (with its `state`); returns
    /// the URL it came back to.
    pub(crate) async fn wait(&self, server: &str, authorization_url: &str) -> Result<String, ApiError> {
        let state = crate::oauth_flow::state_of(authorization_url)
            .ok_or_else(|| ApiError::internal("the authorization URL has no state"))?;
        tokio::time::timeout(LOGIN_TIMEOUT, wait_for_redirect(&self.listener, self.port, &state))
            .await
            .map_err(|_| {
                ApiError::msg(
                    ErrorCode::Timeout,
                    msg!("msg.oauth.timeout", name = server, seconds = LOGIN_TIMEOUT.as_secs()),
                )
            })?
            .map_err(|e| ApiError::msg(ErrorCode::Network, msg!("msg.oauth.loopback", reason = e)))
    }
}

impl Berth {
    /// Where `server`'s tokens are kept.
    pub(crate) async fn oauth_credentials(&self, server: &str) -> Result<SharedCredentials, ApiError> {
        self.credentials_at(SecretKey::new("oauth", server)?, server).await
    }

    /// Tokens kept at `key`, whose events name `label`; refreshes lock a file named after it.
    pub(crate) async fn credentials_at(
        &self,
        key: SecretKey,
        label: &str,
    ) -> Result<SharedCredentials, ApiError> {
        let lock = self.data_dir().join("locks").join(format!("{}-{}.lock", key.kind(), key.id()));
        Ok(SharedCredentials::new(Arc::new(self.keychain_at(key, label).await?)).locked_by(lock))
    }

    async fn keychain_at(&self, key: SecretKey, label: &str) -> Result<KeychainCredentials, ApiError> {
        Ok(KeychainCredentials {
            secrets: self.secrets().await?,
            key,
            store: self.store.clone(),
            server: label.to_owned(),
        })
    }

    /// Where the tokens `server` uses are: its own, or, for a container server whose entry
    /// names a configured OAuth provider, that provider's.
    async fn keychain_credentials(&self, server: &str) -> Result<KeychainCredentials, ApiError> {
        if let Some(row) = self.store.server(server).await?
            && let Some((provider, _)) =
                self.server_provider(&crate::servers::Installed::from_row(&row)?.item).await?
        {
            return self.keychain_at(SecretKey::new("provider", &provider.name)?, &provider.name).await;
        }
        self.keychain_at(SecretKey::new("oauth", server)?, server).await
    }

    /// Pending sign-ins, in the store.
    pub(crate) fn oauth_states(&self) -> SharedStates {
        SharedStates(Arc::new(StoredStates { store: self.store.clone() }))
    }

    /// `plan` ready to start: a container's image verified and pinned to its digest (while
    /// verification is on), and the server's sign-in: a remote server's connection sends the
    /// tokens the keychain holds and renews them; a container whose entry names an OAuth
    /// provider gets the provider's access token in its environment.
    pub(crate) async fn prepared_plan(
        &self,
        item: &berth_catalog::CatalogItem,
        plan: berth_servers::LaunchPlan,
    ) -> Result<berth_servers::LaunchPlan, ApiError> {
        if !matches!(plan.target, berth_servers::LaunchTarget::Remote(_)) {
            // Docker's MCP Toolkit, when the user picked it, checks the image itself.
            if let Some(toolkit) = self.toolkit_plan(item, &plan).await? {
                return Ok(toolkit);
            }
            // The image is verified first: a refused one needs no sign-in.
            let plan = self.verified_plan(plan).await?;
            return self.with_provider_token(item, plan).await;
        }
        let credentials = self.oauth_credentials(&plan.key.server).await?;
        Ok(plan.with_oauth(credentials))
    }

    /// Signs in to `server` at `endpoint` through the loopback redirect: `open` gets the
    /// authorization URL (to open in the browser, or print), and this waits for the redirect.
    pub(crate) async fn oauth_login_loopback(
        &self,
        server: &str,
        endpoint: &url::Url,
        challenge: Option<&str>,
        credentials: SharedCredentials,
        allow_private: bool,
        login: &Login<'_>,
    ) -> Result<(), ApiError> {
        let loopback = Loopback::listen().await?;
        let states = self.oauth_states();
        let client = login.client.as_ref();
        let cimd = match &login.client_metadata_url {
            Some(url) => Some(url.clone()),
            None => self.oauth_client_metadata_url().await?,
        };
        let sign_in = SignIn {
            name: server,
            endpoint,
            challenge,
            redirect_uri: &loopback.redirect,
            allow_private,
            client,
            client_metadata_url: cimd.as_deref(),
            registrations: None,
        };
        let authorization = Authorization::begin(sign_in, credentials, states).await?;
        (login.open)(&authorization.url);
        let callback = loopback.wait(server, &authorization.url).await?;
        authorization.finish(&callback).await.map_err(|e| {
            ApiError::msg(ErrorCode::StateMismatch, msg!("msg.oauth.callback", name = server, reason = e))
                .retryable()
        })?;
        tracing::info!(server, "signed in");
        Ok(())
    }
}

/// Whether a server's sign-in is usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SignInState {
    Connected,
    /// The token expires within a day and cannot be refreshed: sign in again.
    ReauthRequired,
    NotConnected,
}

/// A server's sign-in as the Connections page and `berth oauth status` show it; never a token.
#[derive(Clone, Debug, serde::Serialize, ts_rs::TS)]
pub struct OAuthStatus {
    pub server: String,
    pub state: SignInState,
    /// When the access token expires, in Unix milliseconds, when the server said.
    pub expires_at_ms: Option<i64>,
    pub scopes: Vec<String>,
    /// Whether a refresh token is held, so expiry renews by itself.
    pub refreshable: bool,
    /// The authorization server that issued the tokens, when known.
    pub authorization_server: Option<String>,
}

/// How close to expiry an unrefreshable token counts as needing a new sign-in.
const REAUTH_WINDOW_MS: i64 = 24 * 3600 * 1000;

impl Berth {
    /// `server`'s sign-in: connected, needing a new sign-in soon, or none.
    pub async fn oauth_status(&self, server: &str) -> Result<OAuthStatus, ApiError> {
        self.status_of(server, self.keychain_credentials(server).await?).await
    }

    /// `server`'s sign-in from the keychain entry it uses.
    async fn status_of(&self, server: &str, keychain: KeychainCredentials) -> Result<OAuthStatus, ApiError> {
        use oauth2::TokenResponse;
        let kept = keychain.kept().await.map_err(|e| ApiError::internal(e.to_string()))?;
        let none = OAuthStatus {
            server: server.to_owned(),
            state: SignInState::NotConnected,
            expires_at_ms: None,
            scopes: Vec::new(),
            refreshable: false,
            authorization_server: None,
        };
        let Some(Kept { credentials: stored, refresh_rejected }) = kept else { return Ok(none) };
        let Some(token) = &stored.token_response else { return Ok(none) };
        let refreshable = token.refresh_token().is_some() && !refresh_rejected;
        let expires_at_ms = match (stored.token_received_at, token.expires_in()) {
            (Some(at), Some(life)) => Some((at as i64) * 1000 + life.as_millis() as i64),
            _ => None,
        };
        let soon = expires_at_ms.is_some_and(|t| t - self.now_ms() < REAUTH_WINDOW_MS);
        let state = if refresh_rejected || (soon && !refreshable) {
            SignInState::ReauthRequired
        } else {
            SignInState::Connected
        };
        Ok(OAuthStatus {
            state,
            expires_at_ms,
            scopes: stored.granted_scopes.clone(),
            refreshable,
            authorization_server: stored.issuer.clone(),
            ..none
        })
    }

    /// Forgets `server`'s sign-in: the authorization server is asked to revoke its tokens
    /// (RFC 7009, when it offers that) and they leave the keychain. Returns whether there was one.
    pub async fn oauth_revoke(&self, server: &str) -> Result<bool, ApiError> {
        let kept = self
            .keychain_credentials(server)
            .await?
            .kept()
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let had = kept.as_ref().is_some_and(|k| k.credentials.token_response.is_some());
        if let Some(kept) = &kept
            && let Some((endpoint, private)) = self.remote_endpoint(server).await?
        {
            // An authorization server that does not answer must not hold up a sign-out or a
            // removal: after a while the tokens are forgotten here without its word.
            let revoked = tokio::time::timeout(
                REVOKE_WAIT,
                berth_servers::oauth::revoke(&endpoint, &kept.credentials, private),
            );
            match revoked.await {
                Ok(Ok(true)) => tracing::info!(server, "tokens revoked at the authorization server"),
                Ok(Ok(false)) => tracing::info!(server, "the authorization server offers no revocation"),
                // Forgotten here all the same: the user asked for that.
                Ok(Err(e)) => {
                    tracing::warn!(server, "the authorization server did not revoke the tokens: {e}")
                }
                Err(_) => tracing::warn!(
                    server,
                    "the authorization server did not answer the revocation within {} s",
                    REVOKE_WAIT.as_secs()
                ),
            }
        }
        self.keychain_credentials(server)
            .await?
            .clear()
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
        if had {
            self.record_event("signed_out", Some(server), None, &msg!("msg.event.signed_out", name = server))
                .await;
        }
        Ok(had)
    }

    /// Every installed server's sign-in: remote servers, and container servers whose entry names
    /// a configured OAuth provider. For the Connections page.
    pub async fn oauth_list(&self) -> Result<Vec<OAuthStatus>, ApiError> {
        let mut out = Vec::new();
        for row in self.store.servers().await? {
            let installed = crate::servers::Installed::from_row(&row)?;
            let keychain = match self.server_provider(&installed.item).await? {
                Some((provider, _)) => {
                    self.keychain_at(SecretKey::new("provider", &provider.name)?, &provider.name).await?
                }
                None if matches!(installed.item.launch, berth_catalog::Launch::Remote(_)) => {
                    self.keychain_at(SecretKey::new("oauth", &row.name)?, &row.name).await?
                }
                None => continue,
            };
            out.push(self.status_of(&row.name, keychain).await?);
        }
        Ok(out)
    }

    /// A removed remote server's sign-in goes with it (a provider's stays for its other servers).
    pub(crate) async fn forget_sign_in(&self, server: &str) -> Result<(), ApiError> {
        if self.remote_endpoint(server).await?.is_some() {
            self.oauth_revoke(server).await?;
        }
        Ok(())
    }

    /// An installed remote server's endpoint and whether it may be on a private network.
    async fn remote_endpoint(&self, server: &str) -> Result<Option<(url::Url, bool)>, ApiError> {
        let Some(row) = self.store.server(server).await? else { return Ok(None) };
        let installed = crate::servers::Installed::from_row(&row)?;
        let berth_catalog::Launch::Remote(remote) = &installed.item.launch else { return Ok(None) };
        let url = url::Url::parse(&remote.url).map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(Some((url, installed.settings.allow_private_network)))
    }
}
