//! Docker's formats: the catalog YAML (`registry: {name: entry}`) and the per-server
//! `server.yaml` of Docker's MCP registry. Both map onto the same [`CatalogItem`].

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_yaml::Value;

use super::common::{validate, yaml_to_json};
use crate::{
    CatalogError, CatalogItem, ContainerSpec, EnvVar, ImportReport, Launch, NetworkPolicy, OAuthProvider,
    OAuthSpec, RemoteSpec, SecretSpec, ToolSummary, Translation, Transport,
};

#[derive(Deserialize)]
struct CatalogFile {
    registry: serde_yaml::Mapping,
    #[serde(flatten)]
    #[allow(dead_code)]
    header: CatalogHeader,
}

/// A `registry:` entry of a Docker catalog.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CatalogEntry {
    name: Option<String>,
    title: Option<String>,
    description: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    image: Option<String>,
    icon: Option<String>,
    readme: Option<String>,
    command: Option<Vec<String>>,
    volumes: Option<Vec<String>>,
    user: Option<String>,
    long_lived: Option<bool>,
    remote: Option<RemoteEntry>,
    sse_endpoint: Option<String>,
    secrets: Option<Vec<SecretEntry>>,
    oauth: Option<OAuthEntry>,
    env: Option<Vec<EnvEntry>>,
    disable_network: Option<bool>,
    allow_hosts: Option<Vec<String>>,
    tools: Option<Vec<ToolEntry>>,
    config: Option<Vec<Value>>,
    metadata: Option<Metadata>,
    translations: Option<BTreeMap<String, Translation>>,
    // Known, not used by Berth.
    #[allow(dead_code)]
    prompts: Option<Value>,
    #[allow(dead_code)]
    resources: Option<Value>,
    #[allow(dead_code)]
    #[serde(rename = "ref")]
    reference: Option<Value>,
    #[allow(dead_code)]
    dynamic: Option<Value>,
}

/// Docker's per-server `server.yaml`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ServerYaml {
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    image: Option<String>,
    meta: Option<Metadata>,
    about: Option<About>,
    source: Option<Source>,
    run: Option<Run>,
    config: Option<ServerConfig>,
    remote: Option<RemoteEntry>,
    oauth: Option<OAuthEntry>,
    long_lived: Option<bool>,
    tools: Option<Vec<ToolEntry>>,
    translations: Option<BTreeMap<String, Translation>>,
    #[allow(dead_code)]
    dynamic: Option<Value>,
    #[allow(dead_code)]
    requirement: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    category: Option<String>,
    tags: Option<Vec<String>>,
    #[allow(dead_code)]
    pulls: Option<Value>,
    #[allow(dead_code)]
    stars: Option<Value>,
    #[allow(dead_code)]
    github_stars: Option<Value>,
    #[allow(dead_code)]
    license: Option<Value>,
    #[allow(dead_code)]
    owner: Option<Value>,
}

#[derive(Deserialize, Default)]
struct About {
    title: Option<String>,
    description: Option<String>,
    icon: Option<String>,
}

