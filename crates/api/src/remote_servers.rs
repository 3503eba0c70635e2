//! Remote servers by URL and the connection test: a URL (with headers whose values live in the
//! keychain) becomes an installed server like a catalog entry, and any remote, installed or
//! not, can be tested at the MCP level (handshake, then ping) for its latency and protocol.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use berth_catalog::{CatalogItem, Launch, RemoteSpec, SecretSpec, Transport};
use berth_servers::{LaunchPlan, LaunchRequest, RemoteTransport, ServerError, ServerKey, ServerSettings};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, Berth, ErrorCode, ServerView, msg};

/// Sign-ins one test may run: the first, and wider scopes a server asks for afterwards.
const MAX_SIGN_INS: usize = 3;

/// A remote server to register by its URL.
#[derive(Clone, Debug, Default, Serialize, Deserialize, TS)]
pub struct RemoteRequest {
    pub url: String,
    /// The server's name; made from the URL's host when absent.
    pub name: Option<String>,
    /// Header name → `secret:NAME` (a secret of this server in the keychain) or a value, which is
    /// stored in the keychain; the database keeps only the reference.
    pub headers: BTreeMap<String, String>,
    pub transport: Option<RemoteTransport>,
    pub allow_private_network: bool,
}

/// What to test: an installed server by name, or a URL as it is.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum TestTarget {
    Server(String),
    Url(String),
}

/// How a connection test went.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RemoteState {
    Connected,
    NeedsAuth,
    Error,
}

#[derive(Clone, Debug, Serialize, TS)]
pub struct RemoteTestReport {
    pub state: RemoteState,
    /// `streamable-http` or `sse`, when connected.
    pub transport: Option<RemoteTransport>,
    pub protocol_version: Option<String>,
    /// Handshake plus one ping, in milliseconds.
    pub latency_ms: Option<u64>,
    pub tools: Option<usize>,
    /// The result of the tool call asked for with the test, if any.
    pub call: Option<berth_servers::CallOutcome>,
    /// Why it did not connect, in English and by key.
    pub error: Option<ApiError>,
}

/// A name for a server at `url`: its host, in the characters a name may hold.
fn name_from(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("remote");
    let name: String = host
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c.to_ascii_lowercase() } else { '-' })
        .collect();
    name.trim_matches('-').to_owned()
}

/// A header's secret variable: `X-Api-Key` → `X_API_KEY`.
fn variable(header: &str) -> String {
    let v: String = header
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
        .collect();
    if v.starts_with(|c: char| c.is_ascii_digit()) { format!("H_{v}") } else { v }
}

/// The catalog entry a URL registration makes, with the header values to store as secrets.
pub(crate) fn entry(req: &RemoteRequest) -> Result<(CatalogItem, HashMap<String, String>), ApiError> {
    let invalid = |m| ApiError::msg(ErrorCode::Validation, m);
    let url = url::Url::parse(req.url.trim())
        .map_err(|e| invalid(msg!("msg.source.url_invalid", url = req.url.trim(), reason = e)))?;
    let name = req.name.clone().unwrap_or_else(|| name_from(&url));
    let mut secrets = Vec::new();
    let mut values = HashMap::new();
    let mut headers = BTreeMap::new();
    for (header, value) in &req.headers {
        let var = variable(header);
        let secret = match value.strip_prefix("secret:") {
            Some(existing) => existing.trim().to_owned(),
            None => {
                let generated = format!("header.{}", header.to_ascii_lowercase());
                values.insert(generated.clone(), value.clone());
                generated
            }
        };
        let description = Some(format!("The value of the {header} header"));
        secrets.push(SecretSpec {
            name: secret,
            env: var.clone(),
            description,
            example: None,
            required: true,
        });
        headers.insert(header.clone(), format!("${{{var}}}"));
    }
    let transport = match req.transport {
        Some(RemoteTransport::Sse) => Transport::Sse,
        _ => Transport::StreamableHttp,
    };
    let item = CatalogItem {
        name: name.clone(),
        title: url.host_str().unwrap_or(&name).to_owned(),
        description: berth_net::redacted(&url),
        translations: Default::default(),
        category: None,
        tags: vec!["remote".into()],
        icon: None,
        homepage: None,
        launch: Launch::Remote(RemoteSpec { url: url.to_string(), transport, headers }),
        secrets,
        config_schema: None,
        oauth: None,
        tools: Vec::new(),
        source: "url".into(),
    };
    berth_catalog::validate_item(&item)
        .map_err(|reason| invalid(msg!("msg.remote.invalid", name = &name, reason = reason)))?;
    // Refused now, not at the first connection: the URL rules are the same for every remote.
    berth_net::UrlPolicy { allow_private: req.allow_private_network, ..Default::default() }
        .check(&url)
        .map_err(|e| ApiError::msg(ErrorCode::UrlNotAllowed, msg!("msg.remote.url_refused", reason = e)))?;
    Ok((item, values))
}

