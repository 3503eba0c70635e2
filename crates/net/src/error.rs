//! Errors of the net crate.

/// Why a request was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("{url} is not allowed: {reason}")]
    UrlNotAllowed { url: String, reason: String },
    #[error("{url} did not answer within {seconds} s")]
    Timeout { url: String, seconds: u64 },
    #[error("cannot resolve the host of {url}: {reason}")]
    Dns { url: String, reason: String },
    #[error("the TLS connection to {url} failed: {reason}")]
    Tls { url: String, reason: String },
    #[error("cannot reach {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url} sent more than {limit} bytes")]
    TooLarge { url: String, limit: usize },
}

/// The innermost cause of `error`, which says most (a refused address, the policy's own reason
/// for a redirect it stopped), or the error itself when it has none.
pub fn innermost_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut reason = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        reason = s.to_string();
        source = s.source();
    }
    reason
}
