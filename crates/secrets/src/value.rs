//! `SecretValue`: a string that never prints itself.

use std::fmt;

/// A secret value. `Debug` and `Display` print a placeholder so that a stray `{:?}` in a log
/// line cannot leak it; [`SecretValue::expose`] is the one deliberate way to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The plain value, for handing to the one place that needs it (a container's env, an
    /// `Authorization` header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue([redacted])")
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_shows_the_value() {
        let v = SecretValue::new("hunter2-token");
        assert!(!format!("{v:?} {v} {v:#?}").contains("hunter2"));
        assert_eq!(v.expose(), "hunter2-token");
    }
}
