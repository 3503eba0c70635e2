//! Facade functions for browsing the catalog: ranked search and item details, each with the
//! secrets an item needs and whether they are already stored.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use berth_catalog::{CatalogIndex, CatalogItem, ItemKind, Rejection, SearchFilters};

use crate::server_secrets::secret_statuses;
use crate::{ApiError, Berth, ErrorCode, Locale};

/// The merged catalog and its index, rebuilt whenever a source changes.
pub(crate) struct LoadedCatalog {
    pub items: Vec<CatalogItem>,
    pub index: CatalogIndex,
    pub rejected: Vec<Rejection>,
    /// How many entries the built-in catalog has, for the sources overview.
    pub builtin_count: usize,
    /// The sources' revision it was built from (`Store::catalog_revision`).
    revision: (i64, i64, i64),
}

/// A search request from the UI or the CLI.
#[derive(Clone, Debug, Default, Deserialize, TS)]
pub struct CatalogQuery {
    pub query: String,
    #[serde(default)]
    pub filters: SearchFilters,
    /// At most this many results (default 50).
    pub limit: Option<u32>,
    /// The language for titles and descriptions; the UI language when absent.
    pub locale: Option<Locale>,
}

/// A secret an item needs, and whether the keychain already has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
pub struct SecretStatus {
    /// The catalog's name for it (`github.personal_access_token`).
    pub name: String,
    /// Where Berth stores it (`berth/server/github-official/github.personal_access_token`): a
    /// secret belongs to the server it was set for.
    pub key: String,
    pub env: String,
    pub description: Option<String>,
    pub required: bool,
    pub set: bool,
}

/// One search result.
#[derive(Clone, Debug, Serialize, TS)]
pub struct CatalogHit {
    pub name: String,
    pub title: String,
    pub description: String,
    pub kind: ItemKind,
    /// False for items Berth cannot run yet (npm- or PyPI-only packages).
    pub runnable: bool,
    pub needs_oauth: bool,
    pub category: Option<String>,
    pub icon: Option<String>,
    pub source: String,
    pub secrets: Vec<SecretStatus>,
    /// Whether a server of this name is installed.
    pub installed: bool,
}

/// Everything about one item, for the detail view and `berth catalog show`.
#[derive(Clone, Debug, Serialize, TS)]
pub struct CatalogItemView {
    /// Title and description in the requested language.
    pub title: String,
    pub description: String,
    pub item: CatalogItem,
    pub secrets: Vec<SecretStatus>,
    /// Whether a server of this name is installed.
    pub installed: bool,
    /// Configuration fields that name a host folder (the form offers a folder picker).
    pub folder_fields: Vec<String>,
}

impl Berth {
    /// The loaded catalog, loading it from the built-in catalog and the cached sources on first use
    /// and again when a source changed, in this process or another (the app and the CLI share the
    /// database).
    pub(crate) async fn catalog(&self) -> Result<Arc<LoadedCatalog>, ApiError> {
        let revision = self.store.catalog_revision().await?;
        if let Some(c) = self.catalog.read().await.as_ref()
            && c.revision == revision
        {
            return Ok(c.clone());
        }
        let mut slot = self.catalog.write().await;
        if let Some(c) = slot.as_ref()
            && c.revision == revision
        {
            return Ok(c.clone());
        }
        let loaded = Arc::new(self.load_catalog(revision).await?);
        *slot = Some(loaded.clone());
        Ok(loaded)
    }

    /// The catalog entry named `name`.
    pub(crate) async fn catalog_item(&self, name: &str) -> Result<CatalogItem, ApiError> {
        let catalog = self.catalog().await?;
        catalog.items.iter().find(|i| i.name == name).cloned().ok_or_else(|| {
            ApiError::msg(ErrorCode::NotFound, crate::msg!("msg.catalog.unknown", name = format!("{name:?}")))
        })
    }

