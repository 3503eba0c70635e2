//! Facade functions for catalog sources: add a URL or a local file, list them with their age and
//! health, refresh (conditional GET, offline fallback to the last good copy), remove.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use berth_catalog::{MAX_CATALOG_BYTES, Rejection};
use berth_net::{Conditional, Fetched, HttpClient, Url, UrlPolicy};
use berth_store::{CatalogFetch, CatalogSourceRow};

use crate::catalog_copy::{NewCopy, net_error};
use crate::catalog_files::{read_file, read_folder};
use crate::catalog_url::{has_credentials, masked};
use crate::messages::Msg;
use crate::{ApiError, Berth, ErrorCode};

/// The id of the catalog compiled into Berth.
pub const BUILTIN_ID: &str = "builtin";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Builtin,
    Url,
    File,
    /// A folder of `server.yaml` / `server.json` files, read whole on each refresh.
    Folder,
}

/// How a source is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SourceHealth {
    /// The last refresh worked.
    Ok,
    /// The last refresh failed; the last good copy (of the age shown) is in use.
    Stale,
    /// No copy has ever been fetched.
    Failed,
}

#[derive(Clone, Debug, Serialize, TS)]
pub struct CatalogSourceView {
    pub id: String,
    pub kind: SourceKind,
    pub location: String,
    pub health: SourceHealth,
    pub item_count: i64,
    pub rejected_count: i64,
    /// When the content in use was fetched (Unix ms).
    pub fetched_at: Option<i64>,
    /// How old that content is, in milliseconds.
    pub age_ms: Option<i64>,
    pub last_error: Option<String>,
    /// The last error by key and parameters, when it has a key.
    pub last_error_key: Option<String>,
    pub last_error_params: BTreeMap<String, String>,
}

/// All sources and what the merged catalog holds.
#[derive(Clone, Debug, Serialize, TS)]
pub struct CatalogOverview {
    pub sources: Vec<CatalogSourceView>,
    pub total_items: usize,
    /// Entries that were skipped, with the source and the reason.
    pub rejected: Vec<Rejection>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RefreshStatus {
    Updated,
    NotModified,
    Failed,
}

#[derive(Clone, Debug, Serialize, TS)]
pub struct RefreshOutcome {
    pub id: String,
    pub status: RefreshStatus,
    /// What happened, in English.
    pub message: String,
    /// The same by key and parameters.
    pub key: Option<String>,
    pub params: BTreeMap<String, String>,
}

impl RefreshOutcome {
    fn new(id: &str, status: RefreshStatus, m: Msg) -> Self {
        Self {
            id: id.to_owned(),
            status,
            message: m.english(),
            key: Some(m.key.to_owned()),
            params: m.params,
        }
    }
}

/// A source as the overview shows it; `now_ms` dates its content.
fn view(row: CatalogSourceRow, now_ms: i64) -> CatalogSourceView {
    let health = match (&row.last_error, row.fetched_at) {
        (None, Some(_)) => SourceHealth::Ok,
        (Some(_), Some(_)) => SourceHealth::Stale,
        (_, None) => SourceHealth::Failed,
    };
    #[derive(serde::Deserialize)]
    struct Keyed {
        key: String,
        params: BTreeMap<String, String>,
    }
    let keyed = row.last_error_msg.as_deref().and_then(|m| serde_json::from_str::<Keyed>(m).ok());
    let (last_error_key, last_error_params) = match keyed {
        Some(k) => (Some(k.key), k.params),
        None => (None, BTreeMap::new()),
    };
    CatalogSourceView {
        kind: match row.kind.as_str() {
            "url" => SourceKind::Url,
            "folder" => SourceKind::Folder,
            _ => SourceKind::File,
        },
        age_ms: row.fetched_at.map(|t| (now_ms - t).max(0)),
        id: row.id,
        location: crate::catalog_url::shown(&row.location),
        health,
        item_count: row.item_count,
        rejected_count: row.rejected_count,
        fetched_at: row.fetched_at,
        last_error: row.last_error,
        last_error_key,
        last_error_params,
    }
}

/// A short id from a location: the file stem or the URL's host and last path segment.
fn derive_id(location: &str) -> String {
    let raw = match Url::parse(location) {
        Ok(u) if u.scheme().starts_with("http") => {
            let last = u.path_segments().and_then(|mut s| s.next_back()).unwrap_or_default();
            let stem = last.split('.').next().unwrap_or_default();
            format!("{}-{}", u.host_str().unwrap_or("url"), stem)
        }
        _ => Path::new(location)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into()),
    };
    let id: String = raw
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if id.is_empty() || id == BUILTIN_ID { "source".into() } else { id.chars().take(48).collect() }
}

impl Berth {
    fn http(&self) -> &HttpClient {
        self.http.get_or_init(|| HttpClient::new(UrlPolicy::default()))
    }