#[derive(Deserialize, Default)]
struct Source {
    project: Option<String>,
    #[allow(dead_code)]
    commit: Option<Value>,
    #[allow(dead_code)]
    directory: Option<Value>,
    #[allow(dead_code)]
    dockerfile: Option<Value>,
    #[allow(dead_code)]
    branch: Option<Value>,
    #[allow(dead_code)]
    upstream: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Run {
    command: Option<Vec<String>>,
    env: Option<BTreeMap<String, Value>>,
    volumes: Option<Vec<String>>,
    disable_network: Option<bool>,
    allow_hosts: Option<Vec<String>>,
    user: Option<String>,
    #[allow(dead_code)]
    ports: Option<Value>,
}

#[derive(Deserialize, Default)]
struct ServerConfig {
    description: Option<String>,
    secrets: Option<Vec<SecretEntry>>,
    env: Option<Vec<EnvEntry>>,
    parameters: Option<Value>,
    // One registry entry writes its schema inline instead of under `parameters`.
    #[serde(rename = "type")]
    kind: Option<Value>,
    properties: Option<Value>,
    required: Option<Value>,
    #[allow(dead_code)]
    volumes: Option<Value>,
}

#[derive(Deserialize)]
struct RemoteEntry {
    url: String,
    transport_type: Option<String>,
    headers: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct SecretEntry {
    name: String,
    env: String,
    example: Option<Value>,
    description: Option<String>,
    required: Option<bool>,
}

#[derive(Deserialize)]
struct EnvEntry {
    name: String,
    value: Option<Value>,
    #[allow(dead_code)]
    example: Option<Value>,
    #[allow(dead_code)]
    description: Option<Value>,
    #[allow(dead_code)]
    default: Option<Value>,
    #[allow(dead_code)]
    required: Option<Value>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OAuthEntry {
    /// `server.yaml`: a list of providers.
    Providers(Vec<ProviderEntry>),
    /// Catalog spec: `{providers, scopes}`.
    Spec { providers: Vec<ProviderEntry>, scopes: Option<Vec<String>> },
}

#[derive(Deserialize)]
struct ProviderEntry {
    provider: String,
    secret: Option<String>,
    env: Option<String>,
}

#[derive(Deserialize)]
struct ToolEntry {
    name: String,
    description: Option<String>,
}

fn scalar_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
        other => serde_yaml::to_string(other).unwrap_or_default().trim().to_owned(),
    }
}

fn syntax(e: serde_yaml::Error) -> CatalogError {
    CatalogError::Syntax { format: "YAML", reason: e.to_string() }
}

/// Deserialises `value` as `T`, collecting the paths of fields Berth does not know.
fn typed<T: for<'de> Deserialize<'de>>(value: Value) -> Result<(T, Vec<String>), String> {
    let mut unknown = Vec::new();
    let t = serde_ignored::deserialize(value, |path| unknown.push(path.to_string()))
        .map_err(|e| e.to_string())?;
    Ok((t, unknown))
}

/// The top level of a catalog without its `registry:` body (the legacy v2 header); read so it is
/// not reported as unknown.
#[derive(Deserialize)]
struct CatalogHeader {
    #[allow(dead_code)]
    version: Option<Value>,
    #[allow(dead_code)]
    name: Option<String>,
    #[allow(dead_code)]
    #[serde(rename = "displayName")]
    display_name: Option<String>,
}

/// Below this many entries a catalog is parsed on the calling thread.
const PARALLEL_FROM: usize = 256;

/// Imports a Docker catalog (`registry:` map).
pub fn import_catalog(text: &str) -> Result<ImportReport, CatalogError> {
    if let Some(split) = super::split::split_registry(text)
        && let Some(report) = import_split(split)?
    {
        return Ok(report);
    }
    import_whole(text)
}

/// One entry parsed on its own: its key, the item or why not, and fields Berth ignored.
type Parsed = (String, Result<CatalogItem, String>, Vec<String>);

/// Parses the entries of a split catalog, in parallel when there are many. `Ok(None)` asks for the
/// whole-document parse instead (an entry refers to an anchor defined in another entry).
fn import_split(split: super::split::Split<'_>) -> Result<Option<ImportReport>, CatalogError> {
    let mut report = ImportReport::default();
    if !split.header.trim().is_empty() {
        let mut unknown = Vec::new();
        let header: Option<CatalogHeader> =
            serde_ignored::deserialize(serde_yaml::Deserializer::from_str(&split.header), |p| {
                unknown.push(p.to_string())
            })
            .map_err(syntax)?;
        if header.is_some() && !unknown.is_empty() {
            report.warn("catalog", format!("ignored unknown top-level fields: {}", unknown.join(", ")));
        }
    }
    let parse_one = |chunk: &super::split::Chunk<'_>| parse_entry_text(&chunk.text(), chunk.line);
    let parsed: Vec<Parsed> = crate::parallel::map(&split.entries, PARALLEL_FROM, parse_one);
    if parsed.iter().any(|(_, r, _)| matches!(r, Err(e) if e.contains("anchor"))) {
        return Ok(None);
    }
    for (key, item, unknown) in parsed {
        report.record(key, item, unknown);
    }
    Ok(Some(report))
}

/// Parses one entry given as a one-key YAML mapping (`name:` + its fields). Both the split and the
/// whole-document paths go through here, so they read entries identically.
fn parse_entry_text(text: &str, line: usize) -> Parsed {
    let key = text.split(':').next().unwrap_or_default().trim().trim_matches(['"', '\'']).to_owned();
    let mut unknown = Vec::new();
    let parsed: Result<BTreeMap<String, CatalogEntry>, _> =
        serde_ignored::deserialize(serde_yaml::Deserializer::from_str(text), |p| unknown.push(p.to_string()));
    match parsed {
        Ok(map) => match map.into_iter().next() {
            Some((key, entry)) => {
                let item = catalog_entry(&key, entry);
                // Paths start with the entry's key; drop it from the message.
                let unknown = unknown
                    .into_iter()
                    .map(|p| p.split_once('.').map_or(p.clone(), |(_, r)| r.to_owned()))
                    .collect();
                (key, item, unknown)
            }
            None => (key, Err("the entry is empty".into()), Vec::new()),
        },
        Err(e) if line > 0 => (key, Err(format!("line {line}: {e}")), Vec::new()),
        Err(e) => (key, Err(e.to_string()), Vec::new()),
    }
}

/// Parses the whole document at once: for catalogs not in the simple block shape.
pub(crate) fn import_whole(text: &str) -> Result<ImportReport, CatalogError> {
    let file: CatalogFile = serde_yaml::from_str(text).map_err(syntax)?;
    let mut report = ImportReport::default();
    for (i, (key, value)) in file.registry.into_iter().enumerate() {
        if !key.is_string() {
            report.reject(format!("#{i}"), "the entry's key is not a string");
            continue;
        }
        let mut one = serde_yaml::Mapping::new();
        one.insert(key, value);
        let text = serde_yaml::to_string(&one).map_err(syntax)?;
        let (key, item, unknown) = parse_entry_text(&text, 0);
        report.record(key, item, unknown);
    }
    Ok(report)
}

/// Imports one `server.yaml`.
pub fn import_server(text: &str) -> Result<ImportReport, CatalogError> {
    let value: Value = serde_yaml::from_str(text).map_err(syntax)?;
    let mut report = ImportReport::default();
    let label = value.get("name").and_then(Value::as_str).unwrap_or("server.yaml").to_owned();
    match typed::<ServerYaml>(value) {
        Ok((s, unknown)) => report.record(label, server_entry(s), unknown),
        Err(e) => report.reject(label, e),
    }
    Ok(report)
}

/// Reads a registry entry's `tools.json` (a list of MCP tool definitions).
pub fn parse_tools_json(bytes: &[u8]) -> Result<Vec<ToolSummary>, CatalogError> {
    #[derive(Deserialize)]
    struct Tool {
        name: String,
        description: Option<String>,
    }
    let tools: Vec<Tool> = serde_json::from_slice(bytes)
        .map_err(|e| CatalogError::Syntax { format: "JSON", reason: e.to_string() })?;
    Ok(tools.into_iter().map(|t| ToolSummary { name: t.name, description: t.description }).collect())
}

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

fn catalog_entry(key: &str, e: CatalogEntry) -> Result<CatalogItem, String> {
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

fn server_entry(s: ServerYaml) -> Result<CatalogItem, String> {
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
