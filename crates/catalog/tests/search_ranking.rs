//! Realistic queries against the full default catalog (built-in + Docker's 328 entries + the MCP
//! Registry examples) and the results a user expects at the top.

mod support;

use berth_catalog::{CatalogIndex, ItemKind, SearchFilters};

/// (query, expected first result)
const TOP: &[(&str, &str)] = &[
    ("github issues", "github-official"),
    ("github", "github-official"),
    ("notion", "notion-remote"),
    ("jira", "atlassian-remote"),
    ("confluence", "atlassian-remote"),
    ("kubernetes", "kubernetes"),
    ("playwright", "playwright"),
    ("memory", "memory"),
    ("filesystem", "filesystem"),
    ("files", "filesystem"),
    ("git", "git"),
    ("time", "time"),
    ("time zone", "time"),
    ("redis", "redis"),
    ("elasticsearch", "elasticsearch"),
    ("grafana", "grafana"),
    ("obsidian", "obsidian"),
    ("sentry", "sentry-remote"),
    ("linear", "linear-remote"),
    ("stripe payments", "stripe-remote"),
    ("youtube transcripts", "youtube_transcript"),
    ("browser automation", "browserbase"),
    ("airtable", "airtable-mcp-server"),
    ("mongo", "mongodb"),
    // Search as you type: an unfinished last word matches by prefix.
    ("kubern", "kubernetes"),
    ("elastics", "elasticsearch"),
    // Japanese descriptions and titles from the built-in catalog are searchable.
    ("タイムゾーン", "time"),
    ("ファイル", "filesystem"),
    ("検索", "brave-search"),
    ("ナレッジグラフ", "memory"),
];

/// (query, names that must all be in the top 5)
const TOP5: &[(&str, &[&str])] = &[
    ("sql database", &["sqlite", "postgres"]),
    ("brave search", &["brave", "brave-search"]),
    ("postgres", &["postgres", "prisma-postgres"]),
    ("search the web", &["brave-search", "duckduckgo"]),
];

#[test]
fn realistic_queries_put_the_expected_server_first() {
    let Some(dir) = support::data_dir() else { return };
    let items = support::full_catalog(&dir);
    let index = CatalogIndex::build(&items);
    let mut failures = Vec::new();
    for (query, want) in TOP {
        let hits = index.search(query, &SearchFilters::default(), 5);
        let got: Vec<_> = hits.iter().map(|h| items[h.index].name.as_str()).collect();
        if got.first() != Some(want) {
            failures.push(format!("{query:?}: expected {want} first, got {got:?}"));
        }
    }
    for (query, wants) in TOP5 {
        let hits = index.search(query, &SearchFilters::default(), 5);
        let got: Vec<_> = hits.iter().map(|h| items[h.index].name.as_str()).collect();
        for want in *wants {
            if !got.contains(want) {
                failures.push(format!("{query:?}: expected {want} in the top 5, got {got:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} queries ranked wrong:\n{}",
        failures.len(),
        TOP.len() + TOP5.len(),
        failures.join("\n")
    );
}

#[test]
fn filters_narrow_results() {
    let Some(dir) = support::data_dir() else { return };
    let items = support::full_catalog(&dir);
    let index = CatalogIndex::build(&items);
    let remote = SearchFilters { kind: Some(ItemKind::Remote), ..Default::default() };
    let hits = index.search("notion", &remote, 10);
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| items[h.index].kind() == ItemKind::Remote));
    let oauth = SearchFilters { needs_oauth: Some(true), ..Default::default() };
    assert!(index.search("github", &oauth, 10).iter().all(|h| items[h.index].needs_oauth()));
    let no_secrets = SearchFilters { needs_secrets: Some(false), ..Default::default() };
    let hits = index.search("github", &no_secrets, 50);
    assert!(hits.iter().all(|h| !items[h.index].secrets.iter().any(|s| s.required)));
    assert!(!hits.iter().any(|h| items[h.index].name == "github-official"));
    // An empty query lists everything that passes the filters.
    let all_remote = index.search("", &remote, usize::MAX);
    assert_eq!(all_remote.len(), items.iter().filter(|i| i.kind() == ItemKind::Remote).count());
    assert!(index.search("zzzqqqxxx", &SearchFilters::default(), 5).is_empty());
}
