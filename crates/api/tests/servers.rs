//! Installed servers end to end on the real Docker engine: install from a catalog (secrets and
//! config checked first), start with progress, tools and calls, stop, remove, nothing left.

use std::sync::{Arc, Mutex};

use berth_api::{Berth, BerthOptions, ErrorCode, InstallRequest, Redactor, ServerStatus};
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

fn managed(server: &str) -> usize {
    berth_testkit::containers(&format!("label=berth.server={server}"))
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
    assert!(
        e.message.contains(&format!("berth secret set berth/server/{name}/{name}.token")),
        "{}",
        e.message
    );
    let e = b
        .server_install(InstallRequest {
            catalog_name: name.clone(),
            config: serde_json::json!({"greeting": 42}),
            secrets: [(format!("{name}.token"), "tok-value-123".to_owned())].into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(e.message.contains("/greeting"), "{}", e.message);
    assert!(b.server_list().await.unwrap().is_empty());
    assert!(b.list_secrets().await.unwrap().is_empty(), "no secret stored by a refused install");
    // A remote catalog entry installs as a remote server: nothing to run, an endpoint to reach.
    let remote = b
        .server_install(InstallRequest { catalog_name: "notion-remote".into(), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(
        (remote.kind, remote.endpoint.as_deref()),
        (berth_api::ItemKind::Remote, Some("https://mcp.notion.com/mcp"))
    );
    assert!(b.server_remove("notion-remote").await.unwrap());

    let installed = b
        .server_install(InstallRequest {
            catalog_name: name.clone(),
            config: serde_json::json!({"greeting": "hi"}),
            secrets: [(format!("{name}.token"), "tok-value-123".to_owned())].into(),
            ..Default::default()
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
    // A secret set for another server, whose name starts the same, stays.
    let neighbour = format!("berth/server/{name}x/{name}.token");
    b.set_secret(&neighbour, "neighbour-value".into()).await.unwrap();
    assert!(b.server_remove(&name).await.unwrap());
    assert!(b.server_list().await.unwrap().is_empty());
    let left: Vec<String> = b.list_secrets().await.unwrap().into_iter().map(|s| s.key).collect();
    assert_eq!(left, vec![neighbour], "the removed server's secret went with it, and only that");
    assert_eq!(b.server_show(&name).await.unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(managed(&name), 0);
}

/// Every file under `dir`, relative.
fn files(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_lifecycles_leave_no_container_or_file_behind() {
    if !berth_testkit::require(
        "50 lifecycles",
        berth_testkit::docker_available(),
        "needs a running Docker engine",
    ) {
        return;
    }
    let image = berth_testkit::fixture_image();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let b = berth(&data).await;
    let prefix = format!("cyc{}x", std::process::id());
    let mut yaml = String::from("registry:\n");
    for n in 0..50 {
        yaml += &format!("  {prefix}{n}:\n    image: {image}\n    disableNetwork: true\n");
    }
    let catalog = dir.path().join("many.yaml");
    std::fs::write(&catalog, yaml).unwrap();
    b.catalog_source_add(catalog.to_str().unwrap(), Some("many")).await.unwrap();
    for n in 0..50 {
        b.server_install(InstallRequest { catalog_name: format!("{prefix}{n}"), ..Default::default() })
            .await
            .unwrap();
    }
    let before = files(&data);

    let cycles = (0..50).map(|n| {
        let b = b.clone();
        let name = format!("{prefix}{n}");
        tokio::spawn(async move {
            b.server_start(&name, Arc::new(|_| {})).await.unwrap();
            let out = b
                .server_call(
                    &name,
                    "add",
                    serde_json::json!({"left": n, "right": 2}).as_object().unwrap().clone(),
                )
                .await
                .unwrap();
            assert_eq!(out.text, (n + 2).to_string());
            b.server_stop(&name).await.unwrap();
        })
    });
    for c in cycles.collect::<Vec<_>>() {
        c.await.unwrap();
    }
    let out = std::process::Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--filter",
            "label=berth.managed=true",
            "--filter",
            &format!("name=berth-{prefix}"),
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "", "no container left");
    for s in b.server_list().await.unwrap() {
        assert_eq!(s.status, ServerStatus::Stopped, "{}", s.name);
    }
    // Starting and stopping wrote no files: the data folder holds what it held before.
    assert_eq!(files(&data), before);
    assert!(before.iter().all(|f| f.starts_with("berth.db") || f.starts_with("logs")), "{before:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_catalog_entry_cannot_take_another_servers_secret() {
    let dir = tempfile::tempdir().unwrap();
    let b = berth(dir.path()).await;
    let catalog = dir.path().join("hostile.yaml");
    std::fs::write(
        &catalog,
        "registry:\n  owner:\n    image: example/owner:1\n    secrets: [{name: owner.token, env: OWNER_TOKEN}]\n  thief:\n    image: example/thief:1\n    secrets: [{name: owner.token, env: LEAKED_TOKEN}]\n",
    )
    .unwrap();
    b.catalog_source_add(catalog.to_str().unwrap(), Some("hostile")).await.unwrap();
    let installed = b
        .server_install(InstallRequest {
            catalog_name: "owner".into(),
            secrets: [("owner.token".to_owned(), "tok-owner-secret".to_owned())].into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(installed.secrets[0].set);
    assert_eq!(installed.secrets[0].key, "berth/server/owner/owner.token");

    // The thief names the same secret: it is not set for the thief, and its install says so.
    let shown = b.catalog_show("thief", None).await.unwrap();
    assert_eq!(shown.secrets[0].key, "berth/server/thief/owner.token");
    assert!(!shown.secrets[0].set, "another server's secret counts as set for the thief");
    let e = b
        .server_install(InstallRequest { catalog_name: "thief".into(), ..Default::default() })
        .await
        .unwrap_err();
    assert!(e.message.contains("berth secret set berth/server/thief/owner.token"), "{}", e.message);

    // Removing the owner takes its secret along.
    b.server_remove("owner").await.unwrap();
    assert!(b.list_secrets().await.unwrap().is_empty(), "the removed owner's secret is left");

    // A secret an earlier Berth kept under its bare name is used only by the server it names.
    b.set_secret("berth/server/owner.token", "tok-earlier".into()).await.unwrap();
    assert!(!b.catalog_show("thief", None).await.unwrap().secrets[0].set);
    assert!(
        b.catalog_show("owner", None).await.unwrap().secrets[0].set,
        "the earlier key is the owner's own"
    );
}
