//! An in-memory `SecretStore` for unit tests of other crates. Never used by the product.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::{SecretError, SecretKey, SecretStore, SecretValue};

/// Keeps secrets in a map for the lifetime of the value. Compiled only with the `memory`
/// feature, which only dev-dependencies enable.
#[derive(Default)]
pub struct MemoryStore {
    map: Mutex<HashMap<SecretKey, SecretValue>>,
}

impl SecretStore for MemoryStore {
    fn backend(&self) -> String {
        "in-memory (tests only)".into()
    }

    fn set(&self, key: &SecretKey, value: &SecretValue) -> Result<(), SecretError> {
        self.map.lock().expect("poisoned").insert(key.clone(), value.clone());
        Ok(())
    }

    fn get(&self, key: &SecretKey) -> Result<Option<SecretValue>, SecretError> {
        Ok(self.map.lock().expect("poisoned").get(key).cloned())
    }

    fn delete(&self, key: &SecretKey) -> Result<bool, SecretError> {
        Ok(self.map.lock().expect("poisoned").remove(key).is_some())
    }
}
