//! Loading the real catalogs in `../shared/data` for tests.

#![allow(dead_code)]

use std::path::PathBuf;

use berth_catalog::{CatalogItem, ImportReport, SourceFormat, builtin, import::docker, import_bytes};

/// The shared data folder (`../shared/data` beside the repository), or `BERTH_SHARED_DATA`.
pub fn data_dir() -> Option<PathBuf> {
    let dir = berth_testkit::shared_data();
    if dir.is_dir() {
        return Some(dir);
    }
    let why = format!("the shared catalogs are not at {}", dir.display());
    if std::env::var_os("BERTH_REQUIRE_SERVICES").is_some() {
        panic!("required data missing: {why}");
    }
    eprintln!("skipped: {why}");
    None
}

/// Imports every `servers/*/server.yaml` (with its `tools.json`) of Docker's MCP registry.
pub fn docker_registry(dir: &std::path::Path) -> ImportReport {
    let mut total = ImportReport::default();
    let mut entries: Vec<_> = std::fs::read_dir(dir.join("docker-mcp-registry/servers"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("server.yaml").exists())
        .collect();
    entries.sort();
    for path in entries {
        let bytes = std::fs::read(path.join("server.yaml")).unwrap();
        let mut report = import_bytes(&bytes, Some(SourceFormat::DockerServer))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if let Ok(tools) = std::fs::read(path.join("tools.json")) {
            let tools = docker::parse_tools_json(&tools).unwrap();
            for item in &mut report.items {
                if item.tools.is_empty() {
                    item.tools = tools.clone();
                }
            }
        }
        total.items.extend(report.items);
        total.rejected.extend(report.rejected);
        total.warnings.extend(report.warnings);
    }
    total
}

pub fn mcp_registry_seed(dir: &std::path::Path) -> ImportReport {
    let bytes = std::fs::read(dir.join("mcp-registry/seed.json")).unwrap();
    import_bytes(&bytes, None).unwrap()
}

/// What a user has by default plus both real catalogs, merged the way Berth merges sources.
pub fn full_catalog(dir: &std::path::Path) -> Vec<CatalogItem> {
    berth_catalog::merge([
        ("builtin".to_owned(), builtin::load()),
        ("docker-mcp-registry".to_owned(), docker_registry(dir)),
        ("mcp-registry".to_owned(), mcp_registry_seed(dir)),
    ])
    .items
}
