//! Starting and finishing sign-ins from the window and `berth oauth login`: the browser comes
//! back through the `berth://oauth/callback` deep link (the second app instance the OS starts
//! hands it to this one), or, when an authorization server will not register that redirect,
//! through a loopback redirect on 127.0.0.1. What a deep-link sign-in was started with is kept
//! beside its `state` in the store (ten minutes, taken once), so it completes even when the app
//! was restarted in between; a callback whose `state` Berth did not issue, or already used, is
//! refused as `state_mismatch` (401). A container server whose entry names an OAuth provider
//! signs in with that provider the same ways.

use std::sync::Arc;

use berth_catalog::Launch;
use berth_servers::ServerSettings;
use berth_servers::oauth::{Authorization, Resume, SignIn, finish_resumed, registration_refused};
use berth_servers::oauth_provider;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::oauth::{Login, OAuthStatus, SignInState};
use crate::remote_servers::RemoteState;
use crate::{ApiError, Berth, ErrorCode, msg};

/// The redirect a deep-link sign-in registers.
pub const DEEP_LINK_REDIRECT: &str = "berth://oauth/callback";

/// How the browser comes back from a sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RedirectKind {
    DeepLink,
    Loopback,
}

/// A sign-in under way: the browser has the authorization URL.
#[derive(Clone, Debug, Serialize, TS)]
pub struct ConnectStarted {
    pub server: String,
    pub url: String,
    pub redirect: RedirectKind,
}

/// What a deep-link sign-in was started with.
#[derive(Serialize, Deserialize)]
struct Pending {
    server: String,
    client_id: String,
    challenge: Option<String>,
    /// Set for a container server signing in with its entry's OAuth provider.
    #[serde(default)]
    provider: Option<String>,
    /// The key and client ID of the registration to remember when the sign-in comes back.
    #[serde(default)]
    registered: Option<(String, String)>,
}

/// The clients Berth registered itself as for the deep link, by authorization server, in the
/// store's settings (a client ID is no secret).
struct StoredRegistrations(berth_store::Store);

fn registration_setting(key: &str) -> String {
    format!("oauth.client:{key}")
}

#[async_trait::async_trait]
impl berth_servers::oauth::Registrations for StoredRegistrations {
    async fn take(&self, key: &str) -> Option<String> {
        let setting = registration_setting(key);
        let client_id = self.0.setting::<String>(&setting).await.ok().flatten()?;
        self.0.delete_setting(&setting).await.ok()?;
        Some(client_id)
    }

    async fn keep(&self, key: &str, client_id: &str) {
        if let Err(e) = self.0.set_setting(&registration_setting(key), &client_id.to_owned()).await {
            tracing::warn!("the client registration could not be kept: {e}");
        }
    }
}

fn pending_key(state: &str) -> String {
    format!("pending:{state}")
}

/// The `state` an authorization URL (or a redirect) carries.
pub(crate) fn state_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    url.query_pairs().find(|(k, _)| k == "state").map(|(_, v)| v.into_owned())
}

/// Opens `url` in the browser: `$BROWSER` (a command, given the URL as its last argument) or
/// the system's opener. Returns whether one could be started.
pub fn open_in_browser(url: &str) -> bool {
    match std::env::var("BROWSER").ok().filter(|b| !b.trim().is_empty()) {
        Some(browser) => std::process::Command::new("sh")
            .args(["-c", &format!("{browser} \"$1\""), "browser", url])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .spawn()
            .is_ok(),
        None => std::process::Command::new(if cfg!(target_os = "macos") { "open" } else { "xdg-open" })
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .is_ok(),
    }
}

/// Where Berth's client ID metadata document URL is kept.
const CLIENT_METADATA_SETTING: &str = "oauth.client_metadata_url";

impl Berth {
    /// The URL of Berth's client ID metadata document, which Berth offers as its client ID to an
    /// authorization server that takes one, instead of registering.
    pub async fn oauth_client_metadata_url(&self) -> Result<Option<String>, ApiError> {
        Ok(self.store.setting::<String>(CLIENT_METADATA_SETTING).await?)
    }

