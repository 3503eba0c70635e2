//! Imports the real catalogs in `../shared/data` and checks what came in, what was refused and why.

mod support;

use std::collections::BTreeMap;

use berth_catalog::{ItemKind, Launch, SourceFormat, Transport, builtin, import_bytes};

fn kinds(items: &[berth_catalog::CatalogItem]) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for i in items {
        let k = match i.kind() {
            ItemKind::Container => "container",
            ItemKind::Remote => "remote",
            ItemKind::Package => "package",
        };
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

#[test]
fn all_328_docker_registry_entries() {
    let Some(dir) = support::data_dir() else { return };
    let report = support::docker_registry(&dir);
    assert_eq!(report.items.len() + report.rejected.len(), 328);
    assert_eq!(kinds(&report.items), BTreeMap::from([("container", 249), ("remote", 76)]));
    let rejected: Vec<_> = report.rejected.iter().map(|r| (r.entry.as_str(), r.reason.as_str())).collect();
    assert_eq!(
        rejected,
        [
            ("curl", "type poci (a container per tool) is not supported yet"),
            ("docker", "type poci (a container per tool) is not supported yet"),
            ("ffmpeg", "type poci (a container per tool) is not supported yet"),
        ]
    );
    // One entry really carries a field the spec does not define; it is kept and the field named.
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert_eq!(report.warnings[0].entry, "uberall");

    let by_name = |n: &str| report.items.iter().find(|i| i.name == n).unwrap();
    let gh = by_name("github-official");
    let Launch::Container(c) = &gh.launch else { panic!("github-official is a container") };
    assert_eq!(c.image, "ghcr.io/github/github-mcp-server");
    assert_eq!(c.network.allowed_hosts.len(), 3);
    assert_eq!(gh.secrets[0].env, "GITHUB_PERSONAL_ACCESS_TOKEN");
    assert!(gh.needs_oauth());
    let notion = by_name("notion-remote");
    let Launch::Remote(r) = &notion.launch else { panic!("notion-remote is remote") };
    assert_eq!((r.url.as_str(), r.transport), ("https://mcp.notion.com/mcp", Transport::StreamableHttp));
    // Remote servers without an image are first-class items.
    assert!(report.items.iter().filter(|i| i.kind() == ItemKind::Remote).all(|i| i.runnable()));
    // The 28 non-empty tools.json files of importable entries were attached.
    assert_eq!(report.items.iter().filter(|i| !i.tools.is_empty()).count(), 28);
    // Config parameters became JSON Schemas.
    let airtable = by_name("airtable-mcp-server");
    assert_eq!(airtable.config_schema.as_ref().unwrap()["type"], "object");
}

#[test]
fn mcp_registry_examples() {
    let Some(dir) = support::data_dir() else { return };
    let report = support::mcp_registry_seed(&dir);
    assert_eq!(kinds(&report.items), BTreeMap::from([("container", 1), ("package", 2), ("remote", 1)]));
    let rejected: Vec<_> = report.rejected.iter().map(|r| (r.entry.as_str(), r.reason.as_str())).collect();
    assert_eq!(
        rejected,
        [("io.github.domdomegg/airtable-mcp-server", "version 1.7.2 superseded by 1.7.3 of the same server")]
    );
    let airtable = report.items.iter().find(|i| i.name == "io.github.domdomegg/airtable-mcp-server").unwrap();
    let Launch::Container(c) = &airtable.launch else { panic!("OCI package becomes a container") };
    assert_eq!(c.image, "docker.io/domdomegg/airtable-mcp-server:1.7.3");
    assert_eq!(airtable.secrets[0].env, "AIRTABLE_API_KEY");
    // Non-OCI packages are kept, marked not runnable, not dropped.
    let pypi = report.items.iter().find(|i| i.name.ends_with("time-mcp-pypi")).unwrap();
    assert!(!pypi.runnable());
    let Launch::Package(p) = &pypi.launch else { panic!() };
    assert_eq!(p.packages[0].registry_type, "pypi");
}

#[test]
fn docker_gateway_examples_and_the_builtin_catalog() {
    let Some(dir) = support::data_dir() else { return };
    let gw = dir.join("docker-mcp-gateway");
    let read = |f: &str| import_bytes(&std::fs::read(gw.join(f)).unwrap(), None).unwrap();
    let example = read("example-catalog.yaml");
    assert_eq!(example.items[0].name, "duckduckgo");
    assert!(example.items[0].config_schema.is_none());
    let remote = read("example-remote-catalog.yaml");
    assert_eq!(remote.items[0].kind(), ItemKind::Remote);
    let legacy = read("legacy-catalog.yaml");
    let my = &legacy.items[0];
    assert_eq!(my.config_schema.as_ref().unwrap()["required"][0], "mode");
    let Launch::Container(c) = &my.launch else { panic!() };
    assert_eq!(c.env[0].value, "{{my-mcp.mode}}");
    assert!(example.rejected.is_empty() && remote.rejected.is_empty() && legacy.rejected.is_empty());

    let b = builtin::load();
    assert!((10..=20).contains(&b.items.len()), "{} built-in entries", b.items.len());
    assert!(b.rejected.is_empty() && b.warnings.is_empty(), "{:?} {:?}", b.rejected, b.warnings);
    assert!(b.items.iter().all(|i| i.translations.get("ja").and_then(|t| t.description.as_ref()).is_some()));
    assert!(b.items.iter().any(|i| i.kind() == ItemKind::Remote));
}

#[test]
fn the_registry_api_list_response_with_envelopes_and_a_cursor() {
    let Some(dir) = support::data_dir() else { return };
    let seed: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(dir.join("mcp-registry/seed.json")).unwrap()).unwrap();
    let servers: Vec<_> = seed
        .iter()
        .enumerate()
        .map(|(i, s)| {
            serde_json::json!({
                "server": s,
                "_meta": {"io.modelcontextprotocol.registry/official": {"isLatest": i != 0, "status": "active"}}
            })
        })
        .collect();
    let page = serde_json::json!({"servers": servers, "metadata": {"nextCursor": "abc", "count": 5}});
    let report = import_bytes(page.to_string().as_bytes(), None).unwrap();
    assert_eq!(report.next_cursor.as_deref(), Some("abc"));
    assert_eq!(report.items.len(), 4);
    assert_eq!(
        import_bytes(page.to_string().as_bytes(), Some(SourceFormat::McpRegistryList)).unwrap().items.len(),
        4
    );
}
