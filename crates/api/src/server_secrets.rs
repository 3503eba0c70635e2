//! Secrets of catalog servers, in one place: where each is stored (`berth/server/<name>`), whether
//! it is set, what to tell the user when it is not, and reading the values for a start.

use std::collections::{HashMap, HashSet};

use berth_catalog::{CatalogItem, SecretSpec};
use berth_secrets::SecretKey;

use crate::{ApiError, Berth, SecretStatus};

/// The secret kind catalog secrets are stored under: `berth/server/<secret name>`. Servers that
/// name the same secret share it, as in Docker's catalog.
pub const SERVER_SECRET_KIND: &str = "server";

pub(crate) fn server_secret_key(name: &str) -> Result<SecretKey, ApiError> {
    Ok(SecretKey::new(SERVER_SECRET_KIND, name)?)
}

/// What to do about one missing secret.
pub(crate) fn missing_hint(spec: &SecretSpec) -> String {
    format!("{} (${}): `berth secret set berth/server/{}`", spec.name, spec.env, spec.name)
}

/// Whether each of `specs` is set, given the stored secret references.
pub(crate) fn secret_statuses(specs: &[SecretSpec], stored: &HashSet<String>) -> Vec<SecretStatus> {
    specs
        .iter()
        .map(|s| {
            let key = server_secret_key(&s.name).map(|k| k.to_string()).ok();
            SecretStatus {
                name: s.name.clone(),
                set: key.as_ref().is_some_and(|k| stored.contains(k)),
                key: key.unwrap_or_default(),
                env: s.env.clone(),
                description: s.description.clone(),
                required: s.required,
            }
        })
        .collect()
}

/// An item's secret values, and hints for the required ones that are missing.
pub(crate) struct ResolvedSecrets {
    pub values: HashMap<String, String>,
    pub missing: Vec<String>,
}

impl Berth {
    /// The keys of every stored secret, read once for a whole listing.
    pub(crate) async fn stored_secret_keys(&self) -> Result<HashSet<String>, ApiError> {
        Ok(self.store.secret_refs().await?.into_iter().map(|r| r.key).collect())
    }

    /// Reads an item's secrets from the keychain for a start.
    pub(crate) async fn resolve_secrets(&self, item: &CatalogItem) -> Result<ResolvedSecrets, ApiError> {
        let mut resolved = ResolvedSecrets { values: HashMap::new(), missing: Vec::new() };
        for s in &item.secrets {
            let key = server_secret_key(&s.name)?;
            match self.with_secrets(move |store| store.get(&key)).await? {
                Some(v) => {
                    resolved.values.insert(s.name.clone(), v.expose().to_owned());
                }
                None if s.required => resolved.missing.push(missing_hint(s)),
                None => {}
            }
        }
        Ok(resolved)
    }
}
