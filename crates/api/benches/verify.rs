//! "Start of a locally cached image → tools listed", with and without image signature
//! verification, side by side in one run through the facade (`server_start`, then
//! `server_tools`): the fixture image is in the local registry (`BERTH_TEST_REGISTRY`), signed in
//! cosign's format by the test signer, and cached by the engine, so what verification adds is
//! resolving the tag, fetching the signature manifest and payload, and checking the signature.
//! Target: at most 10% overhead.

use std::sync::Arc;
use std::time::{Duration, Instant};

use berth_api::{Berth, BerthOptions, InstallRequest, Redactor, TrustRuleRequest};
use berth_secrets::{MemoryStore, SecretStore};

const ROUNDS: usize = 15;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn start_to_tools(b: &Berth, name: &str) -> Duration {
    let t = Instant::now();
    b.server_start(name, Arc::new(|_| {})).await.expect("the server starts");
    let tools = b.server_tools(name).await.expect("tools are listed");
    let elapsed = t.elapsed();
    assert!(!tools.is_empty());
    b.server_stop(name).await.expect("the server stops");
    elapsed
}

fn main() {
    let Some(registry) = berth_testkit::cosign::registry() else {
        eprintln!("skipped: needs BERTH_TEST_REGISTRY (make bench starts a local registry)");
        return;
    };
    let fixture = berth_testkit::fixture_image();
    let keys = tempfile::tempdir().unwrap();
    let key = berth_testkit::cosign::keygen(keys.path(), "publisher", "ecdsa");
    let repo = format!("bench{}/echo", std::process::id());
    let image = format!("{registry}/{repo}:1");
    let digest = berth_testkit::cosign::push(&fixture, &image);
    berth_testkit::cosign::sign(&registry, &repo, &digest, &key, &[]);

    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    rt.block_on(async {
        let b = Berth::open(BerthOptions {
            data_dir: dir.path().to_owned(),
            redactor: Redactor::new(),
            system_locale: None,
            secrets: Some(Arc::new(MemoryStore::default()) as Arc<dyn SecretStore>),
            runtime: None,
            clock: None,
        })
        .await
        .unwrap();
        let rule = TrustRuleRequest {
            pattern: format!("{registry}/{repo}"),
            keys: vec![std::fs::read_to_string(key.join("key.pub")).unwrap()],
            ..Default::default()
        };
        b.trust_add(rule).await.unwrap();
        let catalog = dir.path().join("bench.yaml");
        let entry = berth_testkit::catalog_entry("signed", "Signed", &image);
        std::fs::write(&catalog, format!("registry:\n{entry}")).unwrap();
        b.catalog_source_add(catalog.to_str().unwrap(), Some("bench")).await.unwrap();
        let install = InstallRequest { catalog_name: "signed".into(), ..Default::default() };
        b.server_install(install).await.unwrap();
        println!(
            "inputs: fixture MCP server image {image} ({digest}), cached by the engine and signed with an ECDSA P-256 key in cosign's format in the local registry; {ROUNDS} rounds each, alternating, after one warm-up of each"
        );
        let (mut on, mut off) = (Vec::new(), Vec::new());
        for round in 0..=ROUNDS {
            b.set_verify_signatures(true).await.unwrap();
            let with = start_to_tools(&b, "signed").await;
            b.set_verify_signatures(false).await.unwrap();
            let without = start_to_tools(&b, "signed").await;
            if round > 0 {
                on.push(with);
                off.push(without);
            }
        }
        let (on, off) = (median(on), median(off));
        let ratio = on.as_secs_f64() / off.as_secs_f64();
        println!("start → tools listed, median of {ROUNDS}:");
        println!("  verification on   {:>8.1} ms", on.as_secs_f64() * 1000.0);
        println!("  verification off  {:>8.1} ms", off.as_secs_f64() * 1000.0);
        println!(
            "  overhead          {:>8.1} ms ({:+.1}%), target at most +10%: {}",
            (on.as_secs_f64() - off.as_secs_f64()) * 1000.0,
            (ratio - 1.0) * 100.0,
            if ratio <= 1.10 { "met" } else { "NOT met" }
        );
        b.shutdown().await;
        b.close().await;
    });
}
