//! The catalog model: what Berth knows about an MCP server before it is installed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One MCP server a catalog offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct CatalogItem {
    /// Unique name within the catalog (`github-official`).
    pub name: String,
    pub title: String,
    pub description: String,
    /// Translations of title and description by language code (`ja`).
    pub translations: BTreeMap<String, Translation>,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub icon: Option<String>,
    /// Where the server's source lives.
    pub homepage: Option<String>,
    pub launch: Launch,
    /// Secrets the server needs, injected as environment variables or referenced by headers.
    pub secrets: Vec<SecretSpec>,
    /// JSON Schema (an object schema) of the user's configuration, when the server has one.
    pub config_schema: Option<serde_json::Value>,
    pub oauth: Option<OAuthSpec>,
    /// Tools, when the catalog lists them.
    pub tools: Vec<ToolSummary>,
    /// The catalog source this item came from (set when sources are merged).
    #[serde(default)]
    pub source: String,
}

/// A title and description in another language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Translation {
    pub title: Option<String>,
    pub description: Option<String>,
}

/// How the server runs: a container, a remote endpoint, or a package Berth cannot run yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Launch {
    Container(ContainerSpec),
    Remote(RemoteSpec),
    /// Only non-OCI packages (npm, PyPI, NuGet, ...): listed, but not runnable in a container yet.
    Package(PackageSpec),
}

/// The coarse kind of an item, for filters and badges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Container,
    Remote,
    Package,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ContainerSpec {
    /// Image reference, by tag or digest.
    pub image: String,
    pub command: Vec<String>,
    /// Fixed environment; values may hold `{{name.property}}` config references.
    pub env: Vec<EnvVar>,
    /// Bind mounts `host:container[:ro|rw]`; may hold config references.
    pub volumes: Vec<String>,
    pub network: NetworkPolicy,
    pub user: Option<String>,
    pub long_lived: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NetworkPolicy {
    /// No network at all.
    pub disabled: bool,
    /// `host:port` entries the server may reach; empty means no restriction is declared.
    pub allowed_hosts: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RemoteSpec {
    pub url: String,
    pub transport: Transport,
    /// Headers to send; values may reference secrets as `${secret.name}` or `$ENV`.
    pub headers: BTreeMap<String, String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    StreamableHttp,
    Sse,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PackageSpec {
    pub packages: Vec<PackageRef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PackageRef {
    /// `npm`, `pypi`, `nuget`, `mcpb`, ...
    pub registry_type: String,
    pub identifier: String,
    pub version: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SecretSpec {
    /// Catalog-wide secret name (`github.personal_access_token`); secrets with the same name are
    /// shared between servers.
    pub name: String,
    /// Environment variable the value is injected as.
    pub env: String,
    pub description: Option<String>,
    pub example: Option<String>,
    pub required: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OAuthSpec {
    pub providers: Vec<OAuthProvider>,
    pub scopes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OAuthProvider {
    pub provider: String,
    /// The secret the token is stored as.
    pub secret: Option<String>,
    pub env: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ToolSummary {
    pub name: String,
    pub description: Option<String>,
}

impl CatalogItem {
    pub fn kind(&self) -> ItemKind {
        match self.launch {
            Launch::Container(_) => ItemKind::Container,
            Launch::Remote(_) => ItemKind::Remote,
            Launch::Package(_) => ItemKind::Package,
        }
    }
}

impl Launch {
    /// Whether a container runs it (rather than a remote endpoint or a package).
    pub fn is_container(&self) -> bool {
        matches!(self, Launch::Container(_))
    }
}

impl CatalogItem {
    /// Whether Berth can run or connect to it today.
    pub fn runnable(&self) -> bool {
        !matches!(self.launch, Launch::Package(_))
    }

    pub fn needs_oauth(&self) -> bool {
        self.oauth.as_ref().is_some_and(|o| !o.providers.is_empty())
    }

    /// Whether the entry is published by the vendor it is named after: the image lives under the
    /// vendor's namespace (`ghcr.io/github/...` for `github-official`) or the endpoint is on the
    /// vendor's domain (`mcp.notion.com` for `notion-remote`).
    pub fn first_party(&self) -> bool {
        let vendor = self.name.rsplit('/').next().unwrap_or(&self.name);
        let vendor = vendor.split(['-', '_', '.']).next().unwrap_or(vendor).to_ascii_lowercase();
        if vendor.len() < 3 || vendor == "mcp" {
            return false;
        }
        match &self.launch {
            Launch::Container(c) => {
                let path = c.image.split(['@', ':']).next().unwrap_or("");
                let mut segments: Vec<&str> = path.split('/').collect();
                segments.pop(); // the repository name itself says nothing about who publishes it
                segments.iter().any(|s| s.eq_ignore_ascii_case(&vendor))
            }
            Launch::Remote(r) => url::Url::parse(&r.url)
                .ok()
                .and_then(|u| {
                    u.host_str().map(|h| h.split('.').any(|label| label.eq_ignore_ascii_case(&vendor)))
                })
                .unwrap_or(false),
            Launch::Package(_) => false,
        }
    }

    /// Whether the entry says it is archived or deprecated.
    pub fn retired(&self) -> bool {
        let t = format!("{} {}", self.title, self.description).to_ascii_lowercase();
        t.contains("(archived)") || t.contains("deprecated")
    }

    /// The title and description in `lang`, falling back to the catalog's own text.
    pub fn localized(&self, lang: &str) -> (&str, &str) {
        let t = self.translations.get(lang);
        (
            t.and_then(|t| t.title.as_deref()).unwrap_or(&self.title),
            t.and_then(|t| t.description.as_deref()).unwrap_or(&self.description),
        )
    }
}
