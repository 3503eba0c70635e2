//! Berth's built-in catalog: a small set of well-known servers with English and Japanese text,
//! compiled into the binary so the Catalog page works offline on first start.

use crate::{ImportReport, SourceFormat, import_bytes};

/// The built-in catalog's source text (Docker catalog format with `translations`).
pub const SOURCE: &str = include_str!("../builtin/catalog.yaml");

/// Imports the built-in catalog. It is part of the binary, so failing to read it is a bug, and a
/// test guarantees it imports without rejections.
pub fn load() -> ImportReport {
    import_bytes(SOURCE.as_bytes(), Some(SourceFormat::DockerCatalog)).expect("the built-in catalog is valid")
}
