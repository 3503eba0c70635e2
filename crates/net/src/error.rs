//! Errors of the net crate.

/// Why a request was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("{url} is not allowed: {reason}")]
    UrlNotAllowed { url: String, reason: String },
    #[error("{url} did not answer within {seconds} s")]
    Timeout { url: String, seconds: u64 },
    #[error("cannot reach {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url} sent more than {limit} bytes")]
    TooLarge { url: String, limit: usize },
}
