//! The serde shapes of Docker's catalog entry and `server.yaml`, as the spec and the real
//! registry write them; converted into [`crate::CatalogItem`]s in `convert`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_yaml_ng::Value;

use crate::Translation;

#[derive(Deserialize)]
pub(super) struct CatalogFile {
    pub(super) registry: serde_yaml_ng::Mapping,
    #[serde(flatten)]
    #[allow(dead_code)]
    pub(super) header: CatalogHeader,
}

/// A `registry:` entry of a Docker catalog.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct CatalogEntry {
    pub(super) name: Option<String>,
    pub(super) title: Option<String>,
    pub(super) description: Option<String>,
    #[serde(rename = "type")]
    pub(super) kind: Option<String>,
    pub(super) image: Option<String>,
    pub(super) icon: Option<String>,
    pub(super) readme: Option<String>,
    pub(super) command: Option<Vec<String>>,
    pub(super) volumes: Option<Vec<String>>,
    pub(super) user: Option<String>,
    pub(super) long_lived: Option<bool>,
    pub(super) remote: Option<RemoteEntry>,
    pub(super) sse_endpoint: Option<String>,
    pub(super) secrets: Option<Vec<SecretEntry>>,
    pub(super) oauth: Option<OAuthEntry>,
    pub(super) env: Option<Vec<EnvEntry>>,
    pub(super) disable_network: Option<bool>,
    pub(super) allow_hosts: Option<Vec<String>>,
    pub(super) tools: Option<Vec<ToolEntry>>,
    pub(super) config: Option<Vec<Value>>,
    pub(super) metadata: Option<Metadata>,
    pub(super) translations: Option<BTreeMap<String, Translation>>,
    // Known, not used by Berth.
    #[allow(dead_code)]
    pub(super) prompts: Option<Value>,
    #[allow(dead_code)]
    pub(super) resources: Option<Value>,
    #[allow(dead_code)]
    #[serde(rename = "ref")]
    pub(super) reference: Option<Value>,
    #[allow(dead_code)]
    pub(super) dynamic: Option<Value>,
}

/// Docker's per-server `server.yaml`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct ServerYaml {
    pub(super) name: Option<String>,
    #[serde(rename = "type")]
    pub(super) kind: Option<String>,
    pub(super) image: Option<String>,
    pub(super) meta: Option<Metadata>,
    pub(super) about: Option<About>,
    pub(super) source: Option<Source>,
    pub(super) run: Option<Run>,
    pub(super) config: Option<ServerConfig>,
    pub(super) remote: Option<RemoteEntry>,
    pub(super) oauth: Option<OAuthEntry>,
    pub(super) long_lived: Option<bool>,
    pub(super) tools: Option<Vec<ToolEntry>>,
    pub(super) translations: Option<BTreeMap<String, Translation>>,
    #[allow(dead_code)]
    pub(super) dynamic: Option<Value>,
    #[allow(dead_code)]
    pub(super) requirement: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct Metadata {
    pub(super) category: Option<String>,
    pub(super) tags: Option<Vec<String>>,
    #[allow(dead_code)]
    pub(super) pulls: Option<Value>,
    #[allow(dead_code)]
    pub(super) stars: Option<Value>,
    #[allow(dead_code)]
    pub(super) github_stars: Option<Value>,
    #[allow(dead_code)]
    pub(super) license: Option<Value>,
    #[allow(dead_code)]
    pub(super) owner: Option<Value>,
}

#[derive(Deserialize, Default)]
pub(super) struct About {
    pub(super) title: Option<String>,
    pub(super) description: Option<String>,
    pub(super) icon: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct Source {
    pub(super) project: Option<String>,
    #[allow(dead_code)]
    pub(super) commit: Option<Value>,
    #[allow(dead_code)]
    pub(super) directory: Option<Value>,
    #[allow(dead_code)]
    pub(super) dockerfile: Option<Value>,
    #[allow(dead_code)]
    pub(super) branch: Option<Value>,
    #[allow(dead_code)]
    pub(super) upstream: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct Run {
    pub(super) command: Option<Vec<String>>,
    pub(super) env: Option<BTreeMap<String, Value>>,
    pub(super) volumes: Option<Vec<String>>,
    pub(super) disable_network: Option<bool>,
    pub(super) allow_hosts: Option<Vec<String>>,
    pub(super) user: Option<String>,
    #[allow(dead_code)]
    pub(super) ports: Option<Value>,
}

#[derive(Deserialize, Default)]
pub(super) struct ServerConfig {
    pub(super) description: Option<String>,
    pub(super) secrets: Option<Vec<SecretEntry>>,
    pub(super) env: Option<Vec<EnvEntry>>,
    pub(super) parameters: Option<Value>,
    // One registry entry writes its schema inline instead of under `parameters`.
    #[serde(rename = "type")]
    pub(super) kind: Option<Value>,
    pub(super) properties: Option<Value>,
    pub(super) required: Option<Value>,
    #[allow(dead_code)]
    pub(super) volumes: Option<Value>,
}

#[derive(Deserialize)]
pub(super) struct RemoteEntry {
    pub(super) url: String,
    pub(super) transport_type: Option<String>,
    pub(super) headers: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
pub(super) struct SecretEntry {
    pub(super) name: String,
    pub(super) env: String,
    pub(super) example: Option<Value>,
    pub(super) description: Option<String>,
    pub(super) required: Option<bool>,
}

#[derive(Deserialize)]
pub(super) struct EnvEntry {
    pub(super) name: String,
    pub(super) value: Option<Value>,
    #[allow(dead_code)]
    pub(super) example: Option<Value>,
    #[allow(dead_code)]
    pub(super) description: Option<Value>,
    #[allow(dead_code)]
    pub(super) default: Option<Value>,
    #[allow(dead_code)]
    pub(super) required: Option<Value>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum OAuthEntry {
    /// `server.yaml`: a list of providers.
    Providers(Vec<ProviderEntry>),
    /// Catalog spec: `{providers, scopes}`.
    Spec { providers: Vec<ProviderEntry>, scopes: Option<Vec<String>> },
}

#[derive(Deserialize)]
pub(super) struct ProviderEntry {
    pub(super) provider: String,
    pub(super) secret: Option<String>,
    pub(super) env: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct ToolEntry {
    pub(super) name: String,
    pub(super) description: Option<String>,
}

/// The top level of a catalog without its `registry:` body (the legacy v2 header); read so it is
/// not reported as unknown.
#[derive(Deserialize)]
pub(super) struct CatalogHeader {
    #[allow(dead_code)]
    version: Option<Value>,
    #[allow(dead_code)]
    name: Option<String>,
    #[allow(dead_code)]
    #[serde(rename = "displayName")]
    display_name: Option<String>,
}
