//! Installed servers end to end on the real Docker engine: install from a catalog (secrets and
//! config checked first), start with progress, tools and calls, stop, remove, nothing left.

use std::sync::{Arc, Mutex};

use berth_api::{Berth, BerthOptions, ErrorCode, InstallRequest, Redactor, ServerStatus};
use berth_secrets::{MemoryStore, SecretStore};

async fn berth(dir: &std::path::Path) -> Berth {
    Berth::open(BerthOptions {
        data_dir: dir.to_owned(),
        redactor: Redactor::new(),
        system_locale: None,
        secrets: Some(Arc::new(MemoryStore::default()) as Arc<dyn SecretStore>),
    })
    .await
    .unwrap()
}

fn managed(server: &str) -> usize {
    let out = std::process::Command::new("docker")
        .args(["ps", "-aq", "--filter", &format!("label=berth.server={server}")])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).lines().count()
}

#[tokio::test(flavor = "multi_thread")]
async fn install_start_call_stop_remove() {
    if !berth_testkit::require("servers", berth_testkit::docker_available(), "needs a running Docker engine")
    {
        return;
    }
    let image = berth_testkit::fixture_image();
    let dir = tempfile::tempdir().unwrap();
    let b = berth(dir.path()).await;
    let name = format!("echo{}", std::process::id());
    let catalog = dir.path().join("fixtures.yaml");
    std::fs::write(
        &catalog,
        format!(
            "registry:\n  {name}:\n    title: Echo\n    image: {image}\n    disableNetwork: true\n    secrets: [{{name: {name}.token, env: FIXTURE_TOKEN}}]\n    config:\n      - name: {name}\n        type: object\n        properties:\n          greeting: {{type: string}}\n        required: [greeting]\n    env: [{{name: GREETING, value: '{{{{{name}.greeting}}}}'}}]\n"
        ),
    )
    .unwrap();
    b.catalog_source_add(catalog.to_str().unwrap(), Some("fixtures")).await.unwrap();

    // Missing secret and invalid config are refused with what to do, and nothing is stored.
    let e = b
        .server_install(InstallRequest {
            catalog_name: name.clone(),
            config: serde_json::json!({"greeting": "hi"}),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert!(e.message.contains(&format!("berth secret set berth/server/{name}.token")), "{}", e.message);
    let e = b
        .server_install(InstallRequest {
            catalog_name: name.clone(),
            config: serde_json::json!({"greeting": 42}),
            secrets: [(format!("{name}.token"), "tok-value-123".to_owned())].into(),
            settings: None,
        })
        .await
        .unwrap_err();
    assert!(e.message.contains("/greeting"), "{}", e.message);
    assert!(b.server_list().await.unwrap().is_empty());
    assert!(b.list_secrets().await.unwrap().is_empty(), "no secret stored by a refused install");
    let e = b
        .server_install(InstallRequest { catalog_name: "notion-remote".into(), ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Unsupported);

    let installed = b
        .server_install(InstallRequest {
            catalog_name: name.clone(),
            config: serde_json::json!({"greeting": "hi"}),
            secrets: [(format!("{name}.token"), "tok-value-123".to_owned())].into(),
            settings: None,
        })
        .await
        .unwrap();
    assert_eq!(installed.status, ServerStatus::Stopped);
    assert!(installed.secrets[0].set);

    let progress = Arc::new(Mutex::new(Vec::new()));
    let sink = progress.clone();
    let running = b.server_start(&name, Arc::new(move |p| sink.lock().unwrap().push(p.phase))).await.unwrap();
    assert_eq!(running.status, ServerStatus::Running);
    assert!(running.running_here);
    assert_eq!(progress.lock().unwrap().last(), Some(&ServerStatus::Running));
    assert_eq!(managed(&name), 1);

    let tools = b.server_tools(&name).await.unwrap();
    assert!(tools.iter().any(|t| t.name == "echo"));
    let out = b
        .server_call(
            &name,
            "env_present",
            serde_json::json!({"name": "GREETING"}).as_object().unwrap().clone(),
        )
        .await
        .unwrap();
    assert_eq!(out.text, "set (2 chars)", "config reached the container through its template");
    let out = b
        .server_call(
            &name,
            "env_present",
            serde_json::json!({"name": "FIXTURE_TOKEN"}).as_object().unwrap().clone(),
        )
        .await
        .unwrap();
    assert_eq!(out.text, "set (13 chars)");
    let e = b.server_start(&name, Arc::new(|_| {})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    // Logs are what the server wrote to stderr, never the MCP traffic on stdout.
    let logs = b.server_logs(&name, 50).await.unwrap();
    assert!(logs.iter().any(|l| l.contains("echo-server: ready")), "{logs:?}");
    assert!(!logs.iter().any(|l| l.contains("jsonrpc")), "{logs:?}");

    let stopped = b.server_stop(&name).await.unwrap();
    assert_eq!(stopped.status, ServerStatus::Stopped);
    assert_eq!(managed(&name), 0);
    assert!(b.server_remove(&name).await.unwrap());
    assert!(b.server_list().await.unwrap().is_empty());
    assert_eq!(b.server_show(&name).await.unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(managed(&name), 0);
}
