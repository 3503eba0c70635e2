//! External MCP gateways (an E2B sandbox's, another team's): saved by a checked address with a
//! bearer token in the keychain, proved by a health check, and, while external mode is on, a
//! source of tools in every gateway session (as the server `ext:<name>`).

use std::collections::HashMap;
use std::time::Duration;

use berth_catalog::{CatalogItem, Launch, RemoteSpec, SecretSpec, Transport};
use berth_net::{HttpClient, NetError};
use berth_secrets::SecretKey;
use berth_servers::ServerSettings;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::external_url::{self, DEFAULT_ALLOWED_HOSTS};
use crate::{ApiError, Berth, ErrorCode, msg};

const ALLOWED_KEY: &str = "external.allowed_hosts";
/// How long a health check waits when the caller names no time.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(10);
/// A gateway's name in a session's server list: `:` is in no catalog or installed name.
pub const SESSION_PREFIX: &str = "ext:";
const TOKEN_SECRET: &str = "token";

/// Why a health check failed, for the window to name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum HealthFailure {
    /// The address or a redirect was refused by the URL policy or the allowlist.
    Policy,
    Dns,
    Tls,
    Timeout,
    /// 401 or 403: the token was refused.
    Unauthorized,
    /// 5xx.
    ServerError,
    /// Another status that is not success.
    Status,
    /// No connection (refused, reset, unreachable).
    Connect,
    /// The token is not in the keychain.
    Token,
}

/// One health check: `GET <url>/healthcheck` with the token.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct HealthCheck {
    pub ok: bool,
    pub status: Option<u16>,
    pub latency_ms: Option<u64>,
    pub failure: Option<HealthFailure>,
    /// The failure in English and by key.
    pub error: Option<ApiError>,
    /// Unix milliseconds.
    pub tested_at: i64,
    /// This check failed while external mode was on, and turned it off.
    pub turned_off: bool,
}

/// An external gateway as the window and the CLI show it; never its token.
#[derive(Clone, Debug, Serialize, TS)]
pub struct ExternalGatewayView {
    pub name: String,
    /// The base address; the health check is `<url>/healthcheck`.
    pub url: String,
    /// The MCP endpoint sessions connect to: `<url>/mcp`.
    pub mcp_url: String,
    /// Where the token is in the keychain.
    pub token_key: String,
    /// Its tools join gateway sessions (turned on by a passing health check).
    pub external_mode: bool,
    pub last_test: Option<HealthCheck>,
    /// The name it has in a session's server list.
    pub session_server: String,
}

/// What a session runs for an external gateway: its entry, settings that hold its connection to
/// the allowlist, and where its token is.
pub(crate) struct ExternalEntry {
    pub(crate) item: CatalogItem,
    pub(crate) settings: ServerSettings,
    token_key: String,
}

fn token_key(name: &str) -> SecretKey {
    SecretKey::new("gateway-ext", name).expect("a checked gateway name makes a valid key")
}

fn not_found(name: &str) -> ApiError {
    ApiError::msg(ErrorCode::NotFound, msg!("msg.external.not_found", name = name))
}

/// A gateway's name: lowercase letters, digits and `-`, as it appears in `ext:<name>`.
fn check_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && !name.starts_with('-')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::msg(ErrorCode::Validation, msg!("msg.external.name_invalid", name = name)))
    }
}

fn endpoint(base: &url::Url, path: &str) -> url::Url {
    let mut u = base.clone();
    let joined = format!("{}/{path}", base.path().trim_end_matches('/'));
    u.set_path(&joined);
    u
}

fn view(row: &berth_store::ExternalGatewayRow) -> ExternalGatewayView {
    let base = url::Url::parse(&row.url).ok();
    ExternalGatewayView {
        name: row.name.clone(),
        url: row.url.clone(),
        mcp_url: base.map(|b| endpoint(&b, "mcp").to_string()).unwrap_or_default(),
        token_key: row.token_key.clone(),
        external_mode: row.external_mode,
        last_test: row.last_test.as_deref().and_then(|t| serde_json::from_str(t).ok()),
        session_server: format!("{SESSION_PREFIX}{}", row.name),
    }
}

