//! Docker's entries converted into [`CatalogItem`]s: launch, secrets, OAuth, tools, environment
//! and the configuration schema, each checked on the way.

use std::collections::BTreeMap;

use serde_yaml_ng::Value;

use super::entries::*;
use super::scalar_string;
use crate::import::common::{validate, yaml_to_json};
use crate::{
    CatalogItem, ContainerSpec, EnvVar, Launch, NetworkPolicy, OAuthProvider, OAuthSpec, RemoteSpec,
    SecretSpec, ToolSummary, Transport,
};

fn transport(t: Option<&str>) -> Result<Transport, String> {
    match t.unwrap_or("streamable-http") {
        "http" | "streamable-http" | "streamable_http" | "streamableHttp" => Ok(Transport::StreamableHttp),
        "sse" => Ok(Transport::Sse),
        other => Err(format!("unknown remote transport {other:?} (expected streamable-http or sse)")),
    }
}

fn secrets(list: Option<Vec<SecretEntry>>) -> Vec<SecretSpec> {
    list.unwrap_or_default()
        .into_iter()
        .map(|s| SecretSpec {
            name: s.name,
            env: s.env,
            description: s.description,
            example: s.example.as_ref().map(scalar_string),
            required: s.required.unwrap_or(true),
        })
        .collect()
}

fn oauth(o: Option<OAuthEntry>) -> Option<OAuthSpec> {
    let (providers, scopes) = match o? {
        OAuthEntry::Providers(p) => (p, Vec::new()),
        OAuthEntry::Spec { providers, scopes } => (providers, scopes.unwrap_or_default()),
    };
    Some(OAuthSpec {
        providers: providers
            .into_iter()
            .map(|p| OAuthProvider { provider: p.provider, secret: p.secret, env: p.env })
            .collect(),
        scopes,
    })
}

fn tools(t: Option<Vec<ToolEntry>>) -> Vec<ToolSummary> {
    t.unwrap_or_default()
        .into_iter()
        .map(|t| ToolSummary { name: t.name, description: t.description })
        .collect()
}

fn env(list: Option<Vec<EnvEntry>>) -> Vec<EnvVar> {
    list.unwrap_or_default()
        .into_iter()
        .filter_map(|e| e.value.map(|v| EnvVar { name: e.name, value: scalar_string(&v) }))
        .collect()
}

/// Builds the launch spec shared by both formats.
#[allow(clippy::too_many_arguments)]
fn launch(
    kind: Option<&str>,
    image: Option<String>,
    remote: Option<RemoteEntry>,
    sse_endpoint: Option<String>,
    container: ContainerSpec,
) -> Result<Launch, String> {
    match kind.unwrap_or(if remote.is_some() || sse_endpoint.is_some() { "remote" } else { "server" }) {
        "remote" => {
            let r = match (remote, sse_endpoint) {
                (Some(r), _) => RemoteSpec {
                    url: r.url,
                    transport: transport(r.transport_type.as_deref())?,
                    headers: r.headers.unwrap_or_default(),
                },
                (None, Some(url)) => RemoteSpec { url, transport: Transport::Sse, headers: BTreeMap::new() },
                (None, None) => return Err("type is remote but there is no remote.url".into()),
            };
            Ok(Launch::Remote(r))
        }
        "server" => match image {
            Some(image) => Ok(Launch::Container(ContainerSpec { image, ..container })),
            None => Err("no image and no remote endpoint: an item needs one of them".into()),
        },
        "poci" => Err("type poci (a container per tool) is not supported yet".into()),
        other => Err(format!("unknown type {other:?} (expected server or remote)")),
    }
}