    /// Drops the loaded catalog so the next use reloads it.
    pub(crate) async fn invalidate_catalog(&self) {
        *self.catalog.write().await = None;
    }

    async fn load_catalog(&self, revision: (i64, i64, i64)) -> Result<LoadedCatalog, ApiError> {
        let builtin = berth_catalog::builtin::load();
        let builtin_count = builtin.items.len();
        let mut sources = vec![(crate::catalog_sources::BUILTIN_ID.to_owned(), builtin)];
        for row in self.store.catalog_sources().await? {
            // What the copy was read into when it was fetched; reading it again would cost as
            // much as the first time, in every process.
            let kept = self.store.catalog_source_parsed(&row.id).await?;
            if let Some(report) = kept.as_deref().and_then(berth_catalog::ImportReport::from_parsed) {
                sources.push((row.id, report));
                continue;
            }
            let Some(body) = self.store.catalog_source_body(&row.id).await? else { continue };
            match berth_catalog::import_bytes(&body, None) {
                Ok(report) => sources.push((row.id, report)),
                // The cache only ever holds content that imported; a failure here means the
                // import rules changed, so the source is skipped and reported, not fatal.
                Err(e) => tracing::warn!(source = %row.id, "cached catalog no longer imports: {e}"),
            }
        }
        let merged = berth_catalog::merge(sources);
        let index = tokio::task::spawn_blocking({
            let items = merged.items.clone();
            move || CatalogIndex::build(&items)
        })
        .await
        .map_err(|e| ApiError::internal("building the catalog index crashed").with_detail(e.to_string()))?;
        Ok(LoadedCatalog { items: merged.items, index, rejected: merged.rejected, builtin_count, revision })
    }

    async fn lang(&self, locale: Option<Locale>) -> Result<&'static str, ApiError> {
        let locale = match locale {
            Some(l) => l,
            None => self.settings().await?.effective_locale,
        };
        Ok(match locale {
            Locale::En => "en",
            Locale::Ja => "ja",
        })
    }

    /// Ranked search over the catalog.
    pub async fn catalog_search(&self, q: CatalogQuery) -> Result<Vec<CatalogHit>, ApiError> {
        if q.query.len() > 500 {
            return Err(ApiError::msg(ErrorCode::Validation, crate::msg!("msg.catalog.query_long")));
        }
        let catalog = self.catalog().await?;
        let lang = self.lang(q.locale).await?;
        let set = self.stored_secret_keys().await?;
        let installed: std::collections::HashSet<String> =
            self.store.server_names().await?.into_iter().collect();
        let limit = q.limit.unwrap_or(50).clamp(1, 10_000) as usize;
        let mut hits = Vec::new();
        for hit in catalog.index.search(&q.query, &q.filters, limit) {
            let item = &catalog.items[hit.index];
            let (title, description) = item.localized(lang);
            hits.push(CatalogHit {
                name: item.name.clone(),
                title: title.to_owned(),
                description: description.to_owned(),
                kind: item.kind(),
                runnable: item.runnable(),
                needs_oauth: item.needs_oauth(),
                category: item.category.clone(),
                icon: item.icon.clone(),
                source: item.source.clone(),
                secrets: secret_statuses(item, &set),
                installed: installed.contains(&item.name),
            });
        }
        Ok(hits)
    }

    /// One item by name.
    pub async fn catalog_show(
        &self,
        name: &str,
        locale: Option<Locale>,
    ) -> Result<CatalogItemView, ApiError> {
        let item = self.catalog_item(name).await?;
        let lang = self.lang(locale).await?;
        let (title, description) = item.localized(lang);
        let (title, description) = (title.to_owned(), description.to_owned());
        let set = self.stored_secret_keys().await?;
        let installed = self.store.server(&item.name).await?.is_some();
        let folder_fields = berth_servers::folder_fields(&item);
        Ok(CatalogItemView {
            title,
            description,
            secrets: secret_statuses(&item, &set),
            installed,
            folder_fields,
            item,
        })
    }
}
