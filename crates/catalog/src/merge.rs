//! Merging several sources into one catalog: later sources win per name, and fill in what the
//! winner lacks (tools, translations, tags) from the entry they replace.

use crate::{CatalogItem, ImportReport, Rejection};

/// The merged catalog.
#[derive(Clone, Debug, Default)]
pub struct MergedCatalog {
    pub items: Vec<CatalogItem>,
    /// Every rejection of every source, with the source's id prefixed to the entry.
    pub rejected: Vec<Rejection>,
}

/// Merges `(source id, report)` pairs in precedence order, lowest first: the built-in catalog,
/// then the user's sources in the order they were added.
pub fn merge(sources: impl IntoIterator<Item = (String, ImportReport)>) -> MergedCatalog {
    let mut out = MergedCatalog::default();
    let mut position: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (source, report) in sources {
        for r in report.rejected {
            out.rejected.push(Rejection { entry: format!("{source}: {}", r.entry), reason: r.reason });
        }
        for mut item in report.items {
            item.source = source.clone();
            match position.get(&item.name) {
                Some(&i) => {
                    let old = std::mem::replace(&mut out.items[i], item);
                    enrich(&mut out.items[i], old);
                }
                None => {
                    position.insert(item.name.clone(), out.items.len());
                    out.items.push(item);
                }
            }
        }
    }
    out
}

/// The same server described by two catalogs: keep the newer description of how to run it, and
/// keep what only the older one knew.
fn enrich(winner: &mut CatalogItem, older: CatalogItem) {
    if winner.tools.is_empty() {
        winner.tools = older.tools;
    }
    for (lang, t) in older.translations {
        winner.translations.entry(lang).or_insert(t);
    }
    if winner.description.trim().is_empty() {
        winner.description = older.description;
    }
    if winner.category.is_none() {
        winner.category = older.category;
    }
    for tag in older.tags {
        if !winner.tags.contains(&tag) {
            winner.tags.push(tag);
        }
    }
}