    /// The built-in catalog and every added source, with the merged catalog's size and rejections.
    pub async fn catalog_overview(&self) -> Result<CatalogOverview, ApiError> {
        let catalog = self.catalog().await?;
        let mut sources = vec![CatalogSourceView {
            id: BUILTIN_ID.into(),
            kind: SourceKind::Builtin,
            location: "built into Berth".into(),
            health: SourceHealth::Ok,
            item_count: catalog.builtin_count as i64,
            rejected_count: 0,
            fetched_at: None,
            age_ms: None,
            last_error: None,
            last_error_key: None,
            last_error_params: BTreeMap::new(),
        }];
        let now = self.now_ms();
        sources.extend(self.store.catalog_sources().await?.into_iter().map(|row| view(row, now)));
        Ok(CatalogOverview { sources, total_items: catalog.items.len(), rejected: catalog.rejected.clone() })
    }

    /// Adds a catalog URL (https, or http to this computer), a local file, or a local folder of
    /// `server.yaml` / `server.json` files, and reads it once.
    /// A source whose first fetch fails is not kept.
    pub async fn catalog_source_add(
        &self,
        location: &str,
        id: Option<&str>,
    ) -> Result<CatalogSourceView, ApiError> {
        let location = location.trim();
        // A URL's credentials are kept in the keychain; the database holds the masked form.
        let mut full_url = None;
        let (kind, location) = match Url::parse(location) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {
                self.http().policy().check(&u).map_err(net_error)?;
                let shown = masked(&u);
                full_url = Some(u);
                ("url", shown)
            }
            Ok(u) if u.scheme() == "file" => {
                let path = u
                    .to_file_path()
                    .map_err(|_| ApiError::msg(ErrorCode::Validation, crate::msg!("msg.source.file_url")))?;
                ("file", path.display().to_string())
            }
            Ok(u) if u.scheme().len() > 1 => {
                return Err(ApiError::msg(
                    ErrorCode::UrlNotAllowed,
                    crate::msg!("msg.source.scheme", scheme = u.scheme()),
                ));
            }
            _ => {
                let path = Path::new(location);
                if !path.is_absolute() {
                    return Err(ApiError::msg(
                        ErrorCode::Validation,
                        crate::msg!("msg.source.not_a_location", location = format!("{location:?}")),
                    ));
                }
                // Stored as the path it really is, so the same folder added twice is one source.
                let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
                let kind = if path.is_dir() { "folder" } else { "file" };
                (kind, path.display().to_string())
            }
        };
        let id = match id {
            Some(id) => {
                if id == BUILTIN_ID
                    || id.is_empty()
                    || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                {
                    return Err(ApiError::msg(
                        ErrorCode::Validation,
                        crate::msg!("msg.source.bad_name", id = format!("{id:?}")),
                    ));
                }
                id.to_owned()
            }
            None => {
                let base = derive_id(&location);
                let taken: Vec<String> =
                    self.store.catalog_sources().await?.into_iter().map(|r| r.id).collect();
                let mut id = base.clone();
                let mut n = 2;
                while taken.contains(&id) {
                    id = format!("{base}-{n}");
                    n += 1;
                }
                id
            }
        };
        if self.store.catalog_sources().await?.iter().any(|r| r.id == id || r.location == location) {
            return Err(ApiError::msg(
                ErrorCode::Conflict,
                crate::msg!("msg.source.taken", id = format!("{id:?}")),
            ));
        }
        // Read and imported before anything is stored, then stored with its content at once: an
        // add that fails or is cut short (the process killed mid-download) leaves no source.
        let not_added = |e: ApiError| e.then(crate::msg!("msg.source.not_added"));
        let fetched = match &full_url {
            Some(url) => self.fetch_url(url, &Conditional::default()).await,
            None => self.fetch_source(kind, &location, None).await,
        };
        let Fetched::Body { bytes, etag, last_modified } = fetched.map_err(not_added)? else {
            return Err(ApiError::internal("an unconditional fetch answered \"not modified\""));
        };
        let copy = NewCopy::read(bytes, etag, last_modified, &location).map_err(not_added)?;
        let kept = match &full_url {
            Some(url) if has_credentials(url) => {
                self.keep_source_url(&id, url).await.map_err(not_added)?;
                true
            }
            _ => false,
        };
        if let Err(e) = self.store.add_catalog_source(&id, kind, &location, copy.fetch()).await {
            if kept {
                self.forget_source_url(&id).await;
            }
            return Err(e.into());
        }
        self.invalidate_catalog().await;
        let row = self
            .store
            .catalog_source(&id)
            .await?
            .ok_or_else(|| ApiError::internal("the new source vanished"))?;
        Ok(view(row, self.now_ms()))
    }

    pub async fn catalog_source_remove(&self, id: &str) -> Result<bool, ApiError> {
        if id == BUILTIN_ID {
            return Err(ApiError::msg(ErrorCode::Validation, crate::msg!("msg.source.builtin_kept")));
        }
        let removed = self.store.remove_catalog_source(id).await?;
        if removed {
            self.forget_source_url(id).await;
        }
        if !removed {
            return Err(ApiError::msg(
                ErrorCode::NotFound,
                crate::msg!("msg.source.unknown", id = format!("{id:?}")),
            ));
        }
        self.invalidate_catalog().await;
        Ok(true)
    }

    /// Refreshes one source, or all of them when `id` is `None`.
    pub async fn catalog_refresh(&self, id: Option<&str>) -> Result<Vec<RefreshOutcome>, ApiError> {
        let ids: Vec<String> = match id {
            Some(BUILTIN_ID) => {
                return Ok(vec![RefreshOutcome::new(
                    BUILTIN_ID,
                    RefreshStatus::NotModified,
                    crate::msg!("msg.refresh.builtin"),
                )]);
            }
            Some(id) => {
                self.store.catalog_source(id).await?.ok_or_else(|| {
                    ApiError::msg(
                        ErrorCode::NotFound,
                        crate::msg!("msg.source.unknown", id = format!("{id:?}")),
                    )
                })?;
                vec![id.to_owned()]
            }
            None => self.store.catalog_sources().await?.into_iter().map(|r| r.id).collect(),
        };
        let mut out = Vec::new();
        for id in ids {
            out.push(self.refresh_one(&id).await?.0);
        }
        if out.iter().any(|o| o.status == RefreshStatus::Updated) {
            self.invalidate_catalog().await;
        }
        Ok(out)
    }

    /// Reads a file or folder source's content; "not modified" when it is still what the stored
    /// copy (content tag `stored`) was read from.
    async fn fetch_source(
        &self,
        kind: &str,
        location: &str,
        stored: Option<&str>,
    ) -> Result<Fetched, ApiError> {
        match kind {
            "folder" => read_folder(Path::new(location), stored).await,
            _ => read_file(Path::new(location), stored).await,
        }
    }

    /// Reads a URL source's content, conditionally.
    async fn fetch_url(&self, url: &Url, cond: &Conditional) -> Result<Fetched, ApiError> {
        self.http().get_conditional(url, cond, MAX_CATALOG_BYTES).await.map_err(net_error)
    }

    /// Fetches one source. Failures are recorded on the source (its last good copy stays in use)
    /// and reported in the outcome with the error behind them; only storage failures are errors.
    async fn refresh_one(&self, id: &str) -> Result<(RefreshOutcome, Option<ApiError>), ApiError> {
        let row =
            self.store.catalog_source(id).await?.ok_or_else(|| ApiError::internal("source vanished"))?;
        let cond = Conditional { etag: row.etag.clone(), last_modified: row.last_modified.clone() };
        let fetched = match row.kind.as_str() {
            "url" => match self.source_url(id, &row.location).await {
                Ok(url) => self.fetch_url(&url, &cond).await,
                Err(e) => Err(e),
            },
            kind => self.fetch_source(kind, &row.location, row.etag.as_deref()).await,
        };
        let failed = |e: ApiError| async move {
            let shown = if row.fetched_at.is_some() {
                e.clone().then(crate::msg!("msg.source.kept"))
            } else {
                e.clone()
            };
            let keyed = shown
                .key
                .as_ref()
                .map(|key| serde_json::json!({"key": key, "params": shown.params}).to_string());
            self.store.record_catalog_failure(id, &shown.message, keyed.as_deref()).await?;
            tracing::warn!(source = id, code = ?e.code, "catalog refresh failed");
            let outcome = RefreshOutcome {
                id: id.to_owned(),
                status: RefreshStatus::Failed,
                message: shown.message,
                key: shown.key,
                params: shown.params,
            };
            Ok::<_, ApiError>((outcome, Some(e)))
        };
        match fetched {
            Err(e) => failed(e).await,
            Ok(Fetched::NotModified) => {
                self.store
                    .record_catalog_fetch(
                        id,
                        CatalogFetch {
                            body: None,
                            parsed: None,
                            etag: None,
                            last_modified: None,
                            item_count: row.item_count,
                            rejected_count: row.rejected_count,
                        },
                    )
                    .await?;
                Ok((
                    RefreshOutcome::new(
                        id,
                        RefreshStatus::NotModified,
                        crate::msg!("msg.refresh.not_modified"),
                    ),
                    None,
                ))
            }
            Ok(Fetched::Body { bytes, etag, last_modified }) => {
                match NewCopy::read(bytes, etag, last_modified, &crate::catalog_url::shown(&row.location)) {
                    Ok(copy) => {
                        self.store.record_catalog_fetch(id, copy.fetch()).await?;
                        let (items, skipped) = (copy.report.items.len(), copy.report.rejected.len());
                        Ok((
                            RefreshOutcome::new(
                                id,
                                RefreshStatus::Updated,
                                crate::msg!("msg.refresh.updated", count = items, skipped = skipped),
                            ),
                            None,
                        ))
                    }
                    Err(e) => failed(e).await,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_derive_from_locations() {
        assert_eq!(derive_id("https://example.com/mcp/catalog.yaml"), "example-com-catalog");
        assert_eq!(derive_id("/home/me/My Catalog.yaml"), "my-catalog");
        assert_eq!(derive_id("/builtin.yaml"), "source");
    }
}
