//! `SecretKey`: the namespaced reference (`berth/<kind>/<id>`) under which a secret is stored.

use std::fmt;

use crate::SecretError;

/// The address of one secret. Its string form `berth/<kind>/<id>` is what the database keeps.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretKey {
    kind: String,
    id: String,
}

const PREFIX: &str = "berth/";

impl SecretKey {
    /// Builds a key from a kind (`server`, `oauth`, `gateway`, ...) and an id within that kind.
    pub fn new(kind: &str, id: &str) -> Result<Self, SecretError> {
        let full = format!("{PREFIX}{kind}/{id}");
        validate_part(&full, "kind", kind, false)?;
        validate_part(&full, "id", id, true)?;
        Ok(Self { kind: kind.to_owned(), id: id.to_owned() })
    }

    /// Parses the `berth/<kind>/<id>` form.
    pub fn parse(s: &str) -> Result<Self, SecretError> {
        let rest = s.strip_prefix(PREFIX).ok_or_else(|| SecretError::InvalidKey {
            key: s.to_owned(),
            reason: "must start with \"berth/\"".into(),
        })?;
        let (kind, id) = rest.split_once('/').ok_or_else(|| SecretError::InvalidKey {
            key: s.to_owned(),
            reason: "must have the form berth/<kind>/<id>".into(),
        })?;
        Self::new(kind, id)
    }

    pub fn kind(&self) -> &str {
        &self.kind
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{}/{}", self.kind, self.id)
    }
}

/// Kinds are one lowercase word; ids may also hold `/` so that, for example, a server's
/// environment variable can be addressed as `server/github/GITHUB_TOKEN`.
fn validate_part(full: &str, what: &str, part: &str, allow_slash: bool) -> Result<(), SecretError> {
    let bad = |reason: String| SecretError::InvalidKey { key: full.to_owned(), reason };
    if part.is_empty() {
        return Err(bad(format!("{what} is empty")));
    }
    if part.len() > 200 {
        return Err(bad(format!("{what} is longer than 200 characters")));
    }
    let ok = |c: char| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '@') || (allow_slash && c == '/')
    };
    if let Some(c) = part.chars().find(|c| !ok(*c)) {
        return Err(bad(format!("{what} contains {c:?}; use letters, digits and - _ . : @")));
    }
    if what == "kind" && part.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(bad("kind must be lowercase".into()));
    }
    if part.split('/').any(|seg| seg.is_empty() || seg == "." || seg == "..") {
        return Err(bad(format!("{what} has an empty, . or .. segment")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_string_form() {
        let key = SecretKey::new("server", "github/GITHUB_TOKEN").unwrap();
        assert_eq!(key.to_string(), "berth/server/github/GITHUB_TOKEN");
        assert_eq!(SecretKey::parse(&key.to_string()).unwrap(), key);
    }

    #[test]
    fn rejects_malformed_keys() {
        for bad in [
            "server/x",
            "berth/",
            "berth/server",
            "berth//x",
            "berth/Server/x",
            "berth/server/",
            "berth/server/a//b",
            "berth/server/../x",
            "berth/server/with space",
            "berth/server/semi;colon",
        ] {
            assert!(SecretKey::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