/// A failed request as a health check's failure and the error the user reads.
fn failure_of(e: NetError) -> (HealthFailure, ApiError) {
    let (kind, code, m) = match &e {
        NetError::UrlNotAllowed { url, reason } => (
            HealthFailure::Policy,
            ErrorCode::UrlNotAllowed,
            msg!("msg.external.url_refused", url = url, reason = reason),
        ),
        NetError::Dns { url, reason } => {
            (HealthFailure::Dns, ErrorCode::Network, msg!("msg.external.dns", url = url, reason = reason))
        }
        NetError::Tls { url, reason } => {
            (HealthFailure::Tls, ErrorCode::Network, msg!("msg.external.tls", url = url, reason = reason))
        }
        NetError::Timeout { url, seconds } => (
            HealthFailure::Timeout,
            ErrorCode::Timeout,
            msg!("msg.external.timeout", url = url, seconds = seconds),
        ),
        NetError::Connect { url, reason } => (
            HealthFailure::Connect,
            ErrorCode::Network,
            msg!("msg.external.connect", url = url, reason = reason),
        ),
        NetError::Status { url, status } => (
            HealthFailure::Status,
            ErrorCode::Network,
            msg!("msg.external.status", url = url, status = status),
        ),
        NetError::TooLarge { url, .. } => {
            (HealthFailure::Connect, ErrorCode::Network, msg!("msg.external.connect", url = url, reason = &e))
        }
    };
    (kind, ApiError::msg(code, m))
}

impl Berth {
    /// The hosts external gateways may be at (and be redirected to).
    pub async fn external_allowed_hosts(&self) -> Result<Vec<String>, ApiError> {
        Ok(self
            .store
            .setting::<Vec<String>>(ALLOWED_KEY)
            .await?
            .unwrap_or_else(|| DEFAULT_ALLOWED_HOSTS.iter().map(|s| s.to_string()).collect()))
    }

    /// Adds a host pattern (`gw.example.com`, `*.e2b.app`, `127.0.0.1`) and returns the list.
    pub async fn external_allow_add(&self, pattern: &str) -> Result<Vec<String>, ApiError> {
        let pattern = external_url::check_pattern(pattern)?;
        let mut hosts = self.external_allowed_hosts().await?;
        if !hosts.contains(&pattern) {
            hosts.push(pattern);
            self.store.set_setting(ALLOWED_KEY, &hosts).await?;
        }
        Ok(hosts)
    }

    /// Removes a host pattern and returns the list; gateways in external mode it allowed are
    /// turned off, and their sessions' connections follow the new list.
    pub async fn external_allow_remove(&self, pattern: &str) -> Result<Vec<String>, ApiError> {
        let wanted = pattern.trim().to_ascii_lowercase();
        let mut hosts = self.external_allowed_hosts().await?;
        let before = hosts.len();
        hosts.retain(|h| *h != wanted);
        if hosts.len() == before {
            return Err(ApiError::msg(
                ErrorCode::NotFound,
                msg!("msg.external.pattern_unknown", pattern = &wanted),
            ));
        }
        self.store.set_setting(ALLOWED_KEY, &hosts).await?;
        // A gateway in external mode whose host is no longer allowed fails its check at once
        // (before any request), which turns external mode off and records why.
        for row in self.store.external_gateways().await? {
            if row.external_mode && external_url::parse(&row.url, &hosts).is_err() {
                self.external_test(&row.name, None).await?;
            }
        }
        Ok(hosts)
    }

