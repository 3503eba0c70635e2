//! The labels on every container Berth creates. None of them ever holds a secret.

/// Present (value `true`) on every container Berth creates.
pub const LABEL_MANAGED: &str = "berth.managed";
/// The installed server's name.
pub const LABEL_SERVER: &str = "berth.server";
/// The client session the container serves, when it belongs to one.
pub const LABEL_SESSION: &str = "berth.session";
/// The process that owns the container ([`crate::Owner`]); when it is gone, the container is an orphan.
pub const LABEL_OWNER: &str = "berth.owner";
