//! Importers: bytes in one of the supported formats → catalog items plus per-entry rejections.

mod budget;
pub(crate) mod common;
pub mod docker;
pub mod folder;
pub mod mcp_registry;
mod split;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{CatalogError, CatalogItem};

/// Catalog files larger than this are refused before parsing.
pub const MAX_CATALOG_BYTES: usize = 20 * 1024 * 1024;

/// The formats Berth reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// Docker's catalog YAML: `registry: {name: entry}` (also the legacy `version: 2` form).
    DockerCatalog,
    /// Docker's per-server `server.yaml`.
    DockerServer,
    /// One MCP Registry `server.json`, or a JSON array of them.
    McpServerJson,
    /// The MCP Registry API's list response (`{servers: [...], metadata: {nextCursor}}`).
    McpRegistryList,
    /// A folder of per-server files, as a folder source caches it ([`folder::FolderBundle`]).
    Folder,
}

/// An entry that was not imported, or imported with a caveat, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Rejection {
    /// The entry's name, or its position when it has none.
    pub entry: String,
    pub reason: String,
}

/// What one import produced.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct ImportReport {
    pub items: Vec<CatalogItem>,
    /// Entries that were skipped, each with its reason.
    pub rejected: Vec<Rejection>,
    /// Entries that were imported but had something Berth ignored (an unknown field, say).
    pub warnings: Vec<Rejection>,
    /// For paged registry responses: the cursor of the next page.
    pub next_cursor: Option<String>,
    /// Names already in `items`, so duplicate detection stays linear in catalog size.
    #[serde(skip)]
    #[ts(skip)]
    names: std::collections::HashSet<String>,
}

impl ImportReport {
    pub fn reject(&mut self, entry: impl Into<String>, reason: impl Into<String>) {
        self.rejected.push(Rejection { entry: entry.into(), reason: reason.into() });
    }

    pub fn warn(&mut self, entry: impl Into<String>, reason: impl Into<String>) {
        self.warnings.push(Rejection { entry: entry.into(), reason: reason.into() });
    }

    /// Records one parsed entry: the item with a warning for ignored fields, or its rejection.
    pub(crate) fn record(&mut self, key: String, item: Result<CatalogItem, String>, unknown: Vec<String>) {
        match item {
            Ok(item) => {
                if !unknown.is_empty() {
                    self.warn(&key, format!("ignored unknown fields: {}", unknown.join(", ")));
                }
                self.push(item);
            }
            Err(reason) => self.reject(key, reason),
        }
    }

    /// Adds an item unless one with the same name is already there (first wins).
    pub fn push(&mut self, item: CatalogItem) {
        if self.names.contains(&item.name) {
            let name = item.name.clone();
            self.reject(name, "duplicate name: an earlier entry in the same catalog has it");
        } else {
            self.names.insert(item.name.clone());
            self.items.push(item);
        }
    }
}

/// The version of the importers' rules a kept parsed form was made by; a form made by other rules
/// is not used, and the copy is read again.
const PARSED_VERSION: u32 = 2;

#[derive(Serialize, Deserialize)]
struct Parsed<R> {
    version: u32,
    report: R,
}

impl ImportReport {
    /// The report as a source keeps it, so its copy is never read again.
    pub fn to_parsed(&self) -> Vec<u8> {
        serde_json::to_vec(&Parsed { version: PARSED_VERSION, report: self }).expect("reports serialise")
    }

    /// A kept report, if these importers made it.
    pub fn from_parsed(bytes: &[u8]) -> Option<Self> {
        let parsed: Parsed<Self> = serde_json::from_slice(bytes).ok()?;
        let mut report = (parsed.version == PARSED_VERSION).then_some(parsed.report)?;
        report.names = report.items.iter().map(|i| i.name.clone()).collect();
        Some(report)
    }
}

/// Reads a catalog. `format` `None` detects it from the content.
pub fn import_bytes(bytes: &[u8], format: Option<SourceFormat>) -> Result<ImportReport, CatalogError> {
    if bytes.len() > MAX_CATALOG_BYTES {
        return Err(CatalogError::TooLarge { size: bytes.len(), limit: MAX_CATALOG_BYTES });
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| CatalogError::Syntax { format: "UTF-8 text", reason: e.to_string() })?;
    let format = match format {
        Some(f) => f,
        None => detect(text)?,
    };
    if matches!(format, SourceFormat::DockerCatalog | SourceFormat::DockerServer) {
        budget::check(text)?;
    }
    match format {
        SourceFormat::DockerCatalog => docker::import_catalog(text),
        SourceFormat::DockerServer => docker::import_server(text),
        SourceFormat::McpServerJson => mcp_registry::import_server_json(text),
        SourceFormat::McpRegistryList => mcp_registry::import_list(text),
        SourceFormat::Folder => folder::import_bundle(text),
    }
}

/// The whole-document Docker catalog parser, exposed for equivalence tests of the split parser.
#[doc(hidden)]
pub fn import_docker_catalog_whole(text: &str) -> Result<ImportReport, CatalogError> {
    docker::import_whole(text)
}

/// Guesses the format from the first structural clues, without a full parse.
pub fn detect(text: &str) -> Result<SourceFormat, CatalogError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('[') {
        return Ok(SourceFormat::McpServerJson);
    }
    if trimmed.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(trimmed)
            .map_err(|e| CatalogError::Syntax { format: "JSON", reason: e.to_string() })?;
        return if v.get(folder::BUNDLE_KEY).is_some() {
            Ok(SourceFormat::Folder)
        } else if v.get("servers").is_some_and(|s| s.is_array()) {
            Ok(SourceFormat::McpRegistryList)
        } else if v.get("packages").is_some() || v.get("remotes").is_some() || v.get("$schema").is_some() {
            Ok(SourceFormat::McpServerJson)
        } else {
            Err(CatalogError::UnknownFormat(
                "a JSON object without `servers`, `packages` or `remotes`".into(),
            ))
        };
    }
    // YAML: look at top-level keys only (lines that start in column 0).
    let top: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with([' ', '\t', '#', '-']) && l.contains(':'))
        .filter_map(|l| l.split(':').next())
        .collect();
    if top.contains(&"registry") {
        Ok(SourceFormat::DockerCatalog)
    } else if top.contains(&"name")
        && (top.contains(&"image") || top.contains(&"remote") || top.contains(&"type"))
    {
        Ok(SourceFormat::DockerServer)
    } else {
        Err(CatalogError::UnknownFormat(
            "expected a Docker catalog (`registry:`), a Docker server.yaml, or MCP Registry JSON".into(),
        ))
    }
}
