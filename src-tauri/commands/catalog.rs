//! Catalog commands: search, details, and catalog sources.

use berth_api::{
    ApiError, Berth, CatalogHit, CatalogItemView, CatalogOverview, CatalogQuery, CatalogSourceView, Locale,
    RefreshOutcome,
};
use tauri::State;

#[tauri::command]
pub async fn catalog_search(
    berth: State<'_, Berth>,
    query: CatalogQuery,
) -> Result<Vec<CatalogHit>, ApiError> {
    berth.catalog_search(query).await
}

#[tauri::command]
pub async fn catalog_show(
    berth: State<'_, Berth>,
    name: String,
    locale: Option<Locale>,
) -> Result<CatalogItemView, ApiError> {
    berth.catalog_show(&name, locale).await
}

#[tauri::command]
pub async fn catalog_overview(berth: State<'_, Berth>) -> Result<CatalogOverview, ApiError> {
    berth.catalog_overview().await
}

#[tauri::command]
pub async fn catalog_source_add(
    berth: State<'_, Berth>,
    location: String,
    id: Option<String>,
) -> Result<CatalogSourceView, ApiError> {
    berth.catalog_source_add(&location, id.as_deref()).await
}

#[tauri::command]
pub async fn catalog_source_remove(berth: State<'_, Berth>, id: String) -> Result<bool, ApiError> {
    berth.catalog_source_remove(&id).await
}

#[tauri::command]
pub async fn catalog_refresh(
    berth: State<'_, Berth>,
    id: Option<String>,
) -> Result<Vec<RefreshOutcome>, ApiError> {
    berth.catalog_refresh(id.as_deref()).await
}
