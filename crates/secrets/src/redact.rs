//! The redaction set: secret values Berth has seen, so the log writer can blank them out.

use std::borrow::Cow;
use std::sync::{Arc, RwLock};

use crate::{SecretError, SecretKey, SecretStore, SecretValue};

/// Values shorter than this are not registered: blanking every "ab" in every log line would make
/// logs useless, and values that short are not credentials anyone should use.
const MIN_LEN: usize = 4;

/// What replaces a secret in a log line.
pub const MASK: &str = "[REDACTED]";

/// A shared, growing set of secret values. Cloning shares the set.
#[derive(Clone, Default)]
pub struct Redactor {
    values: Arc<RwLock<Vec<String>>>,
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks `value` as secret from now on.
    pub fn register(&self, value: &str) {
        if value.len() < MIN_LEN {
            return;
        }
        let mut values = self.values.write().expect("redactor lock poisoned");
        if !values.iter().any(|v| v == value) {
            values.push(value.to_owned());
            // Longest first, so a secret that contains another is masked whole.
            values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        }
    }

    /// Returns `text` with every registered value replaced by [`MASK`].
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let values = self.values.read().expect("redactor lock poisoned");
        let mut out = Cow::Borrowed(text);
        for v in values.iter() {
            if out.contains(v.as_str()) {
                out = Cow::Owned(out.replace(v.as_str(), MASK));
            }
        }
        out
    }
}

/// A `SecretStore` decorator that registers every value it stores or reads with a [`Redactor`].
pub struct Redacting<S> {
    inner: S,
    redactor: Redactor,
}

impl<S: SecretStore> Redacting<S> {
    pub fn new(inner: S, redactor: Redactor) -> Self {
        Self { inner, redactor }
    }
}

impl<S: SecretStore> SecretStore for Redacting<S> {
    fn backend(&self) -> String {
        self.inner.backend()
    }

    fn set(&self, key: &SecretKey, value: &SecretValue) -> Result<(), SecretError> {
        // Register before storing so that even an error message from the backend is masked.
        self.redactor.register(value.expose());
        self.inner.set(key, value)
    }

    fn get(&self, key: &SecretKey) -> Result<Option<SecretValue>, SecretError> {
        let v = self.inner.get(key)?;
        if let Some(v) = &v {
            self.redactor.register(v.expose());
        }
        Ok(v)
    }

    fn delete(&self, key: &SecretKey) -> Result<bool, SecretError> {
        self.inner.delete(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_registered_values_longest_first() {
        let r = Redactor::new();
        r.register("tok");
        r.register("ghp_abc");
        r.register("ghp_abcdef");
        let out = r.redact("a=ghp_abcdef b=ghp_abc c=tok");
        assert_eq!(out, "a=[REDACTED] b=[REDACTED] c=tok");
    }

    #[test]
    fn leaves_clean_text_borrowed() {
        let r = Redactor::new();
        r.register("s3cr3t-value");
        assert!(matches!(r.redact("nothing here"), Cow::Borrowed(_)));
    }
}
