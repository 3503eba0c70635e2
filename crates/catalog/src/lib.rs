//! MCP server catalogs: the `CatalogItem` model, importers for Docker's catalog and per-server
//! formats and the MCP Registry's `server.json`, Berth's built-in catalog, and ranked search.
//!
//! Importing never fails as a whole because of one bad entry: every importer returns the items it
//! could read and a reason for each entry it could not. Fetching and caching catalog sources is
//! the caller's business; this crate only turns bytes into items and items into an index.

pub mod builtin;
mod diff;
mod error;
pub mod import;
mod merge;
mod model;
mod parallel;
mod search;

pub use diff::{EntryChange, entry_changes};
pub use error::CatalogError;
/// The checks every catalog entry passes, for an entry made another way (a server added by URL).
pub use import::common::validate as validate_item;
pub use import::{ImportReport, MAX_CATALOG_BYTES, Rejection, SourceFormat, import_bytes};
pub use merge::{MergedCatalog, merge};
pub use model::*;
pub use search::{CatalogIndex, SearchFilters, SearchHit};
