//! A catalog URL's credentials (a `user:password@`, a `?token=…`) stay out of the database and off
//! the screen: the full URL is kept in the keychain under `berth/catalog/<source>`, and the
//! database, the overview and every message show the URL with those parts masked.

use berth_net::Url;
use berth_secrets::{SecretKey, SecretValue};

use crate::{ApiError, Berth};

/// What stands in for a hidden part of a URL.
const MASK: &str = "***";

/// `url` with its user, password and every query value masked, and without its fragment (which
/// is never sent). A URL without credentials is shown as it is.
pub(crate) fn masked(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_fragment(None);
    if !shown.username().is_empty() || shown.password().is_some() {
        let _ = shown.set_username(MASK);
        let _ = shown.set_password(None);
    }
    if shown.query().is_some() {
        let names: Vec<String> = url.query_pairs().map(|(name, _)| name.into_owned()).collect();
        shown.set_query(None);
        let mut pairs = shown.query_pairs_mut();
        for name in names {
            pairs.append_pair(&name, MASK);
        }
    }
    shown.to_string()
}

/// Whether `url` carries anything [`masked`] hides.
pub(crate) fn has_credentials(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some() || url.query().is_some()
}

/// A stored location as it may be shown: masked if it is a URL.
pub(crate) fn shown(location: &str) -> String {
    match Url::parse(location) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => masked(&u),
        _ => location.to_owned(),
    }
}

fn key(id: &str) -> Result<SecretKey, ApiError> {
    Ok(SecretKey::new("catalog", id)?)
}

impl Berth {
    /// Keeps the full `url` of source `id` in the keychain.
    pub(crate) async fn keep_source_url(&self, id: &str, url: &Url) -> Result<(), ApiError> {
        let (key, value) = (key(id)?, SecretValue::new(url.to_string()));
        self.with_secrets(move |s| s.set(&key, &value)).await
    }

    /// The URL a source is fetched from: the stored one, or the full one from the keychain when
    /// the stored one is masked. An older source stored in full has its credentials moved now.
    pub(crate) async fn source_url(&self, id: &str, location: &str) -> Result<Url, ApiError> {
        let stored = Url::parse(location).map_err(|e| {
            let m = crate::msg!("msg.source.url_invalid", url = shown(location), reason = e);
            ApiError::msg(crate::ErrorCode::Validation, m)
        })?;
        if !has_credentials(&stored) {
            return Ok(stored);
        }
        if masked(&stored) != location {
            self.keep_source_url(id, &stored).await?;
            self.store.set_catalog_location(id, &masked(&stored)).await?;
            return Ok(stored);
        }
        let k = key(id)?;
        let full = self.with_secrets(move |s| s.get(&k)).await?.ok_or_else(|| {
            ApiError::msg(
                crate::ErrorCode::NotFound,
                crate::msg!("msg.source.url_lost", id = format!("{id:?}")),
            )
        })?;
        Url::parse(full.expose()).map_err(|e| ApiError::internal(format!("the kept URL is invalid: {e}")))
    }

    /// Forgets the full URL of a removed source; a source without one has nothing to forget.
    pub(crate) async fn forget_source_url(&self, id: &str) {
        let Ok(k) = key(id) else { return };
        if let Err(e) = self.with_secrets(move |s| s.delete(&k)).await {
            tracing::warn!(source = id, code = ?e.code, "the removed source's address stays in the keychain");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_masked_and_the_rest_kept() {
        let cases = [
            ("https://example.com/c.yaml?token=s3cret", "https://example.com/c.yaml?token=***"),
            ("https://me:pw@example.com/c.yaml", "https://***@example.com/c.yaml"),
            ("https://ghp_abc@example.com/c.yaml", "https://***@example.com/c.yaml"),
            ("https://example.com/c.yaml?a=1&key=k#frag", "https://example.com/c.yaml?a=***&key=***"),
            ("https://example.com/c.yaml", "https://example.com/c.yaml"),
        ];
        for (url, want) in cases {
            let u = Url::parse(url).unwrap();
            assert_eq!(masked(&u), want, "{url}");
            assert_eq!(masked(&Url::parse(want).unwrap()), want, "masking is stable");
            assert!(!masked(&u).contains("s3cret") && !masked(&u).contains("ghp_abc"));
        }
        assert!(has_credentials(&Url::parse(cases[0].0).unwrap()));
        assert!(!has_credentials(&Url::parse(cases[4].0).unwrap()));
        assert_eq!(shown("/home/me/catalog.yaml"), "/home/me/catalog.yaml");
    }
}
