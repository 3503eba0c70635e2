//! Guards the repository's dependency rule and house conventions: no crate under `crates/`
//! depends on Tauri, the CLI reaches MCP only through the facade, every Rust file opens with a
//! `//!` line saying what it is for, and none outside tests and benchmarks grows past 500 lines.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    berth_testkit::workspace_root()
}

fn dependency_names(table: Option<&toml::Value>) -> Vec<String> {
    table.and_then(|t| t.as_table()).map(|t| t.keys().cloned().collect()).unwrap_or_default()
}

#[test]
fn no_core_crate_depends_on_tauri() {
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("crates")).unwrap() {
        let manifest = entry.unwrap().path().join("Cargo.toml");
        if !manifest.exists() {
            continue;
        }
        let doc: toml::Table = toml::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
        let mut deps = Vec::new();
        for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
            deps.extend(dependency_names(doc.get(section)));
        }
        if let Some(targets) = doc.get("target").and_then(|t| t.as_table()) {
            for t in targets.values() {
                for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
                    deps.extend(dependency_names(t.get(section)));
                }
            }
        }
        let tauri: Vec<_> = deps.iter().filter(|d| d.starts_with("tauri") || d.starts_with("wry")).collect();
        assert!(
            tauri.is_empty(),
            "{} depends on {tauri:?}; only the desktop package may",
            manifest.display()
        );
        checked += 1;
    }
    assert!(checked >= 5, "expected the core crates under crates/, found {checked}");
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            if !matches!(p.file_name().and_then(|n| n.to_str()), Some("target" | "node_modules" | ".git")) {
                rust_files(&p, out);
            }
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_rust_file_opens_with_a_doc_line() {
    let mut files = Vec::new();
    for dir in ["src-tauri", "crates", "tests"] {
        rust_files(&root().join(dir), &mut files);
    }
    assert!(files.len() > 20);
    let missing: Vec<_> = files
        .iter()
        .filter(|f| !std::fs::read_to_string(f).unwrap().trim_start().starts_with("//!"))
        .collect();
    assert!(missing.is_empty(), "files without a //! line: {missing:?}");
}

#[test]
fn the_cli_depends_on_the_facade_not_on_mcp() {
    let manifest = root().join("crates/cli/Cargo.toml");
    let doc: toml::Table = toml::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    let deps = dependency_names(doc.get("dependencies"));
    assert!(deps.iter().any(|d| d == "berth-api"), "the CLI calls the facade: {deps:?}");
    let reaching: Vec<_> = deps.iter().filter(|d| matches!(d.as_str(), "rmcp" | "berth-gateway")).collect();
    assert!(reaching.is_empty(), "the CLI's [dependencies] name {reaching:?}; go through berth-api");
}

/// The longest a source file may be; past it a file holds more than one concept.
const MAX_LINES: usize = 500;

#[test]
fn no_source_file_is_over_500_lines() {
    let mut files = Vec::new();
    for dir in ["src-tauri", "crates", "tests"] {
        rust_files(&root().join(dir), &mut files);
    }
    let long: Vec<String> = files
        .iter()
        .filter(|f| {
            let rel = f.strip_prefix(root()).unwrap();
            !rel.components().any(|c| matches!(c.as_os_str().to_str(), Some("tests" | "benches")))
        })
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).unwrap().lines().count();
            (lines > MAX_LINES).then(|| format!("{} ({lines})", f.display()))
        })
        .collect();
    assert!(files.len() > 20);
    assert!(long.is_empty(), "over {MAX_LINES} lines: {long:?}");
}