    /// Sets (or, with `None`, clears) that URL: https, with a path, as the document's rules say.
    pub async fn set_oauth_client_metadata_url(
        &self,
        url: Option<String>,
    ) -> Result<Option<String>, ApiError> {
        match url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            None => {
                self.store.delete_setting(CLIENT_METADATA_SETTING).await?;
                Ok(None)
            }
            Some(raw) => {
                let refused = |reason: &str| {
                    ApiError::msg(
                        ErrorCode::Validation,
                        msg!("msg.oauth.metadata_url", url = raw, reason = reason),
                    )
                };
                let parsed = url::Url::parse(raw).map_err(|e| refused(&e.to_string()))?;
                if parsed.scheme() != "https" {
                    return Err(refused("it must be https"));
                }
                if parsed.path() == "/" || parsed.fragment().is_some() || !parsed.username().is_empty() {
                    return Err(refused("it needs a path, and no fragment or user name"));
                }
                self.store.set_setting(CLIENT_METADATA_SETTING, &parsed.to_string()).await?;
                Ok(Some(parsed.to_string()))
            }
        }
    }

    /// The configured OAuth provider an installed container server signs in with.
    async fn provider_of(
        &self,
        server: &str,
    ) -> Result<Option<berth_servers::oauth_provider::ProviderConfig>, ApiError> {
        let row = self.store.server(server).await?.ok_or_else(|| crate::servers::not_installed(server))?;
        let item = crate::servers::Installed::from_row(&row)?.item;
        Ok(self.server_provider(&item).await?.map(|(p, _)| p))
    }

    /// An installed remote server's endpoint, whether it may be on a private network, and the
    /// challenge it answers without a sign-in (none when it lets Berth in already).
    async fn sign_in_target(
        &self,
        server: &str,
    ) -> Result<(url::Url, ServerSettings, Option<String>), ApiError> {
        let row = self.store.server(server).await?.ok_or_else(|| crate::servers::not_installed(server))?;
        let installed = crate::servers::Installed::from_row(&row)?;
        let Launch::Remote(remote) = &installed.item.launch else {
            return Err(ApiError::msg(ErrorCode::Unsupported, msg!("msg.remote.not_remote", name = server)));
        };
        let endpoint = url::Url::parse(&remote.url).map_err(|e| ApiError::internal(e.to_string()))?;
        // Probed without the stored tokens: a new sign-in starts from what the server asks.
        let none = berth_servers::oauth::SharedCredentials::new(Arc::new(
            rmcp::transport::auth::InMemoryCredentialStore::new(),
        ));
        let (_, challenge) =
            self.test_once(&installed.item, &installed.config, &installed.settings, &none, None).await?;
        Ok((endpoint, installed.settings, challenge))
    }

    /// Starts signing in to `server` from the window: the authorization URL opens in the browser
    /// ([`open_in_browser`]), which comes back through the deep link, or through the loopback
    /// redirect when the authorization server refuses to register the deep link or the user chose
    /// it for this server.
    pub async fn oauth_connect(&self, server: &str) -> Result<ConnectStarted, ApiError> {
        self.oauth_connect_with(
            server,
            Arc::new(|url: &str| {
                if !open_in_browser(url) {
                    tracing::warn!("no browser could be opened for the sign-in");
                }
            }),
        )
        .await
    }

    /// [`Berth::oauth_connect`] with the authorization URL given to `open`: the
    /// browser comes back through the deep link, or through the loopback redirect when the
    /// authorization server refuses to register the deep link (then this process waits for it
    /// in the background).
    pub async fn oauth_connect_with(
        &self,
        server: &str,
        open: Arc<dyn Fn(&str) + Send + Sync>,
    ) -> Result<ConnectStarted, ApiError> {
        if let Some(provider) = self.provider_of(server).await? {
            let credentials = self.provider_credentials(&provider).await?;
            let url = oauth_provider::begin(&provider, DEEP_LINK_REDIRECT, credentials, self.oauth_states())
                .await?;
            let pending = Pending {
                server: server.to_owned(),
                client_id: provider.client_id.clone(),
                challenge: None,
                provider: Some(provider.name.clone()),
                registered: None,
            };
            self.keep_pending(&url, &pending).await?;
            open(&url);
            return Ok(ConnectStarted { server: server.to_owned(), url, redirect: RedirectKind::DeepLink });
        }
        let (endpoint, settings, challenge) = self.sign_in_target(server).await?;
        let private = settings.allow_private_network;
        let credentials = self.oauth_credentials(server).await?;
        let cimd = self.oauth_client_metadata_url().await?;
        let registrations = StoredRegistrations(self.store.clone());
        let sign_in = SignIn {
            name: server,
            endpoint: &endpoint,
            challenge: challenge.as_deref(),
            redirect_uri: DEEP_LINK_REDIRECT,
            allow_private: private,
            client: None,
            client_metadata_url: cimd.as_deref(),
            registrations: Some(&registrations),
        };
        // The deep link, unless the user chose the loopback redirect for this server.
        let deep_link = match settings.oauth_loopback {
            true => None,
            false => Some(Authorization::begin(sign_in, credentials.clone(), self.oauth_states()).await),
        };
        match deep_link {
            Some(Ok(authorization)) => {
                let pending = Pending {
                    server: server.to_owned(),
                    client_id: authorization.client_id().await?,
                    challenge,
                    provider: None,
                    registered: authorization.registered.clone(),
                };
                self.keep_pending(&authorization.url, &pending).await?;
                open(&authorization.url);
                Ok(ConnectStarted {
                    server: server.to_owned(),
                    url: authorization.url,
                    redirect: RedirectKind::DeepLink,
                })
            }
            Some(Err(e)) if !registration_refused(&e) => Err(e.into()),
            _ => {
                tracing::info!(server, "signing in through the loopback redirect");
                let (tx, rx) = tokio::sync::oneshot::channel::<String>();
                let tx = std::sync::Mutex::new(Some(tx));
                let berth = self.clone();
                let name = server.to_owned();
                tokio::spawn(async move {
                    let open = move |url: &str| {
                        open(url);
                        if let Some(tx) = tx.lock().expect("sender").take() {
                            let _ = tx.send(url.to_owned());
                        }
                    };
                    let login = Login { open: &open, client: None, client_metadata_url: cimd };
                    let done = berth
                        .oauth_login_loopback(
                            &name,
                            &endpoint,
                            challenge.as_deref(),
                            credentials,
                            private,
                            &login,
                        )
                        .await;
                    match done {
                        Ok(()) => berth.signed_in_event(&name).await,
                        Err(e) => berth.record_failure("sign_in_failed", Some(&name), None, &e).await,
                    }
                });
                let url = rx.await.map_err(|_| {
                    ApiError::msg(
                        ErrorCode::Network,
                        msg!("msg.oauth.loopback", reason = "the sign-in did not start"),
                    )
                })?;
                Ok(ConnectStarted { server: server.to_owned(), url, redirect: RedirectKind::Loopback })
            }
        }
    }

    /// Signs in to `server` through the loopback redirect and waits until it is done (`berth
    /// oauth login`), even when the server lets Berth in already (a new sign-in replaces the
    /// old); then connects to prove it.
    pub async fn oauth_login(&self, server: &str, login: &Login<'_>) -> Result<OAuthStatus, ApiError> {
        if let Some(provider) = self.provider_of(server).await? {
            let credentials = self.provider_credentials(&provider).await?;
            let loopback = crate::oauth::Loopback::listen().await?;
            let states = self.oauth_states();
            let url =
                oauth_provider::begin(&provider, &loopback.redirect, credentials.clone(), states.clone())
                    .await?;
            (login.open)(&url);
            let callback = loopback.wait(server, &url).await?;
            oauth_provider::finish(&provider, &loopback.redirect, &callback, credentials, states)
                .await
                .map_err(|e| {
                    ApiError::msg(
                        ErrorCode::StateMismatch,
                        msg!("msg.oauth.callback", name = server, reason = e),
                    )
                    .retryable()
                })?;
            self.signed_in_event(server).await;
            return self.oauth_status(server).await;
        }
        let (endpoint, settings, challenge) = self.sign_in_target(server).await?;
        let credentials = self.oauth_credentials(server).await?;
        let private = settings.allow_private_network;
        self.oauth_login_loopback(server, &endpoint, challenge.as_deref(), credentials, private, login)
            .await?;
        self.signed_in_event(server).await;
        let report = self.server_test(crate::TestTarget::Server(server.to_owned())).await?;
        if !matches!(report.state, RemoteState::Connected) {
            return Err(report
                .error
                .unwrap_or_else(|| ApiError::internal("the server refused the new sign-in")));
        }
        self.oauth_status(server).await
    }

    /// Keeps what a deep-link sign-in was started with beside the `state` of its
    /// `authorization_url`, for whichever process the callback reaches.
    async fn keep_pending(&self, authorization_url: &str, pending: &Pending) -> Result<(), ApiError> {
        let state = state_of(authorization_url).ok_or_else(|| ApiError::internal("no state"))?;
        let text = serde_json::to_string(pending).expect("strings serialise");
        Ok(self.store.put_oauth_state(&pending_key(&state), &text).await?)
    }

    async fn signed_in_event(&self, server: &str) {
        self.record_event("signed_in", Some(server), None, &msg!("msg.event.signed_in", name = server)).await;
    }

    /// Finishes a deep-link sign-in from its callback: only for a `state` this Berth issued and
    /// has not used (else `state_mismatch`, 401). Returns the server signed in to.
    pub(crate) async fn oauth_finish_deep_link(
        &self,
        url: &str,
        state: Option<&str>,
        error: Option<&str>,
    ) -> Result<String, ApiError> {
        let unknown = || ApiError::msg(ErrorCode::StateMismatch, msg!("msg.deeplink.unknown_flow"));
        let state = state.filter(|s| !s.is_empty()).ok_or_else(unknown)?;
        let text = self.store.take_oauth_state(&pending_key(state)).await?.ok_or_else(unknown)?;
        let pending: Pending = serde_json::from_str(&text).map_err(|e| ApiError::internal(e.to_string()))?;
        let server = pending.server.as_str();
        if let Some(error) = error {
            let _ = self.store.take_oauth_state(state).await;
            return Err(ApiError::msg(
                ErrorCode::AuthRequired,
                msg!("msg.oauth.denied", name = server, reason = crate::text::visible(error)),
            ));
        }
        let callback_failed = |e: berth_servers::ServerError| {
            ApiError::msg(ErrorCode::StateMismatch, msg!("msg.oauth.callback", name = server, reason = e))
                .retryable()
        };
        if let Some(name) = &pending.provider {
            let providers = self.oauth_providers().await?;
            let provider = providers.iter().find(|p| &p.name == name).ok_or_else(unknown)?;
            let credentials = self.provider_credentials(provider).await?;
            oauth_provider::finish(provider, DEEP_LINK_REDIRECT, url, credentials, self.oauth_states())
                .await
                .map_err(callback_failed)?;
            self.signed_in_event(server).await;
            return Ok(server.to_owned());
        }
        let row = self.store.server(server).await?.ok_or_else(|| crate::servers::not_installed(server))?;
        let installed = crate::servers::Installed::from_row(&row)?;
        let Launch::Remote(remote) = &installed.item.launch else { return Err(unknown()) };
        let endpoint = url::Url::parse(&remote.url).map_err(|e| ApiError::internal(e.to_string()))?;
        let resume = Resume {
            name: server,
            endpoint: &endpoint,
            challenge: pending.challenge.as_deref(),
            client_id: &pending.client_id,
            redirect_uri: DEEP_LINK_REDIRECT,
            allow_private: installed.settings.allow_private_network,
        };
        finish_resumed(resume, url, self.oauth_credentials(server).await?, self.oauth_states())
            .await
            .map_err(|e| {
                ApiError::msg(ErrorCode::StateMismatch, msg!("msg.oauth.callback", name = server, reason = e))
                    .retryable()
            })?;
        if let Some((key, client_id)) = &pending.registered {
            use berth_servers::oauth::Registrations;
            StoredRegistrations(self.store.clone()).keep(key, client_id).await;
        }
        tracing::info!(server, "signed in");
        self.signed_in_event(server).await;
        Ok(server.to_owned())
    }

    /// Whether some server's sign-in needs the user (for the banner and the tray).
    pub async fn oauth_attention(&self) -> Result<Vec<OAuthStatus>, ApiError> {
        let mut out = Vec::new();
        for status in self.oauth_list().await? {
            if status.state == SignInState::ReauthRequired {
                out.push(status);
            }
        }
        Ok(out)
    }
}
