//! Catalog import and search at 10,000 entries synthesised from Docker's 328 real ones, side by
//! side with a naive baseline (case-insensitive substring scan) in the same run.
//! Targets: import under 200 ms, search p99 under 1 ms.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use berth_catalog::{CatalogIndex, CatalogItem, SearchFilters, SourceFormat, import_bytes};
use serde_yaml_ng::{Mapping, Value};

const TARGET: usize = 10_000;

fn data_dir() -> PathBuf {
    berth_testkit::shared_data()
}

/// Rewrites a registry `server.yaml` as a Docker catalog entry (the format catalog URLs serve).
fn to_catalog_entry(doc: &Value) -> Value {
    let mut e = Mapping::new();
    let get = |path: &[&str]| {
        let mut v = doc;
        for p in path {
            v = v.get(*p)?;
        }
        Some(v.clone())
    };
    for (to, from) in [
        ("type", &["type"][..]),
        ("image", &["image"]),
        ("title", &["about", "title"]),
        ("description", &["about", "description"]),
        ("icon", &["about", "icon"]),
        ("remote", &["remote"]),
        ("secrets", &["config", "secrets"]),
        ("allowHosts", &["run", "allowHosts"]),
        ("command", &["run", "command"]),
    ] {
        if let Some(v) = get(from) {
            e.insert(to.into(), v);
        }
    }
    let mut meta = Mapping::new();
    if let Some(v) = get(&["meta", "category"]) {
        meta.insert("category".into(), v);
    }
    if let Some(v) = get(&["meta", "tags"]) {
        meta.insert("tags".into(), v);
    }
    e.insert("metadata".into(), Value::Mapping(meta));
    Value::Mapping(e)
}

fn synthesise() -> (String, usize) {
    let dir = data_dir().join("docker-mcp-registry/servers");
    let mut originals = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (the shared data must be beside the repository)", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for p in paths {
        let doc: Value =
            serde_yaml_ng::from_str(&std::fs::read_to_string(p.join("server.yaml")).unwrap()).unwrap();
        if doc.get("type").and_then(Value::as_str) == Some("poci") {
            continue;
        }
        let name = doc.get("name").and_then(Value::as_str).unwrap().to_owned();
        originals.push((name, to_catalog_entry(&doc)));
    }
    let mut registry = Mapping::new();
    for i in 0..TARGET {
        let (name, entry) = &originals[i % originals.len()];
        let name = if i < originals.len() { name.clone() } else { format!("{name}-{}", i / originals.len()) };
        registry.insert(name.into(), entry.clone());
    }
    let mut root = Mapping::new();
    root.insert("registry".into(), Value::Mapping(registry));
    (serde_yaml_ng::to_string(&Value::Mapping(root)).unwrap(), originals.len())
}

fn percentiles(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[((v.len() as f64) * 0.99) as usize])
}

fn baseline_search(items: &[CatalogItem], query: &str, limit: usize) -> usize {
    let q = query.to_lowercase();
    items
        .iter()
        .filter(|i| {
            i.name.to_lowercase().contains(&q)
                || i.title.to_lowercase().contains(&q)
                || i.description.to_lowercase().contains(&q)
                || i.tags.iter().any(|t| t.to_lowercase().contains(&q))
        })
        .take(limit)
        .count()
}

fn main() {
    let (yaml, distinct) = synthesise();
    println!(
        "inputs: {TARGET} entries synthesised from {distinct} real Docker registry entries, {} bytes of catalog YAML",
        yaml.len()
    );

    // Import = parse + validate every entry + build the search index, best of 5 runs.
    let mut import_times = Vec::new();
    let mut items = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let report = import_bytes(yaml.as_bytes(), Some(SourceFormat::DockerCatalog)).unwrap();
        let parsed = t.elapsed();
        let index = CatalogIndex::build(&report.items);
        let total = t.elapsed();
        assert_eq!(report.items.len(), TARGET);
        import_times.push((total, parsed, total - parsed));
        items = report.items;
        drop(index);
    }
    import_times.sort();
    let (total, parsed, indexed) = import_times[0];
    let verdict = if total < Duration::from_millis(200) { "met" } else { "MISSED" };
    println!(
        "import (best of 5): {total:.1?} total = {parsed:.1?} parse+validate + {indexed:.1?} index  [target < 200 ms]: {verdict}"
    );

    let index = CatalogIndex::build(&items);
    // Whole queries, and every prefix of them as a user types.
    let words = [
        "github issues",
        "notion",
        "kubernetes",
        "sql database",
        "time zone",
        "browser automation",
        "stripe payments",
        "youtube transcripts",
        "search the web",
        "files",
        "redis",
        "aws",
    ];
    let mut queries: Vec<String> = Vec::new();
    for w in words {
        for end in 1..=w.len() {
            if w.is_char_boundary(end) {
                queries.push(w[..end].to_owned());
            }
        }
    }
    let filters = SearchFilters::default();
    let mut berth = Vec::new();
    let mut base = Vec::new();
    let mut sink = 0usize;
    for round in 0..20 {
        for q in &queries {
            let t = Instant::now();
            sink += index.search(q, &filters, 20).len();
            let d = t.elapsed();
            let t = Instant::now();
            sink += baseline_search(&items, q, 20);
            let b = t.elapsed();
            if round > 0 {
                berth.push(d);
                base.push(b);
            }
        }
    }
    let (p50, p99) = percentiles(berth.clone());
    let (b50, b99) = percentiles(base);
    println!("search over {} queries (typed prefixes of {} phrases, 19 rounds):", queries.len(), words.len());
    let verdict = if p99 < Duration::from_millis(1) { "met" } else { "MISSED" };
    println!("  berth BM25F index     p50 {p50:>9.1?}  p99 {p99:>9.1?}  [target p99 < 1 ms]: {verdict}");
    println!("  baseline substring    p50 {b50:>9.1?}  p99 {b99:>9.1?}");
    println!("(checksum {sink})");
    hostile();
}

/// Catalogs built to be expensive: each must be refused, with its reason, within a second. The
/// baseline is the same file's size read as bytes, for scale.
fn hostile() {
    let mut amplified = String::from("registry:\n  bomb:\n    image: x/y\n    x: &a [");
    amplified.push_str(&vec!["xxxxxxxx"; 1000].join(","));
    amplified.push_str("]\n    y:\n");
    while amplified.len() < 4_000_000 {
        amplified.push_str("      - *a\n");
    }
    let deep = format!("registry:\n  deep:\n    x: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let blocks: String = std::iter::once("registry:\n".to_owned())
        .chain((1..400).map(|i| format!("{}- \n", " ".repeat(i * 2))))
        .collect();
    println!("hostile catalogs, refused before any value is built [target < 1 s each]:");
    for (name, text) in [
        ("alias amplification", &amplified),
        ("flow nesting 100k deep", &deep),
        ("block nesting 400 deep", &blocks),
    ] {
        let t = Instant::now();
        let outcome = import_bytes(text.as_bytes(), None);
        let d = t.elapsed();
        let t = Instant::now();
        let bytes: usize = std::hint::black_box(text.as_bytes()).iter().map(|b| *b as usize).sum();
        let scan = t.elapsed();
        let refused = outcome.is_err();
        println!(
            "  {name:<24} {:>8} bytes  {d:>9.1?}  {}  (reading its bytes: {scan:.1?}, {bytes})",
            text.len(),
            if refused && d.as_secs_f64() < 1.0 { "refused: ok" } else { "MISSED" }
        );
    }
}
