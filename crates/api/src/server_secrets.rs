//! Secrets of catalog servers, in one place: where each is stored
//! (`berth/server/<server>/<secret>`), whether it is set, what to tell the user when it is not,
//! storing the values an install or an edit gives, and reading them for a start.

use std::collections::{HashMap, HashSet};

use berth_catalog::{CatalogItem, SecretSpec};
use berth_secrets::SecretKey;

use crate::{ApiError, Berth, SecretStatus};

/// The secret kind catalog secrets are stored under: `berth/server/<server>/<secret name>`. A
/// secret is scoped to the server it was set for: whatever name another catalog entry declares,
/// it never receives a secret set for a different server.
pub const SERVER_SECRET_KIND: &str = "server";

pub(crate) fn server_secret_key(server: &str, name: &str) -> Result<SecretKey, ApiError> {
    Ok(SecretKey::new(SERVER_SECRET_KIND, &format!("{server}/{name}"))?)
}

/// Where an earlier Berth kept the secret (`berth/server/<secret name>`), when it can only be this
/// server's: its name carries the server's own name as its prefix, as Docker's spec asks
/// (`brave.api_key` for `brave`). Any other name set that way may have been set for another
/// server, so it is not used.
fn earlier_key(server: &str, name: &str) -> Option<SecretKey> {
    let own = name.strip_prefix(server)?.starts_with('.');
    own.then(|| SecretKey::new(SERVER_SECRET_KIND, name).ok()).flatten()
}

/// What to do about one missing secret of `server`.
pub(crate) fn missing_hint(server: &str, spec: &SecretSpec) -> String {
    format!("{} (${}): `berth secret set berth/server/{server}/{}`", spec.name, spec.env, spec.name)
}

/// Whether each secret `item` declares is set, given the stored secret references.
pub(crate) fn secret_statuses(item: &CatalogItem, stored: &HashSet<String>) -> Vec<SecretStatus> {
    item.secrets
        .iter()
        .map(|s| {
            let key = server_secret_key(&item.name, &s.name).map(|k| k.to_string()).ok();
            let earlier = earlier_key(&item.name, &s.name).map(|k| k.to_string());
            SecretStatus {
                name: s.name.clone(),
                set: key.iter().chain(earlier.iter()).any(|k| stored.contains(k)),
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
    /// Refuses secret values given for names `item` does not declare.
    pub(crate) fn check_given_secrets(
        item: &CatalogItem,
        given: &HashMap<String, String>,
    ) -> Result<(), ApiError> {
        match given.keys().find(|name| !item.secrets.iter().any(|s| &s.name == *name)) {
            Some(name) => Err(ApiError::msg(
                crate::ErrorCode::Validation,
                crate::msg!("msg.install.no_such_secret", name = &item.name, secret = name),
            )),
            None => Ok(()),
        }
    }

    /// Stores the secret values given for `server` (an empty one changes nothing).
    pub(crate) async fn store_given_secrets(
        &self,
        server: &str,
        given: &HashMap<String, String>,
    ) -> Result<(), ApiError> {
        for (name, value) in given {
            if !value.is_empty() {
                self.set_secret(&server_secret_key(server, name)?.to_string(), value.clone()).await?;
            }
        }
        Ok(())
    }

    /// The keys of every stored secret, read once for a whole listing.
    pub(crate) async fn stored_secret_keys(&self) -> Result<HashSet<String>, ApiError> {
        Ok(self.store.secret_refs().await?.into_iter().map(|r| r.key).collect())
    }

    /// Reads an item's secrets from the keychain for a start: only those set for this server.
    pub(crate) async fn resolve_secrets(&self, item: &CatalogItem) -> Result<ResolvedSecrets, ApiError> {
        let mut resolved = ResolvedSecrets { values: HashMap::new(), missing: Vec::new() };
        for s in &item.secrets {
            let key = server_secret_key(&item.name, &s.name)?;
            let earlier = earlier_key(&item.name, &s.name);
            let value = self
                .with_secrets(move |store| {
                    Ok(match store.get(&key)? {
                        Some(v) => Some(v),
                        None => match &earlier {
                            Some(k) => store.get(k)?,
                            None => None,
                        },
                    })
                })
                .await?;
            match value {
                Some(v) => {
                    resolved.values.insert(s.name.clone(), v.expose().to_owned());
                }
                None if s.required => resolved.missing.push(missing_hint(&item.name, s)),
                None => {}
            }
        }
        Ok(resolved)
    }

    /// Deletes every secret kept for `server` from the keychain, for its removal: those under
    /// `berth/server/<server>/`, and those an earlier Berth kept that can only be this server's.
    /// Returns how many there were.
    pub(crate) async fn forget_server_secrets(&self, server: &str) -> Result<usize, ApiError> {
        let own = format!("berth/{SERVER_SECRET_KIND}/{server}/");
        let earlier = format!("berth/{SERVER_SECRET_KIND}/{server}.");
        let keys: Vec<String> = self
            .stored_secret_keys()
            .await?
            .into_iter()
            .filter(|k| k.starts_with(&own) || k.starts_with(&earlier))
            .collect();
        for key in &keys {
            self.delete_secret(key).await?;
        }
        Ok(keys.len())
    }

    /// Whether `server`'s secret `name` is set (where it is kept now, or where an earlier Berth
    /// kept a secret that can only be this server's).
    pub(crate) async fn server_secret_set(&self, server: &str, name: &str) -> Result<bool, ApiError> {
        if self.is_secret_set(&server_secret_key(server, name)?.to_string()).await? {
            return Ok(true);
        }
        match earlier_key(server, name) {
            Some(k) => self.is_secret_set(&k.to_string()).await,
            None => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_scoped_to_their_server() {
        assert_eq!(
            server_secret_key("github-official", "github.personal_access_token").unwrap().to_string(),
            "berth/server/github-official/github.personal_access_token"
        );
        // An earlier global key is this server's only when the name carries the server's name.
        assert_eq!(earlier_key("brave", "brave.api_key").unwrap().to_string(), "berth/server/brave.api_key");
        assert!(earlier_key("evil", "github.personal_access_token").is_none());
        assert!(earlier_key("brave", "braveheart.key").is_none());
        assert!(earlier_key("github-official", "github.personal_access_token").is_none());
    }
}
