//! A folder of per-server catalog files (`server.yaml`, Docker's registry layout, or the MCP
//! Registry's `server.json`), each with the `tools.json` beside it when there is one: read as one
//! catalog, with a reason for every entry that could not be read.
//!
//! The caller walks the folder; this module only turns the files into items. A folder source is
//! cached as one [`FolderBundle`], so its last good copy survives the folder changing or going.

use serde::{Deserialize, Serialize};

use crate::import::docker::parse_tools_json;
use crate::{CatalogError, ImportReport, SourceFormat, import_bytes};

/// The key that marks a cached folder in JSON.
pub const BUNDLE_KEY: &str = "berth_folder";

/// The files of a catalog folder, as read by the caller.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderBundle {
    /// The bundle's version; always 1 for now.
    pub berth_folder: u32,
    pub files: Vec<FolderFile>,
}

/// One file below a catalog folder: its path relative to the folder, and its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderFile {
    pub path: String,
    pub text: String,
}

impl FolderBundle {
    pub fn new(files: Vec<FolderFile>) -> Self {
        Self { berth_folder: 1, files }
    }

    /// The names of the files a folder source reads; everything else is ignored.
    pub fn wants(file_name: &str) -> bool {
        matches!(file_name, "server.yaml" | "server.yml" | "server.json" | "tools.json")
    }

    /// The bundle as the bytes a source caches.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a bundle always serialises")
    }
}

/// Imports a cached folder bundle.
pub(crate) fn import_bundle(text: &str) -> Result<ImportReport, CatalogError> {
    let bundle: FolderBundle = serde_json::from_str(text)
        .map_err(|e| CatalogError::Syntax { format: "catalog folder bundle", reason: e.to_string() })?;
    if bundle.berth_folder != 1 {
        return Err(CatalogError::UnknownFormat(format!(
            "a catalog folder bundle of version {}",
            bundle.berth_folder
        )));
    }
    Ok(import_folder(&bundle.files))
}

/// Reads every `server.yaml` / `server.json` among `files`, in path order. A file that cannot be
/// read is one rejection, named by its path; the rest still import.
pub fn import_folder(files: &[FolderFile]) -> ImportReport {
    let mut files: Vec<&FolderFile> = files.iter().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut total = ImportReport::default();
    for file in &files {
        let (dir, name) = match file.path.rsplit_once('/') {
            Some((dir, name)) => (dir, name),
            None => ("", file.path.as_str()),
        };
        let format = match name {
            "server.yaml" | "server.yml" => SourceFormat::DockerServer,
            "server.json" => SourceFormat::McpServerJson,
            _ => continue,
        };
        let mut report = match import_bytes(file.text.as_bytes(), Some(format)) {
            Ok(r) => r,
            Err(e) => {
                total.reject(&file.path, e.to_string());
                continue;
            }
        };
        let tools_path = if dir.is_empty() { "tools.json".to_owned() } else { format!("{dir}/tools.json") };
        if let Some(tools) = files.iter().find(|f| f.path == tools_path) {
            match parse_tools_json(tools.text.as_bytes()) {
                Ok(tools) => {
                    for item in report.items.iter_mut().filter(|i| i.tools.is_empty()) {
                        item.tools = tools.clone();
                    }
                }
                Err(e) => total.warn(&tools_path, format!("its tool list is ignored: {e}")),
            }
        }
        for item in report.items {
            total.push(item);
        }
        total.rejected.extend(report.rejected);
        total.warnings.extend(report.warnings);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> FolderFile {
        FolderFile { path: path.into(), text: text.into() }
    }

    #[test]
    fn reads_each_server_file_with_its_tools_and_names_what_it_skips() {
        let files = vec![
            file(
                "b/server.yaml",
                "name: bee\nimage: mcp/bee\ntype: server\nmeta: {category: test}\nabout: {title: Bee, description: A bee.}\n",
            ),
            file("b/tools.json", r#"[{"name": "buzz", "description": "Buzzes."}]"#),
            file("a/server.yaml", "name: [not, a, name\n"),
            file("c/README.md", "ignored"),
        ];
        let report =
            import_bundle(std::str::from_utf8(&FolderBundle::new(files).to_bytes()).unwrap()).unwrap();
        assert_eq!(report.items.len(), 1, "{:?}", report.rejected);
        assert_eq!(report.items[0].name, "bee");
        assert_eq!(report.items[0].tools[0].name, "buzz");
        assert_eq!(report.rejected.len(), 1);
        assert_eq!(report.rejected[0].entry, "a/server.yaml");
        assert!(import_bundle(r#"{"berth_folder": 2, "files": []}"#).is_err());

        // What a source keeps, so its copy is never read again: the same report back, and a
        // report kept by other rules is not used.
        let kept = ImportReport::from_parsed(&report.to_parsed()).unwrap();
        assert_eq!((kept.items, kept.rejected), (report.items.clone(), report.rejected.clone()));
        let mut other: serde_json::Value = serde_json::from_slice(&report.to_parsed()).unwrap();
        other["version"] = serde_json::json!(other["version"].as_u64().unwrap() + 1);
        assert!(ImportReport::from_parsed(other.to_string().as_bytes()).is_none());
    }
}
