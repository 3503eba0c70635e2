//! Actions on a live gateway session (`Berth::act_on_session`) on the real Docker engine: carried
//! out at once by the process serving the session, and through the store's action queue when
//! asked from another `Berth` over the same data folder, as another process would; an ended
//! session is a clear error. The servers the desktop gateway's sessions start with are checked
//! names.

use std::sync::Arc;

use berth_api::{
    Berth, BerthOptions, ErrorCode, GatewayBackend, Redactor, SessionAction, SessionActionOutcome,
};
use berth_gateway::SessionBackend;
use berth_secrets::{MemoryStore, SecretStore};
use serde_json::json;

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

#[tokio::test(flavor = "multi_thread")]
async fn a_live_session_is_acted_on_here_and_from_elsewhere() {
    if !berth_testkit::require(
        "session actions",
        berth_testkit::docker_available(),
        "needs a running Docker engine",
    ) {
        return;
    }
    let image = berth_testkit::fixture_image();
    let dir = tempfile::tempdir().unwrap();
    let serving = berth(dir.path()).await;
    let name = format!("actecho{}", std::process::id());
    let running = format!("label=berth.server={name}");
    let catalog = dir.path().join("fixtures.yaml");
    std::fs::write(&catalog, format!("registry:\n{}", berth_testkit::catalog_entry(&name, "Echo", &image)))
        .unwrap();
    serving.catalog_source_add(catalog.to_str().unwrap(), Some("fixtures")).await.unwrap();

    let backend = Arc::new(GatewayBackend::start(serving.clone(), "actions-1", "http", None).await.unwrap());
    backend.accept_actions();

    // In the serving process: carried out at once.
    let added = serving
        .act_on_session("actions-1", SessionAction::Add { server: name.clone(), config: None })
        .await
        .unwrap();
    let SessionActionOutcome::Added { tools, .. } = added else { panic!("{added:?}") };
    assert!(tools.contains(&"echo".to_owned()), "{tools:?}");
    assert_eq!(berth_testkit::containers(&running), 1);

    // From another process (another Berth over the same data folder): through the queue.
    let elsewhere = berth(dir.path()).await;
    let ran = elsewhere
        .act_on_session(
            "actions-1",
            SessionAction::Exec {
                server: name.clone(),
                tool: "echo".into(),
                arguments: json!({"text": "queued"}).as_object().unwrap().clone(),
            },
        )
        .await
        .unwrap();
    let SessionActionOutcome::Executed { output, exit_code, .. } = ran else { panic!("{ran:?}") };
    assert_eq!((output.as_str(), exit_code.code()), ("queued", 0));
    let e = elsewhere
        .act_on_session("actions-1", SessionAction::Remove { server: "not-there".into() })
        .await
        .unwrap_err();
    assert!(e.message.contains("not in this session"), "{}", e.message);
    let removed =
        elsewhere.act_on_session("actions-1", SessionAction::Remove { server: name.clone() }).await.unwrap();
    assert!(matches!(removed, SessionActionOutcome::Removed { .. }), "{removed:?}");
    assert_eq!(berth_testkit::containers(&running), 0);

    backend.close().await;
    let e = elsewhere
        .act_on_session("actions-1", SessionAction::Add { server: name.clone(), config: None })
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(e.message.contains("has ended"), "{}", e.message);
    let e = serving.act_on_session("nope", SessionAction::Remove { server: name }).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn the_servers_sessions_start_with_are_checked_names() {
    let dir = tempfile::tempdir().unwrap();
    let b = berth(dir.path()).await;
    let catalog = dir.path().join("fixtures.yaml");
    std::fs::write(
        &catalog,
        format!("registry:\n{}", berth_testkit::catalog_entry("startecho", "Echo", "x:1")),
    )
    .unwrap();
    b.catalog_source_add(catalog.to_str().unwrap(), Some("fixtures")).await.unwrap();
    assert!(b.gateway_starting_servers().await.unwrap().is_empty(), "none by default");

    let saved = b
        .set_gateway_starting_servers(vec![" startecho ".into(), "startecho".into(), "".into()])
        .await
        .unwrap();
    assert_eq!(saved, ["startecho"], "trimmed, blanks and repeats dropped");
    assert_eq!(b.gateway_starting_servers().await.unwrap(), ["startecho"]);

    let e = b.set_gateway_starting_servers(vec!["startecho".into(), "nope".into()]).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert!(e.message.contains("nope") && !e.message.contains("startecho"), "{}", e.message);
    assert_eq!(b.gateway_starting_servers().await.unwrap(), ["startecho"], "a refused list changes nothing");
}