impl Berth {
    /// Registers a remote server by its URL; header values go to the keychain.
    pub async fn server_add_url(&self, req: RemoteRequest) -> Result<ServerView, ApiError> {
        let (item, values) = entry(&req)?;
        if self.store.server(&item.name).await?.is_some() {
            return Err(ApiError::msg(ErrorCode::Conflict, msg!("msg.install.already", name = &item.name)));
        }
        for s in &item.secrets {
            if !values.contains_key(&s.name) && !self.server_secret_set(&item.name, &s.name).await? {
                let key = format!("berth/server/{}/{}", item.name, s.name);
                return Err(ApiError::msg(
                    ErrorCode::Validation,
                    msg!("msg.remote.header_secret", name = &item.name, secret = &s.name, key = key),
                ));
            }
        }
        self.store_given_secrets(&item.name, &values).await?;
        let settings =
            ServerSettings { allow_private_network: req.allow_private_network, ..Default::default() };
        let (item_json, settings_json) = (
            serde_json::to_string(&item).expect("an entry serialises"),
            serde_json::to_string(&settings).expect("settings serialise"),
        );
        self.store.insert_server(&item.name, &item_json, "null", &settings_json).await?;
        tracing::info!(server = %item.name, "remote server registered");
        self.server_show(&item.name).await
    }

    /// Connects to a remote server, pings it and disconnects; a failure is a report, not an error.
    pub async fn server_test(&self, target: TestTarget) -> Result<RemoteTestReport, ApiError> {
        self.server_test_calling(target, None).await
    }

    /// [`Berth::server_test`], calling one tool (`name`, arguments) once connected.
    pub async fn server_test_calling(
        &self,
        target: TestTarget,
        call: Option<(String, serde_json::Map<String, serde_json::Value>)>,
    ) -> Result<RemoteTestReport, ApiError> {
        self.server_test_with(target, call, None).await
    }

