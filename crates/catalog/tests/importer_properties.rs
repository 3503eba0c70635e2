//! Property tests of every importer: arbitrary input never panics, every entry is either imported
//! or rejected with a reason, and the split parser agrees with the whole-document parser.

use berth_catalog::{ImportReport, SourceFormat, import::import_docker_catalog_whole, import_bytes};
use proptest::prelude::*;

fn names(r: &ImportReport) -> (Vec<String>, Vec<(String, String)>) {
    (
        r.items.iter().map(|i| i.name.clone()).collect(),
        r.rejected.iter().map(|x| (x.entry.clone(), x.reason.clone())).collect(),
    )
}

/// A YAML scalar that may be valid, empty, hostile or the wrong type.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,12}".prop_map(|s| s),
        Just("\"\"".to_owned()),
        Just("123".to_owned()),
        Just("[a, b]".to_owned()),
        Just("{x: 1}".to_owned()),
        Just("null".to_owned()),
        Just("\"https://example.com/mcp\"".to_owned()),
        Just("\"not a url\"".to_owned()),
        Just("\"img with space\"".to_owned()),
        "[ -~]{0,20}".prop_map(|s| format!("{s:?}")),
    ]
}

/// One catalog entry with a random subset of fields, some of them wrong.
fn entry() -> impl Strategy<Value = String> {
    (
        prop::option::of(prop_oneof![Just("server"), Just("remote"), Just("poci"), Just("weird")]),
        prop::option::of(scalar()),
        prop::option::of(scalar()),
        prop::option::of(scalar()),
        prop::option::of(prop_oneof![
            Just("sse"),
            Just("http"),
            Just("streamable-http"),
            Just("carrier-pigeon")
        ]),
        prop::option::of(scalar()),
        any::<bool>(),
    )
        .prop_map(|(kind, image, title, url, transport, env, unknown)| {
            let mut s = String::new();
            if let Some(k) = kind {
                s += &format!("    type: {k}\n");
            }
            if let Some(i) = image {
                s += &format!("    image: {i}\n");
            }
            if let Some(t) = title {
                s += &format!("    title: {t}\n");
            }
            if url.is_some() || transport.is_some() {
                s += "    remote:\n";
                if let Some(u) = url {
                    s += &format!("      url: {u}\n");
                }
                if let Some(t) = transport {
                    s += &format!("      transport_type: {t}\n");
                }
            }
            if let Some(e) = env {
                s += &format!("    secrets:\n      - name: x.token\n        env: {e}\n");
            }
            if unknown {
                s += "    surprise: true\n";
            }
            if s.is_empty() {
                s += "    title: empty\n";
            }
            s
        })
}

