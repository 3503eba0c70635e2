//! Docker's formats: the catalog YAML (`registry: {name: entry}`) and the per-server
//! `server.yaml` of Docker's MCP registry. Both map onto the same [`CatalogItem`].

mod convert;
mod entries;

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_yaml_ng::Value;

use crate::{CatalogError, CatalogItem, ImportReport, ToolSummary};
use convert::{catalog_entry, server_entry};
use entries::*;

fn scalar_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
        other => serde_yaml_ng::to_string(other).unwrap_or_default().trim().to_owned(),
    }
}

fn syntax(e: serde_yaml_ng::Error) -> CatalogError {
    CatalogError::Syntax { format: "YAML", reason: e.to_string() }
}

/// Deserialises `value` as `T`, collecting the paths of fields Berth does not know.
fn typed<T: for<'de> Deserialize<'de>>(value: Value) -> Result<(T, Vec<String>), String> {
    let mut unknown = Vec::new();
    let t = serde_ignored::deserialize(value, |path| unknown.push(path.to_string()))
        .map_err(|e| e.to_string())?;
    Ok((t, unknown))
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
            serde_ignored::deserialize(serde_yaml_ng::Deserializer::from_str(&split.header), |p| {
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
        serde_ignored::deserialize(serde_yaml_ng::Deserializer::from_str(text), |p| {
            unknown.push(p.to_string())
        });
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
    let file: CatalogFile = serde_yaml_ng::from_str(text).map_err(syntax)?;
    let mut report = ImportReport::default();
    for (i, (key, value)) in file.registry.into_iter().enumerate() {
        if !key.is_string() {
            report.reject(format!("#{i}"), "the entry's key is not a string");
            continue;
        }
        let mut one = serde_yaml_ng::Mapping::new();
        one.insert(key, value);
        let text = serde_yaml_ng::to_string(&one).map_err(syntax)?;
        let (key, item, unknown) = parse_entry_text(&text, 0);
        report.record(key, item, unknown);
    }
    Ok(report)
}

/// Imports one `server.yaml`.
pub fn import_server(text: &str) -> Result<ImportReport, CatalogError> {
    let value: Value = serde_yaml_ng::from_str(text).map_err(syntax)?;
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
