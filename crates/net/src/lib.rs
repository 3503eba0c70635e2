//! Outbound HTTP for Berth. Every request goes through a [`UrlPolicy`] (https, or http only to
//! loopback; no credentials in URLs; no private-network targets unless allowed; an optional host
//! allowlist), is re-checked on every redirect and after DNS resolution, has timeouts, and reads
//! at most a given number of bytes.

mod client;
mod error;
mod policy;

pub use client::{Conditional, Fetched, HttpClient, Probe};
pub use error::{NetError, innermost_cause};
pub use policy::{UrlPolicy, is_loopback, is_private, redacted};
pub use url::Url;
