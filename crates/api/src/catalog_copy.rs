//! A catalog source's new content as read (its import report, and the parsed form the store
//! keeps), and a failed fetch as the facade's error.

use berth_catalog::{ImportReport, import_bytes};
use berth_net::NetError;
use berth_store::CatalogFetch;

use crate::{ApiError, ErrorCode};

pub(crate) fn net_error(e: NetError) -> ApiError {
    use crate::msg;
    let (code, m) = match &e {
        // The policy's reason already says what to use instead.
        NetError::UrlNotAllowed { url, reason } => {
            (ErrorCode::UrlNotAllowed, msg!("msg.net.not_allowed", url = url, reason = reason))
        }
        NetError::TooLarge { url, .. } => (ErrorCode::Validation, msg!("msg.net.too_large", url = url)),
        NetError::Timeout { url, seconds } => {
            (ErrorCode::Timeout, msg!("msg.net.timeout", url = url, seconds = seconds))
        }
        NetError::Connect { url, reason } | NetError::Dns { url, reason } | NetError::Tls { url, reason } => {
            (ErrorCode::Network, msg!("msg.net.connect", url = url, reason = reason))
        }
        NetError::Status { url, status } => {
            (ErrorCode::Network, msg!("msg.net.status", url = url, status = status))
        }
    };
    let mut err = ApiError::msg(code, m);
    err.retryable = !matches!(e, NetError::UrlNotAllowed { .. } | NetError::TooLarge { .. });
    err
}

/// New content of a source, read: its report, and the parsed form the store keeps with it.
pub(crate) struct NewCopy {
    pub(crate) bytes: Vec<u8>,
    etag: Option<String>,
    last_modified: Option<String>,
    pub(crate) report: ImportReport,
    parsed: Vec<u8>,
}

impl NewCopy {
    /// Imports fetched content; content that is not a catalog says where it came from.
    pub(crate) fn read(
        bytes: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
        location: &str,
    ) -> Result<Self, ApiError> {
        let report = import_bytes(&bytes, None).map_err(|e| {
            ApiError::msg(
                ErrorCode::Validation,
                crate::msg!("msg.source.unreadable", location = location, reason = e),
            )
        })?;
        let parsed = report.to_parsed();
        Ok(Self { bytes, etag, last_modified, report, parsed })
    }

    /// What the store records for it.
    pub(crate) fn fetch(&self) -> CatalogFetch<'_> {
        CatalogFetch {
            body: Some(&self.bytes),
            parsed: Some(&self.parsed),
            etag: self.etag.as_deref(),
            last_modified: self.last_modified.as_deref(),
            item_count: self.report.items.len() as i64,
            rejected_count: self.report.rejected.len() as i64,
        }
    }
}
