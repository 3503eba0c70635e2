//! The official MCP Registry formats: `server.json` (schema 2025-12-11) and the registry API's
//! paged list response. OCI packages become container items, `remotes` become remote items, and
//! servers with only other packages (npm, PyPI, NuGet, ...) are kept as not runnable yet.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::common::validate;
use crate::{
    CatalogError, CatalogItem, ContainerSpec, EnvVar, ImportReport, Launch, PackageRef, PackageSpec,
    RemoteSpec, SecretSpec, Transport,
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ServerJson {
    name: String,
    title: Option<String>,
    #[serde(default)]
    description: String,
    version: Option<String>,
    repository: Option<Repository>,
    website_url: Option<String>,
    #[serde(default)]
    icons: Vec<Icon>,
    #[serde(default)]
    packages: Vec<Package>,
    #[serde(default)]
    remotes: Vec<Remote>,
    #[serde(rename = "$schema")]
    #[allow(dead_code)]
    schema: Option<String>,
    #[serde(rename = "_meta")]
    #[allow(dead_code)]
    meta: Option<Value>,
}

#[derive(Deserialize)]
struct Repository {
    url: Option<String>,
    #[allow(dead_code)]
    source: Option<String>,
    #[allow(dead_code)]
    subfolder: Option<String>,
    #[allow(dead_code)]
    id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Icon {
    src: String,
    #[allow(dead_code)]
    mime_type: Option<String>,
    #[allow(dead_code)]
    sizes: Option<Vec<String>>,
    #[allow(dead_code)]
    theme: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    registry_type: String,
    identifier: String,
    version: Option<String>,
    #[serde(default)]
    environment_variables: Vec<Input>,
    #[allow(dead_code)]
    registry_base_url: Option<String>,
    #[allow(dead_code)]
    file_sha256: Option<String>,
    #[allow(dead_code)]
    runtime_hint: Option<String>,
    #[allow(dead_code)]
    transport: Option<Value>,
    #[allow(dead_code)]
    runtime_arguments: Option<Value>,
    #[allow(dead_code)]
    package_arguments: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    name: String,
    description: Option<String>,
    #[serde(default)]
    is_required: bool,
    #[serde(default)]
    is_secret: bool,
    default: Option<String>,
    value: Option<String>,
    #[allow(dead_code)]
    format: Option<String>,
    #[allow(dead_code)]
    choices: Option<Value>,
    #[allow(dead_code)]
    variables: Option<Value>,
    #[allow(dead_code)]
    placeholder: Option<String>,
}

#[derive(Deserialize)]
struct Remote {
    #[serde(rename = "type")]
    kind: String,
    url: String,
    #[serde(default)]
    headers: Vec<Input>,
    #[allow(dead_code)]
    variables: Option<Value>,
}

#[derive(Deserialize)]
struct ListResponse {
    servers: Vec<Value>,
    metadata: Option<ListMetadata>,
    /// The older API's link to the next page.
    next: Option<String>,
    #[allow(dead_code)]
    total_count: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListMetadata {
    next_cursor: Option<String>,
    #[allow(dead_code)]
    count: Option<Value>,
}

fn syntax(e: serde_json::Error) -> CatalogError {
    CatalogError::Syntax { format: "JSON", reason: e.to_string() }
}

/// Imports one `server.json`, or a JSON array of them.
pub fn import_server_json(text: &str) -> Result<ImportReport, CatalogError> {
    let value: Value = serde_json::from_str(text).map_err(syntax)?;
    let entries = match value {
        Value::Array(list) => list,
        obj @ Value::Object(_) => vec![obj],
        _ => {
            return Err(CatalogError::UnknownFormat(
                "expected a server.json object or an array of them".into(),
            ));
        }
    };
    Ok(import_entries(entries, None))
}

/// Imports one page of the registry API's list response.
pub fn import_list(text: &str) -> Result<ImportReport, CatalogError> {
    let list: ListResponse = serde_json::from_str(text).map_err(syntax)?;
    let next = list.metadata.and_then(|m| m.next_cursor).or(list.next);
    Ok(import_entries(list.servers, next))
}

/// A server entry, unwrapped from the API's `{server, _meta}` envelope when present.
struct Entry {
    server: Value,
    is_latest: Option<bool>,
}

fn unwrap_entry(v: Value) -> Entry {
    if let Some(server) = v.get("server").filter(|s| s.is_object()) {
        let is_latest =
            v.pointer("/_meta/io.modelcontextprotocol.registry~1official/isLatest").and_then(Value::as_bool);
        return Entry { server: server.clone(), is_latest };
    }
    Entry { server: v, is_latest: None }
}

fn import_entries(values: Vec<Value>, next_cursor: Option<String>) -> ImportReport {
    let mut report = ImportReport { next_cursor, ..Default::default() };
    // A registry lists every published version; keep the newest of each name.
    let mut newest: BTreeMap<String, (usize, Option<String>, Option<bool>)> = BTreeMap::new();
    let mut parsed = Vec::new();
    for (i, v) in values.into_iter().enumerate() {
        let entry = unwrap_entry(v);
        let label =
            entry.server.get("name").and_then(Value::as_str).map_or_else(|| format!("#{i}"), str::to_owned);
        let mut unknown = Vec::new();
        let server: Result<ServerJson, _> =
            serde_ignored::deserialize(entry.server, |p| unknown.push(p.to_string()));
        let server = match server {
            Ok(s) => s,
            Err(e) => {
                report.reject(label, e.to_string());
                continue;
            }
        };
        if !unknown.is_empty() {
            report.warn(&label, format!("ignored unknown fields: {}", unknown.join(", ")));
        }
        let slot = parsed.len();
        match newest.get(&server.name) {
            Some((_, v, latest))
                if !is_newer(server.version.as_deref(), entry.is_latest, v.as_deref(), *latest) =>
            {
                report.reject(
                    &server.name,
                    format!(
                        "version {} superseded by {} of the same server",
                        server.version.as_deref().unwrap_or("?"),
                        v.as_deref().unwrap_or("?")
                    ),
                );
                continue;
            }
            Some((old_slot, v, _)) => {
                report.reject(
                    &server.name,
                    format!(
                        "version {} superseded by {} of the same server",
                        v.as_deref().unwrap_or("?"),
                        server.version.as_deref().unwrap_or("?")
                    ),
                );
                let old = *old_slot;
                parsed[old] = None;
            }
            None => {}
        }
        newest.insert(server.name.clone(), (slot, server.version.clone(), entry.is_latest));
        parsed.push(Some(server));
    }
    for server in parsed.into_iter().flatten() {
        let name = server.name.clone();
        match to_item(server) {
            Ok(item) => report.push(item),
            Err(reason) => report.reject(name, reason),
        }
    }
    report
}

fn is_newer(a: Option<&str>, a_latest: Option<bool>, b: Option<&str>, b_latest: Option<bool>) -> bool {
    match (a_latest, b_latest) {
        (Some(true), Some(false) | None) => return true,
        (Some(false) | None, Some(true)) => return false,
        _ => {}
    }
    compare_versions(a.unwrap_or(""), b.unwrap_or("")) == Ordering::Greater
}

/// Compares dotted versions numerically where both parts are numbers (`1.10.0` > `1.9.3`).
fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts =
        |s: &str| s.trim_start_matches('v').split(['.', '-', '+']).map(str::to_owned).collect::<Vec<_>>();
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(&pb) {
        let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => x.cmp(y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    pa.len().cmp(&pb.len())
}

fn to_item(s: ServerJson) -> Result<CatalogItem, String> {
    let oci = s.packages.iter().find(|p| p.registry_type == "oci" || p.registry_type == "docker");
    let mut secrets = Vec::new();
    let mut config_props = serde_json::Map::new();
    let mut required = Vec::new();
    let launch = if let Some(p) = oci {
        let mut env = Vec::new();
        for var in &p.environment_variables {
            if var.is_secret {
                secrets.push(SecretSpec {
                    name: format!("{}.{}", s.name, var.name),
                    env: var.name.clone(),
                    description: var.description.clone(),
                    example: None,
                    required: var.is_required,
                });
            } else if let Some(v) = &var.value {
                env.push(EnvVar { name: var.name.clone(), value: v.clone() });
            } else {
                let mut prop = serde_json::json!({ "type": "string" });
                if let Some(d) = &var.description {
                    prop["description"] = d.clone().into();
                }
                if let Some(d) = &var.default {
                    prop["default"] = d.clone().into();
                }
                config_props.insert(var.name.clone(), prop);
                if var.is_required {
                    required.push(Value::from(var.name.clone()));
                }
                env.push(EnvVar {
                    name: var.name.clone(),
                    value: format!("{{{{{}.{}}}}}", s.name, var.name),
                });
            }
        }
        let image = match (&p.version, p.identifier.contains(['@', ':'])) {
            // An identifier without a tag or digest takes the package version as its tag.
            (Some(v), false) if !p.identifier.rsplit('/').next().unwrap_or("").contains(':') => {
                format!("{}:{v}", p.identifier)
            }
            _ => p.identifier.clone(),
        };
        Launch::Container(ContainerSpec { image, env, ..Default::default() })
    } else if let Some(r) = s.remotes.first() {
        let transport = match r.kind.as_str() {
            "streamable-http" | "http" => Transport::StreamableHttp,
            "sse" => Transport::Sse,
            other => return Err(format!("unknown remote transport {other:?}")),
        };
        let mut headers = BTreeMap::new();
        for h in &r.headers {
            if h.is_secret {
                let env = h.name.to_ascii_uppercase().replace('-', "_");
                let secret = format!("{}.{}", s.name, env.to_ascii_lowercase());
                headers.insert(h.name.clone(), format!("${{{secret}}}"));
                secrets.push(SecretSpec {
                    name: secret,
                    env,
                    description: h.description.clone(),
                    example: None,
                    required: h.is_required,
                });
            } else if let Some(v) = &h.value {
                headers.insert(h.name.clone(), v.clone());
            }
        }
        Launch::Remote(RemoteSpec { url: r.url.clone(), transport, headers })
    } else if !s.packages.is_empty() {
        Launch::Package(PackageSpec {
            packages: s
                .packages
                .iter()
                .map(|p| PackageRef {
                    registry_type: p.registry_type.clone(),
                    identifier: p.identifier.clone(),
                    version: p.version.clone(),
                })
                .collect(),
        })
    } else {
        return Err("no OCI package, no other package and no remote: nothing to run or connect to".into());
    };
    let config_schema = (!config_props.is_empty())
        .then(|| serde_json::json!({ "type": "object", "properties": config_props, "required": required }));
    let item = CatalogItem {
        title: s.title.clone().unwrap_or_else(|| short_name(&s.name)),
        description: s.description,
        translations: BTreeMap::new(),
        category: None,
        tags: Vec::new(),
        icon: s.icons.into_iter().next().map(|i| i.src),
        homepage: s.website_url.or(s.repository.and_then(|r| r.url)),
        launch,
        secrets,
        config_schema,
        oauth: None,
        tools: Vec::new(),
        source: String::new(),
        name: s.name,
    };
    validate(&item)?;
    Ok(item)
}

/// `io.github.owner/airtable-mcp-server` → `airtable-mcp-server`, as a readable default title.
fn short_name(name: &str) -> String {
    name.rsplit('/').next().unwrap_or(name).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(compare_versions("1.10.0", "1.9.3"), Ordering::Greater);
        assert_eq!(compare_versions("v2.0", "2.0.1"), Ordering::Less);
        assert_eq!(compare_versions("1.7.3", "1.7.3"), Ordering::Equal);
    }
}