    /// Saves an external gateway: the address is checked (allowlist, URL policy, every address
    /// its name resolves to) before anything is written; the token goes to the keychain and the
    /// database keeps the address and the token's reference. Saving again under the same name
    /// replaces it, untested, with external mode off.
    pub async fn external_add(
        &self,
        name: &str,
        url: &str,
        token: String,
    ) -> Result<ExternalGatewayView, ApiError> {
        check_name(name)?;
        let token = token.trim().to_owned();
        if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ApiError::msg(ErrorCode::Validation, msg!("msg.external.token_invalid")));
        }
        let allowed = self.external_allowed_hosts().await?;
        let base = external_url::parse(url, &allowed)?;
        external_url::resolve(&base, &allowed).await?;
        let key = token_key(name);
        self.set_secret(&key.to_string(), token).await?;
        self.store.put_external_gateway(name, base.as_str(), &key.to_string()).await?;
        self.record_event(
            "external_gateway_added",
            None,
            None,
            &msg!("msg.event.external_added", name = name, url = base.as_str()),
        )
        .await;
        self.external_show(name).await
    }

    pub async fn external_list(&self) -> Result<Vec<ExternalGatewayView>, ApiError> {
        Ok(self.store.external_gateways().await?.iter().map(view).collect())
    }

    pub async fn external_show(&self, name: &str) -> Result<ExternalGatewayView, ApiError> {
        let row = self.store.external_gateway(name).await?.ok_or_else(|| not_found(name))?;
        Ok(view(&row))
    }

    /// Forgets a gateway and its token; its tools leave sessions that open from now on.
    pub async fn external_remove(&self, name: &str) -> Result<bool, ApiError> {
        let Some(row) = self.store.external_gateway(name).await? else { return Ok(false) };
        self.delete_secret(&row.token_key).await?;
        let removed = self.store.delete_external_gateway(name).await?;
        self.record_event(
            "external_gateway_removed",
            None,
            None,
            &msg!("msg.event.external_removed", name = name),
        )
        .await;
        Ok(removed)
    }

    /// Checks a gateway: `GET <url>/healthcheck` with its token, within `timeout` (10 s when
    /// `None`), redirects only within the allowlist. A pass turns external mode on; a failure
    /// turns it off (and says so when it was on). The result is kept with its time.
    pub async fn external_test(
        &self,
        name: &str,
        timeout: Option<Duration>,
    ) -> Result<ExternalGatewayView, ApiError> {
        let row = self.store.external_gateway(name).await?.ok_or_else(|| not_found(name))?;
        let check = self.health_check(&row, timeout.unwrap_or(HEALTH_TIMEOUT)).await;
        let check = HealthCheck { turned_off: row.external_mode && !check.ok, ..check };
        let json = serde_json::to_string(&check).expect("a health check serialises");
        self.store.record_external_test(name, &row.url, &json, check.ok).await?;
        let m = match (&check.error, check.turned_off) {
            (None, _) => msg!("msg.event.external_ok", name = name, latency = check.latency_ms.unwrap_or(0)),
            (Some(e), true) => msg!("msg.event.external_off", name = name, reason = &e.message),
            (Some(e), false) => msg!("msg.event.external_failed", name = name, reason = &e.message),
        };
        let kind = if check.ok { "external_gateway_connected" } else { "external_gateway_failed" };
        self.record_event(kind, None, None, &m).await;
        self.external_show(name).await
    }

    async fn health_check(&self, row: &berth_store::ExternalGatewayRow, timeout: Duration) -> HealthCheck {
        let mut check = HealthCheck {
            ok: false,
            status: None,
            latency_ms: None,
            failure: None,
            error: None,
            tested_at: self.clock.now_ms(),
            turned_off: false,
        };
        let fail = |mut c: HealthCheck, kind: HealthFailure, e: ApiError| {
            c.failure = Some(kind);
            c.error = Some(e);
            c
        };
        let allowed = match self.external_allowed_hosts().await {
            Ok(a) => a,
            Err(e) => return fail(check, HealthFailure::Policy, e),
        };
        // The address is judged by today's allowlist and today's DNS, not the day it was saved.
        let base = match external_url::parse(&row.url, &allowed) {
            Ok(b) => b,
            Err(e) => return fail(check, HealthFailure::Policy, e),
        };
        if let Err(e) = external_url::resolve(&base, &allowed).await {
            let kind = if e.code == ErrorCode::Network { HealthFailure::Dns } else { HealthFailure::Policy };
            return fail(check, kind, e);
        }
        let token = match self.external_token(&row.token_key).await {
            Ok(t) => t,
            Err(e) => return fail(check, HealthFailure::Token, e),
        };
        let url = endpoint(&base, "healthcheck");
        let client = HttpClient::new(external_url::policy(&allowed));
        match client.probe(&url, &token, timeout).await {
            Err(e) => {
                let (kind, err) = failure_of(e);
                fail(check, kind, err)
            }
            Ok(probe) => {
                check.status = Some(probe.status);
                check.latency_ms = Some(probe.latency_ms);
                let shown = berth_net::redacted(&url);
                let status = probe.status;
                let (kind, m) = match status {
                    200..=299 => {
                        check.ok = true;
                        return check;
                    }
                    401 | 403 => (
                        HealthFailure::Unauthorized,
                        msg!("msg.external.unauthorized", url = &shown, status = status),
                    ),
                    500..=599 => (
                        HealthFailure::ServerError,
                        msg!("msg.external.server_error", url = &shown, status = status),
                    ),
                    _ => (HealthFailure::Status, msg!("msg.external.status", url = &shown, status = status)),
                };
                let code = if kind == HealthFailure::Unauthorized {
                    ErrorCode::AuthRequired
                } else {
                    ErrorCode::Network
                };
                fail(check, kind, ApiError::msg(code, m))
            }
        }
    }

    async fn external_token(&self, key: &str) -> Result<String, ApiError> {
        let k = SecretKey::parse(key)?;
        let shown = key.to_owned();
        match self.with_secrets(move |s| s.get(&k)).await? {
            Some(v) => Ok(v.expose().to_owned()),
            None => Err(ApiError::msg(ErrorCode::NotFound, msg!("msg.external.token_missing", key = shown))),
        }
    }

    /// The gateways in external mode as the servers a session starts with: each one's entry,
    /// its token (for this run only), and settings that hold its connection to the allowlist.
    pub(crate) async fn external_sources(&self) -> Vec<String> {
        match self.store.external_gateways().await {
            Ok(rows) => rows
                .into_iter()
                .filter(|r| r.external_mode)
                .map(|r| format!("{SESSION_PREFIX}{}", r.name))
                .collect(),
            Err(e) => {
                tracing::warn!("could not read the external gateways: {e}");
                Vec::new()
            }
        }
    }

    /// The entry a session runs for `ext:<name>` and the settings that hold its connection to
    /// the allowlist; `None` when the name is not an external gateway's. One not in external
    /// mode is an error that says so. The token stays in the keychain until the start reads it
    /// ([`Berth::external_secrets`]).
    pub(crate) async fn external_entry(&self, server: &str) -> Option<Result<ExternalEntry, ApiError>> {
        let name = server.strip_prefix(SESSION_PREFIX)?;
        Some(self.external_entry_of(name).await)
    }

    /// The secret values an external gateway's entry needs: its token, for this start only.
    pub(crate) async fn external_secrets(
        &self,
        entry: &ExternalEntry,
    ) -> Result<HashMap<String, String>, ApiError> {
        let token = self.external_token(&entry.token_key).await?;
        Ok(HashMap::from([(TOKEN_SECRET.to_owned(), token)]))
    }

    async fn external_entry_of(&self, name: &str) -> Result<ExternalEntry, ApiError> {
        let row = self.store.external_gateway(name).await?.ok_or_else(|| not_found(name))?;
        if !row.external_mode {
            return Err(ApiError::msg(ErrorCode::Conflict, msg!("msg.external.mode_off", name = name)));
        }
        let allowed = self.external_allowed_hosts().await?;
        let base = external_url::parse(&row.url, &allowed)?;
        let server = format!("{SESSION_PREFIX}{name}");
        let item = CatalogItem {
            name: server.clone(),
            title: name.to_owned(),
            description: row.url.clone(),
            translations: Default::default(),
            category: None,
            tags: vec!["external-gateway".into()],
            icon: None,
            homepage: None,
            launch: Launch::Remote(RemoteSpec {
                url: endpoint(&base, "mcp").to_string(),
                transport: Transport::StreamableHttp,
                headers: [("Authorization".to_owned(), "Bearer ${EXTERNAL_GATEWAY_TOKEN}".to_owned())].into(),
            }),
            secrets: vec![SecretSpec {
                name: TOKEN_SECRET.into(),
                env: "EXTERNAL_GATEWAY_TOKEN".into(),
                description: Some("The external gateway's bearer token".into()),
                example: None,
                required: true,
            }],
            config_schema: None,
            oauth: None,
            tools: Vec::new(),
            source: "external".into(),
        };
        let settings = ServerSettings { allowed_hosts: Some(allowed), ..Default::default() };
        Ok(ExternalEntry { item, settings, token_key: row.token_key })
    }
}
