//! `Keychain`: the OS credential store (Secret Service, macOS Keychain, Windows Credential
//! Manager) as a `SecretStore`.
//!
//! The platform store is compiled in explicitly per target. There is no fallback: when the
//! keychain cannot be used the caller gets [`SecretError::Unavailable`] with the fix, never a
//! silent plaintext or in-memory store.

use std::collections::HashMap;
use std::sync::Arc;

use keyring_core::{CredentialStore, Entry, Error as KeyringError};

use crate::{SecretError, SecretKey, SecretStore, SecretValue};

/// The service name every Berth entry is filed under; the account is `<kind>/<id>`.
const SERVICE: &str = "berth";

/// The OS keychain.
pub struct Keychain {
    store: Arc<CredentialStore>,
}

impl Keychain {
    /// Connects to the platform's credential store.
    pub fn open() -> Result<Self, SecretError> {
        let store = platform_store().map_err(|e| unavailable(&e))?;
        Ok(Self { store })
    }

    fn entry(&self, key: &SecretKey) -> Result<Entry, SecretError> {
        let account = format!("{}/{}", key.kind(), key.id());
        let label = format!("Berth: {key}");
        let mods = HashMap::from([("label", label.as_str())]);
        // Only the Secret Service store knows the `label` modifier; the others file the entry by
        // service and account alone.
        let mods = if cfg!(target_os = "linux") { Some(&mods) } else { None };
        self.store.build(SERVICE, &account, mods).map_err(|e| map_error(key, e))
    }

    /// Writes, reads back and deletes a probe entry: proves the keychain is usable end to end.
    pub fn probe(&self) -> Result<(), SecretError> {
        // A key of this probe's own: the app and the CLI may probe at the same moment, and one must
        // not delete the other's entry halfway through.
        static PROBES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let key = SecretKey::new("doctor", &format!("probe-{}-{n}", std::process::id()))?;
        let value = SecretValue::new("berth-doctor-probe");
        self.set(&key, &value)?;
        let read = self.get(&key)?;
        self.delete(&key)?;
        match read {
            Some(v) if v == value => Ok(()),
            _ => Err(SecretError::Backend {
                key: key.to_string(),
                reason: "a value written to the keychain could not be read back".into(),
            }),
        }
    }
}

impl SecretStore for Keychain {
    fn backend(&self) -> String {
        backend_name().into()
    }

    fn set(&self, key: &SecretKey, value: &SecretValue) -> Result<(), SecretError> {
        self.entry(key)?.set_password(value.expose()).map_err(|e| map_error(key, e))
    }

    fn get(&self, key: &SecretKey) -> Result<Option<SecretValue>, SecretError> {
        match self.entry(key)?.get_password() {
            Ok(v) => Ok(Some(SecretValue::new(v))),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e) => Err(map_error(key, e)),
        }
    }

    fn delete(&self, key: &SecretKey) -> Result<bool, SecretError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(KeyringError::NoEntry) => Ok(false),
            Err(e) => Err(map_error(key, e)),
        }
    }
}

#[cfg(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android"))))]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(zbus_secret_service_keyring_store::Store::new()?)
}

#[cfg(target_os = "macos")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

#[cfg(windows)]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(windows_native_keyring_store::Store::new()?)
}

fn backend_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(windows) {
        "Windows Credential Manager"
    } else {
        "Secret Service (D-Bus)"
    }
}

fn fix_hint() -> &'static str {
    if cfg!(target_os = "macos") {
        "Unlock your login keychain (Keychain Access) and allow Berth to use it, then retry."
    } else if cfg!(windows) {
        "Make sure Windows Credential Manager is available for your user account, then retry."
    } else {
        "Start a Secret Service provider (GNOME Keyring or KWallet) in your desktop session and \
         unlock it. Without a desktop session, run Berth under `dbus-run-session` with \
         `gnome-keyring-daemon --unlock --components=secrets`."
    }
}

fn unavailable(e: &KeyringError) -> SecretError {
    SecretError::Unavailable {
        reason: format!("{} could not be used: {e}", backend_name()),
        fix: fix_hint().into(),
    }
}

fn map_error(key: &SecretKey, e: KeyringError) -> SecretError {
    match e {
        KeyringError::NoStorageAccess(_)
        | KeyringError::PlatformFailure(_)
        | KeyringError::NoDefaultStore => unavailable(&e),
        other => SecretError::Backend { key: key.to_string(), reason: other.to_string() },
    }
}
