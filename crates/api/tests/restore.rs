//! Restore on start after a crash or a power cut, on the real Docker engine: a server left marked
//! running by a process that is gone starts again when the app restores, unless restore on start
//! is off; a server removed since is skipped.

use std::sync::Arc;

use berth_api::{Berth, BerthOptions, InstallRequest, Redactor, ServerStatus};
use berth_secrets::{MemoryStore, SecretStore};

async fn berth(dir: &std::path::Path) -> Berth {
    let b = Berth::open(BerthOptions {
        data_dir: dir.to_owned(),
        redactor: Redactor::new(),
        system_locale: None,
        secrets: Some(Arc::new(MemoryStore::default()) as Arc<dyn SecretStore>),
        runtime: None,
        clock: None,
    })
    .await
    .unwrap();
    // The fixture images are built here, in no registry and signed by nobody.
    b.set_verify_signatures(false).await.unwrap();
    b
}

/// Marks `name` running under an owner that no longer exists, as a crash leaves it.
async fn left_running(dir: &std::path::Path, name: &str) {
    let store = berth_store::Store::open_in(dir).await.unwrap();
    let state = berth_store::ServerState { status: "running", reason: None, container_id: None, owner: None };
    store.set_server_state(name, state).await.unwrap();
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_a_crash_left_running_starts_again_unless_restore_is_off() {
    if !berth_testkit::require("restore", berth_testkit::docker_available(), "needs a running Docker engine")
    {
        return;
    }
    let image = berth_testkit::fixture_image();
    let dir = tempfile::tempdir().unwrap();
    let id = std::process::id();
    let (name, gone) = (format!("restore{id}"), format!("restoregone{id}"));
    let b = berth(dir.path()).await;
    let catalog = dir.path().join("fixtures.yaml");
    let entries = format!(
        "registry:\n{}{}",
        berth_testkit::catalog_entry(&name, "R", &image),
        berth_testkit::catalog_entry(&gone, "G", &image)
    );
    std::fs::write(&catalog, entries).unwrap();
    b.catalog_source_add(catalog.to_str().unwrap(), Some("fixtures")).await.unwrap();
    for n in [&name, &gone] {
        b.server_install(InstallRequest { catalog_name: n.clone(), ..Default::default() }).await.unwrap();
    }
    b.close().await;
    left_running(dir.path(), &name).await;
    left_running(dir.path(), &gone).await;

    let b = berth(dir.path()).await;
    assert!(b.restore_on_start().await.unwrap(), "on by default");
    b.server_remove(&gone).await.unwrap();
    let restored = b.restore_servers(Arc::new(|_| {})).await.unwrap();
    assert_eq!(restored.started, vec![name.clone()]);
    assert!(restored.failed.is_empty(), "{:?}", restored.failed);
    assert_eq!(b.server_show(&name).await.unwrap().status, ServerStatus::Running);
    assert_eq!(berth_testkit::containers(&format!("label=berth.server={name}")), 1);
    // A second restore finds nothing left to do.
    assert!(b.restore_servers(Arc::new(|_| {})).await.unwrap().started.is_empty());
    b.set_restore_on_start(false).await.unwrap();
    b.shutdown().await;
    b.close().await;
    left_running(dir.path(), &name).await;

    let b = berth(dir.path()).await;
    let restored = b.restore_servers(Arc::new(|_| {})).await.unwrap();
    assert!(restored.started.is_empty() && restored.failed.is_empty());
    assert_eq!(b.server_show(&name).await.unwrap().status, ServerStatus::Stopped);
    assert_eq!(berth_testkit::containers(&format!("label=berth.server={name}")), 0);
    b.close().await;
}