pub(super) fn catalog_entry(key: &str, e: CatalogEntry) -> Result<CatalogItem, String> {
    let name = e.name.clone().unwrap_or_else(|| key.to_owned());
    if name != key {
        return Err(format!("the entry's name {name:?} differs from its key {key:?}"));
    }
    let container = ContainerSpec {
        image: String::new(),
        command: e.command.unwrap_or_default(),
        env: env(e.env),
        volumes: e.volumes.unwrap_or_default(),
        network: NetworkPolicy {
            disabled: e.disable_network.unwrap_or(false),
            allowed_hosts: e.allow_hosts.unwrap_or_default(),
        },
        user: e.user,
        long_lived: e.long_lived.unwrap_or(false),
    };
    let launch = launch(e.kind.as_deref(), e.image, e.remote, e.sse_endpoint, container)?;
    let config_schema = match e.config {
        Some(list) if !list.is_empty() => Some(config_schema(list)?),
        _ => None,
    };
    let meta = e.metadata.unwrap_or_default();
    let item = CatalogItem {
        title: e.title.unwrap_or_else(|| name.clone()),
        description: e.description.unwrap_or_default(),
        translations: e.translations.unwrap_or_default(),
        category: meta.category,
        tags: meta.tags.unwrap_or_default(),
        icon: e.icon,
        homepage: e.readme,
        launch,
        secrets: secrets(e.secrets),
        config_schema,
        oauth: oauth(e.oauth),
        tools: tools(e.tools),
        source: String::new(),
        name,
    };
    validate(&item)?;
    Ok(item)
}

/// Docker catalogs give config as a list of object schemas named after the server; Berth keeps
/// one JSON Schema: the single object, or all of them combined.
fn config_schema(list: Vec<Value>) -> Result<serde_json::Value, String> {
    let mut schemas = Vec::new();
    for v in list {
        let mut json = yaml_to_json(v)?;
        if let Some(obj) = json.as_object_mut() {
            obj.remove("name");
            obj.entry("type").or_insert_with(|| "object".into());
        } else {
            return Err("a config entry is not an object schema".into());
        }
        schemas.push(json);
    }
    Ok(if schemas.len() == 1 { schemas.remove(0) } else { serde_json::json!({ "allOf": schemas }) })
}

pub(super) fn server_entry(s: ServerYaml) -> Result<CatalogItem, String> {
    let name = s.name.ok_or("the entry has no name")?;
    let about = s.about.unwrap_or_default();
    let run = s.run.unwrap_or_default();
    let config = s.config.unwrap_or_default();
    let mut env_vars: Vec<EnvVar> = run
        .env
        .unwrap_or_default()
        .into_iter()
        .map(|(name, v)| EnvVar { name, value: scalar_string(&v) })
        .collect();
    env_vars.extend(env(config.env));
    let container = ContainerSpec {
        image: String::new(),
        command: run.command.unwrap_or_default(),
        env: env_vars,
        volumes: run.volumes.unwrap_or_default(),
        network: NetworkPolicy {
            disabled: run.disable_network.unwrap_or(false),
            allowed_hosts: run.allow_hosts.unwrap_or_default(),
        },
        user: run.user,
        long_lived: s.long_lived.unwrap_or(false),
    };
    let launch = launch(s.kind.as_deref(), s.image, s.remote, None, container)?;
    let config_schema = match (config.parameters, config.properties) {
        (Some(p), _) => Some(with_description(yaml_to_json(p)?, config.description.as_deref())),
        (None, Some(props)) => {
            let mut schema = serde_json::json!({ "type": "object", "properties": yaml_to_json(props)? });
            if let Some(req) = config.required {
                schema["required"] = yaml_to_json(req)?;
            }
            let _ = config.kind;
            Some(with_description(schema, config.description.as_deref()))
        }
        (None, None) => None,
    };
    let meta = s.meta.unwrap_or_default();
    let item = CatalogItem {
        title: about.title.unwrap_or_else(|| name.clone()),
        description: about.description.unwrap_or_default(),
        translations: s.translations.unwrap_or_default(),
        category: meta.category,
        tags: meta.tags.unwrap_or_default(),
        icon: about.icon,
        homepage: s.source.and_then(|s| s.project),
        launch,
        secrets: secrets(config.secrets),
        config_schema,
        oauth: oauth(s.oauth),
        tools: tools(s.tools),
        source: String::new(),
        name,
    };
    validate(&item)?;
    Ok(item)
}

fn with_description(mut schema: serde_json::Value, description: Option<&str>) -> serde_json::Value {
    if let (Some(d), Some(obj)) = (description, schema.as_object_mut()) {
        obj.entry("description").or_insert_with(|| d.into());
    }
    schema
}
