//! Secret storage for Berth: the `SecretStore` trait, the OS keychain behind it, and the
//! redaction set that keeps secret values out of logs.
//!
//! Values never touch disk through this crate except inside the OS keychain. Callers keep only a
//! [`SecretKey`] reference (`berth/<kind>/<id>`) in the database.

mod error;
mod key;
mod keychain;
#[cfg(feature = "memory")]
mod memory;
mod redact;
mod value;

pub use error::SecretError;
pub use key::SecretKey;
pub use keychain::Keychain;
#[cfg(feature = "memory")]
pub use memory::MemoryStore;
pub use redact::{Redacting, Redactor};
pub use value::SecretValue;

/// A place where secret values live, addressed by [`SecretKey`].
///
/// Implementations block (the OS keychains are synchronous APIs over IPC), so async callers run
/// them on a blocking thread.
pub trait SecretStore: Send + Sync + 'static {
    /// A short human name of the backend, for `berth doctor` and error messages.
    fn backend(&self) -> String;

    /// Stores `value` under `key`, replacing any previous value.
    fn set(&self, key: &SecretKey, value: &SecretValue) -> Result<(), SecretError>;

    /// Reads the value under `key`; `Ok(None)` when nothing is stored there.
    fn get(&self, key: &SecretKey) -> Result<Option<SecretValue>, SecretError>;

    /// Deletes the value under `key`; returns whether something was deleted.
    fn delete(&self, key: &SecretKey) -> Result<bool, SecretError>;
}

/// Shared stores are stores too, so a `Redacting<Arc<dyn SecretStore>>` works.
impl<T: SecretStore + ?Sized> SecretStore for std::sync::Arc<T> {
    fn backend(&self) -> String {
        (**self).backend()
    }
    fn set(&self, key: &SecretKey, value: &SecretValue) -> Result<(), SecretError> {
        (**self).set(key, value)
    }
    fn get(&self, key: &SecretKey) -> Result<Option<SecretValue>, SecretError> {
        (**self).get(key)
    }
    fn delete(&self, key: &SecretKey) -> Result<bool, SecretError> {
        (**self).delete(key)
    }
}