    /// [`Berth::server_test_calling`]; with `login`, a server that asks to sign in is signed in
    /// to through the loopback redirect (`login` gets the authorization URL to open) and tested
    /// again. An installed server's tokens go to the keychain; a bare URL's last for the test.
    pub async fn server_test_with(
        &self,
        target: TestTarget,
        call: Option<(String, serde_json::Map<String, serde_json::Value>)>,
        login: Option<&crate::oauth::Login<'_>>,
    ) -> Result<RemoteTestReport, ApiError> {
        let (item, config, settings, credentials) = match target {
            TestTarget::Server(name) => {
                let row =
                    self.store.server(&name).await?.ok_or_else(|| crate::servers::not_installed(&name))?;
                let installed = crate::servers::Installed::from_row(&row)?;
                let credentials = self.oauth_credentials(&name).await?;
                (installed.item, installed.config, installed.settings, credentials)
            }
            TestTarget::Url(url) => {
                let req = RemoteRequest { url, ..Default::default() };
                let (item, _) = entry(&req)?;
                let throwaway = rmcp::transport::auth::InMemoryCredentialStore::new();
                let credentials =
                    berth_servers::oauth::SharedCredentials::new(std::sync::Arc::new(throwaway));
                (item, serde_json::Value::Null, ServerSettings::default(), credentials)
            }
        };
        let Launch::Remote(remote) = &item.launch else {
            return Err(ApiError::msg(
                ErrorCode::Unsupported,
                msg!("msg.remote.not_remote", name = &item.name),
            ));
        };
        let (mut report, mut challenge) =
            self.test_once(&item, &config, &settings, &credentials, call.clone()).await?;
        let Some(login) = login else { return Ok(report) };
        // A sign-in, then one for each wider scope the server asks for, up to a limit: a server
        // that is never satisfied does not send the user round for ever.
        for _ in 0..MAX_SIGN_INS {
            if !matches!(report.state, RemoteState::NeedsAuth) {
                break;
            }
            let endpoint = url::Url::parse(&remote.url).map_err(|e| ApiError::internal(e.to_string()))?;
            let private = settings.allow_private_network;
            self.oauth_login_loopback(
                &item.name,
                &endpoint,
                challenge.as_deref(),
                credentials.clone(),
                private,
                login,
            )
            .await?;
            (report, challenge) =
                self.test_once(&item, &config, &settings, &credentials, call.clone()).await?;
        }
        Ok(report)
    }

    /// One connection test; with a `WWW-Authenticate` challenge when the server asked to sign in.
    pub(crate) async fn test_once(
        &self,
        item: &CatalogItem,
        config: &serde_json::Value,
        settings: &ServerSettings,
        credentials: &berth_servers::oauth::SharedCredentials,
        call: Option<(String, serde_json::Map<String, serde_json::Value>)>,
    ) -> Result<(RemoteTestReport, Option<String>), ApiError> {
        let secrets = self.resolve_secrets(item).await?;
        let plan = LaunchPlan::build(
            LaunchRequest::new(item, config)
                .secrets(&secrets.values)
                .settings(settings)
                .session(format!("test-{}", std::process::id())),
        )?
        .with_oauth(credentials.clone());
        drop(secrets);
        let key: ServerKey = plan.key.clone();
        let started = Instant::now();
        let outcome = async {
            let backing = self.supervisor.start(plan, std::sync::Arc::new(|_| {})).await?;
            self.supervisor.ping(&key).await?;
            let latency = started.elapsed().as_millis() as u64;
            let tools = Some(self.supervisor.mcp_tools(&key).await?.len());
            let called = match call {
                Some((tool, args)) => Some(self.supervisor.call(&key, &tool, args).await?),
                None => None,
            };
            Ok::<_, ServerError>((backing, latency, tools, called))
        }
        .await;
        let _ = self.supervisor.stop(&key).await;
        let challenge = match &outcome {
            Err(
                ServerError::NeedsAuth { challenge, .. } | ServerError::InsufficientScope { challenge, .. },
            ) => Some(challenge.clone()),
            _ => None,
        };
        let report = match outcome {
            Ok((backing, latency, tools, called)) => {
                let info = backing.remote().cloned();
                RemoteTestReport {
                    state: RemoteState::Connected,
                    transport: info.as_ref().map(|i| i.transport),
                    protocol_version: info.map(|i| i.protocol_version),
                    latency_ms: Some(latency),
                    tools,
                    call: called,
                    error: None,
                }
            }
            Err(e) => {
                let state =
                    if matches!(e, ServerError::NeedsAuth { .. } | ServerError::InsufficientScope { .. }) {
                        RemoteState::NeedsAuth
                    } else {
                        RemoteState::Error
                    };
                RemoteTestReport {
                    state,
                    transport: None,
                    protocol_version: None,
                    latency_ms: None,
                    tools: None,
                    call: None,
                    error: Some(e.into()),
                }
            }
        };
        Ok((report, challenge))
    }
}
