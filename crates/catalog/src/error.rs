//! Errors of the catalog crate: a whole file that cannot be read as a catalog.

/// Why a catalog file was refused as a whole. Single bad entries are not errors; they are
/// [`crate::Rejection`]s inside an import report.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("the catalog is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("the catalog is not valid {format}: {reason}")]
    Syntax { format: &'static str, reason: String },
    #[error("the file is not a catalog Berth knows: {0}")]
    UnknownFormat(String),
    /// The text would cost far more to read than its size suggests (alias bombs, deep nesting).
    #[error("the catalog is refused: {0}")]
    TooComplex(String),
}
