//! The first-run check against the real machine: each line until the user is done with it, and
//! nothing checked at launch after that (no Docker probe, no keychain round trip).

use std::sync::Arc;

use berth_api::{Berth, BerthOptions, Redactor};
use berth_secrets::{MemoryStore, SecretStore};

#[tokio::test]
async fn once_the_user_is_done_a_launch_checks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let open = || {
        Berth::open(BerthOptions {
            secrets: Some(Arc::new(MemoryStore::default()) as Arc<dyn SecretStore>),
            ..BerthOptions::new(dir.path().to_owned(), Redactor::new())
        })
    };
    let b = open().await.unwrap();
    let first = b.first_run().await.unwrap();
    assert!(!first.done);
    let report = first.report.expect("the check runs until the user is done");
    let ids: Vec<&str> = report.checks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["docker", "keychain", "gateway", "deep_link"]);

    b.set_first_run_done().await.unwrap();
    b.close().await;
    let b = open().await.unwrap();
    let later = b.first_run().await.unwrap();
    assert!(later.done);
    assert!(later.report.is_none(), "a launch after Done checked: {:?}", later.report);
    b.close().await;
}
