//! Errors of the secrets crate.

/// What can go wrong when storing or reading a secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The OS keychain cannot be reached or refuses access. `fix` tells the user what to do.
    #[error("the OS keychain is not available: {reason}")]
    Unavailable { reason: String, fix: String },
    /// A key did not have the `berth/<kind>/<id>` shape or used characters the stores reject.
    #[error("invalid secret key {key:?}: {reason}")]
    InvalidKey { key: String, reason: String },
    /// The keychain answered, but not in a way Berth can use (corrupt entry, too long, ...).
    #[error("the OS keychain rejected the operation on {key}: {reason}")]
    Backend { key: String, reason: String },
}
