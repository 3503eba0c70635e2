//! Every message key the backend uses (`msg!("msg....")` anywhere in the Rust code) has its
//! English and its Japanese text, and every text fills the same placeholders in both languages.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !path.ends_with("target") && !path.ends_with("node_modules") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The keys named in `msg!("...")` in `text`.
fn keys_in(text: &str) -> Vec<String> {
    text.match_indices("msg!(\"")
        .filter_map(|(at, found)| {
            let rest = &text[at + found.len()..];
            rest.find('"').map(|end| rest[..end].to_owned())
        })
        .collect()
}

fn placeholders(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if after[..close].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                out.insert(after[..close].to_owned());
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

#[test]
fn every_message_key_has_its_english_and_japanese_text() {
    let root = berth_testkit::workspace_root();
    let mut files = Vec::new();
    for dir in ["crates", "src-tauri"] {
        rust_files(&root.join(dir), &mut files);
    }
    let mut used = BTreeSet::new();
    for file in &files {
        if file.ends_with("tests/messages.rs") {
            continue;
        }
        used.extend(keys_in(&std::fs::read_to_string(file).unwrap()));
    }
    assert!(used.len() > 10, "too few keys found: {used:?}");
    let missing: Vec<&String> = used.iter().filter(|k| !berth_api::messages::known(k)).collect();
    assert!(missing.is_empty(), "keys without an English or a Japanese text: {missing:?}");

    let load = |lang: &str| -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_str(&std::fs::read_to_string(root.join(format!("ui/src/i18n/{lang}.json"))).unwrap())
            .unwrap()
    };
    let (en, ja) = (load("en"), load("ja"));
    for (key, text) in &en {
        let Some(other) = ja.get(key) else { panic!("{key} has no Japanese text") };
        assert_eq!(
            placeholders(text.as_str().unwrap()),
            placeholders(other.as_str().unwrap()),
            "{key}: the languages fill different placeholders"
        );
    }
    assert!(ja.keys().all(|k| en.contains_key(k)), "a Japanese text without an English one");

    // Every kind of event has its name on the Logs page, and every kind recorded is listed.
    let unnamed: Vec<&&str> =
        berth_api::EVENT_KINDS.iter().filter(|k| !en.contains_key(&format!("event.{k}"))).collect();
    assert!(unnamed.is_empty(), "event kinds the Logs page cannot name: {unnamed:?}");
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (at, _) in text.match_indices("record_event(\"").chain(text.match_indices("record_failure(\"")) {
            let rest = &text[at..];
            let kind = rest.split('"').nth(1).unwrap();
            assert!(
                berth_api::EVENT_KINDS.contains(&kind),
                "{}: {kind} is not in EVENT_KINDS",
                file.display()
            );
        }
    }
}

#[test]
fn the_scan_finds_keys_and_placeholders() {
    assert_eq!(keys_in(r#"msg!("msg.a", x = 1); msg!("msg.b")"#), ["msg.a", "msg.b"]);
    assert_eq!(placeholders("{a} and {b_c} but not {not this}"), BTreeSet::from(["a".into(), "b_c".into()]));
}
