//! Why an image was not verified: each failure its own code, with the reason.

/// A refused image. [`TrustError::code`] names the failure for the error shape the UI, the CLI
/// and the gateway share.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("{image} is not a valid image reference: {reason}")]
    InvalidReference { image: String, reason: String },
    #[error("no trust rule covers {name}")]
    NoRule { name: String },
    #[error("{image} has no signature at {location}")]
    Unsigned { image: String, location: String },
    #[error("the signature of {image} does not verify with the key(s) the rule {rule} trusts")]
    WrongKey { image: String, rule: String },
    #[error("the signature payload of {image} was changed: {reason}")]
    Tampered { image: String, reason: String },
    #[error("the signature of {image} is for {signed}, but the image is {actual}")]
    DigestMismatch { image: String, signed: String, actual: String },
    #[error("the signature of {image} has no Rekor bundle, which the rule {rule} requires")]
    RekorMissing { image: String, rule: String },
    #[error("the Rekor bundle of {image} is not valid: {reason}")]
    RekorInvalid { image: String, reason: String },
    #[error("a key of the rule {rule} cannot be used: {reason}")]
    BadKey { rule: String, reason: String },
    #[error("{image} was not found in its registry")]
    NotFound { image: String },
    #[error("the registry {registry} could not be reached: {reason}")]
    Unreachable { registry: String, reason: String },
}

impl TrustError {
    /// The error code: `signature_<failure>`, or `registry_unreachable`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidReference { .. } => "signature_invalid_reference",
            Self::NoRule { .. } => "signature_no_rule",
            Self::Unsigned { .. } => "signature_missing",
            Self::WrongKey { .. } => "signature_wrong_key",
            Self::Tampered { .. } => "signature_tampered",
            Self::DigestMismatch { .. } => "signature_digest_mismatch",
            Self::RekorMissing { .. } => "signature_rekor_missing",
            Self::RekorInvalid { .. } => "signature_rekor_invalid",
            Self::BadKey { .. } => "signature_bad_key",
            Self::NotFound { .. } => "image_not_found",
            Self::Unreachable { .. } => "registry_unreachable",
        }
    }
}