fn catalog() -> impl Strategy<Value = (String, usize)> {
    prop::collection::vec(("[a-z][a-z0-9-]{0,8}", entry()), 0..12).prop_map(|entries| {
        let mut text = String::from("registry:\n");
        for (name, body) in &entries {
            text += &format!("  {name}:\n{body}");
        }
        (text, entries.len())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        for format in [None, Some(SourceFormat::DockerCatalog), Some(SourceFormat::DockerServer),
                       Some(SourceFormat::McpServerJson), Some(SourceFormat::McpRegistryList)] {
            let _ = import_bytes(&bytes, format);
        }
    }

    #[test]
    fn docker_catalog_accounts_for_every_entry_and_split_equals_whole((text, n) in catalog()) {
        let split = import_bytes(text.as_bytes(), Some(SourceFormat::DockerCatalog));
        let whole = import_docker_catalog_whole(&text);
        match (split, whole) {
            (Ok(s), Ok(w)) => {
                // Every entry is imported or rejected; the whole-document parse agrees on which.
                prop_assert_eq!(s.items.len() + s.rejected.len(), n);
                prop_assert!(s.rejected.iter().all(|r| !r.reason.is_empty()));
                let (si, sr) = names(&s);
                let (wi, _) = names(&w);
                prop_assert_eq!(si, wi);
                prop_assert_eq!(s.items, w.items);
                // Duplicate keys are rejections in the split parser, a file error in the whole one.
                prop_assert!(sr.len() >= w.rejected.len());
            }
            // The whole-document parser refuses a file with duplicate keys; the split one still
            // accounts for every entry, so one repeated name does not cost the whole catalog.
            (Ok(s), Err(e)) => {
                prop_assert!(e.to_string().contains("duplicate"), "{}", e);
                prop_assert_eq!(s.items.len() + s.rejected.len(), n);
            }
            (Err(e), _) => prop_assert!(false, "a well-formed catalog failed as a whole: {e}"),
        }
    }

    #[test]
    fn server_yaml_never_panics_and_explains_rejections(body in entry()) {
        let text = format!("name: srv\n{}", body.lines().map(|l| &l[4..]).collect::<Vec<_>>().join("\n"));
        if let Ok(r) = import_bytes(text.as_bytes(), Some(SourceFormat::DockerServer)) {
            prop_assert_eq!(r.items.len() + r.rejected.len(), 1);
            prop_assert!(r.rejected.iter().all(|x| !x.reason.is_empty()));
        }
    }

    #[test]
    fn server_json_entries_are_accounted_for(
        entries in prop::collection::vec((
            "[a-z.]{1,10}/[a-z-]{1,10}",
            prop::option::of("[0-9]\\.[0-9]{1,2}\\.[0-9]"),
            prop::option::of(prop_oneof![Just("oci"), Just("npm"), Just("pypi")]),
            prop::option::of(prop_oneof![Just("https://x.example/mcp"), Just("ftp://nope"), Just("")]),
        ), 0..8)
    ) {
        let list: Vec<serde_json::Value> = entries.iter().map(|(name, version, pkg, remote)| {
            let mut v = serde_json::json!({"name": name, "description": "d"});
            if let Some(ver) = version { v["version"] = ver.clone().into(); }
            if let Some(p) = pkg {
                v["packages"] = serde_json::json!([{"registryType": p, "identifier": "example/img", "version": "1"}]);
            }
            if let Some(r) = remote { v["remotes"] = serde_json::json!([{"type": "streamable-http", "url": r}]); }
            v
        }).collect();
        let text = serde_json::Value::Array(list).to_string();
        let r = import_bytes(text.as_bytes(), None).unwrap();
        prop_assert_eq!(r.items.len() + r.rejected.len(), entries.len());
        let page = serde_json::json!({"servers": serde_json::from_str::<serde_json::Value>(&text).unwrap()}).to_string();
        let p = import_bytes(page.as_bytes(), None).unwrap();
        prop_assert_eq!(p.items, r.items);
    }
}

#[test]
fn files_over_the_size_cap_and_broken_files_are_refused_whole() {
    let big = vec![b' '; berth_catalog::MAX_CATALOG_BYTES + 1];
    assert!(matches!(import_bytes(&big, None), Err(berth_catalog::CatalogError::TooLarge { .. })));
    assert!(import_bytes(b"registry: [unclosed", None).is_err());
    assert!(import_bytes(b"{\"servers\": 3}", None).is_err());
    assert!(import_bytes(b"just some text", None).is_err());
    assert!(import_bytes(&[0xff, 0xfe, 0x00], None).is_err());
}

#[test]
fn a_syntax_error_in_one_entry_costs_only_that_entry() {
    let text = "registry:\n  good:\n    image: a/b\n  bad:\n    image: [unclosed\n  also-good:\n    type: remote\n    remote: {url: 'https://x.example/mcp'}\n";
    let r = import_bytes(text.as_bytes(), None).unwrap();
    assert_eq!(r.items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["good", "also-good"]);
    assert_eq!(r.rejected.len(), 1);
    assert_eq!(r.rejected[0].entry, "bad");
    assert!(r.rejected[0].reason.starts_with("line 4:"), "{}", r.rejected[0].reason);
}
