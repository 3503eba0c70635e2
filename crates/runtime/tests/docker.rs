//! The runtime against the real Docker engine: a hardened fixture MCP server answering over the
//! attached stdio, orphans of a killed owner reaped, 50 concurrent cycles leaving nothing behind,
//! and a pull from a local registry with progress.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use berth_runtime::{
    ContainerRuntime, DockerEngine, EnvVar, Limits, NetworkMode, Owner, PullProgress, RunSpec, reap_orphans,
};
use rmcp::model::CallToolRequestParams;

fn spec(server: &str, image: &str, n: usize) -> RunSpec {
    RunSpec {
        name: format!("berth-test-{server}-{}-{n}", std::process::id()),
        image: image.to_owned(),
        command: vec![],
        env: vec![EnvVar { name: "FIXTURE_TOKEN".into(), value: "tok-0123456789".into(), secret: true }],
        mounts: vec![],
        limits: Limits::default(),
        network: NetworkMode::None,
        user: None,
        server: server.to_owned(),
        session: None,
        owner: Owner::current(),
    }
}

fn ready(test: &str) -> bool {
    berth_testkit::require(test, berth_testkit::docker_available(), "needs a running Docker engine")
}

fn args(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    v.as_object().unwrap().clone()
}

/// Create → attach → start → MCP initialize; the caller calls tools and cleans up.
async fn start_and_connect(
    engine: DockerEngine,
    spec: RunSpec,
) -> (String, rmcp::service::RunningService<rmcp::RoleClient, ()>) {
    let id = engine.create(&spec).await.expect("create");
    let pipes = engine.attach(&id).await.expect("attach");
    engine.start(&id).await.expect("start");
    let client = tokio::time::timeout(Duration::from_secs(30), rmcp::serve_client((), pipes.into_split()))
        .await
        .expect("initialize within 30 s")
        .expect("MCP initialize");
    (id, client)
}

fn text(result: &rmcp::model::CallToolResult) -> String {
    result.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect::<Vec<_>>().join("")
}

#[tokio::test(flavor = "multi_thread")]
async fn hardened_container_serves_mcp_over_attached_stdio() {
    if !ready("hardened container") {
        return;
    }
    let image = berth_testkit::fixture_image();
    let engine = DockerEngine::connect().await.unwrap();
    let spec = spec("echo", &image, 0);
    let (id, client) = start_and_connect(engine.clone(), spec).await;

    let tools = client.list_all_tools().await.unwrap();
    let mut names: Vec<_> = tools.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    assert_eq!(names, ["add", "echo", "env_present", "fail"]);
    let r = client
        .call_tool(
            CallToolRequestParams::new("echo").with_arguments(args(serde_json::json!({"text": "hello"}))),
        )
        .await
        .unwrap();
    assert_eq!(text(&r), "hello");
    // The secret reached the container through its environment.
    let r = client
        .call_tool(
            CallToolRequestParams::new("env_present")
                .with_arguments(args(serde_json::json!({"name": "FIXTURE_TOKEN"}))),
        )
        .await
        .unwrap();
    assert_eq!(text(&r), "set (14 chars)");
    let failed = client.call_tool(CallToolRequestParams::new("fail")).await;
    assert!(failed.is_err() || failed.unwrap().is_error == Some(true));

    // Hardening as the engine sees it, and no secret in any label.
    let out = Command::new("docker").args(["inspect", &id]).output().unwrap();
    let inspect: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let host = &inspect[0]["HostConfig"];
    assert_eq!(host["SecurityOpt"][0], "no-new-privileges:true");
    assert_eq!(host["CapDrop"][0], "ALL");
    assert_eq!(host["NetworkMode"], "none");
    assert_eq!(host["NanoCpus"], 1_000_000_000i64);
    assert_eq!(host["Memory"], 2_147_483_648i64);
    assert_eq!(host["PidsLimit"], 512);
    assert_eq!(host["Privileged"], false);
    assert_eq!(host["Init"], true);
    let labels = inspect[0]["Config"]["Labels"].to_string();
    assert!(labels.contains("\"berth.managed\":\"true\"") && labels.contains("\"berth.server\":\"echo\""));
    assert!(!labels.contains("tok-0123456789"));

    client.cancel().await.unwrap();
    engine.stop_and_remove(&id, 2).await.unwrap();
    assert!(!engine.list_managed().await.unwrap().iter().any(|c| c.id == id));
    // Removing again is not an error.
    engine.stop_and_remove(&id, 0).await.unwrap();
}

const CHILD_ENV: &str = "BERTH_RUNTIME_ORPHAN_CHILD";

#[tokio::test(flavor = "multi_thread")]
async fn containers_of_a_killed_owner_are_reaped() {
    if let Ok(image) = std::env::var(CHILD_ENV) {
        // The owner: start a container, report its id, then wait to be killed.
        let engine = DockerEngine::connect().await.unwrap();
        let spec = spec("orphan", &image, 0);
        let id = engine.create(&spec).await.unwrap();
        engine.start(&id).await.unwrap();
        println!("container {id}");
        tokio::time::sleep(Duration::from_secs(120)).await;
        return;
    }
    if !ready("orphan reaping") {
        return;
    }
    let image = berth_testkit::fixture_image();
    let engine = DockerEngine::connect().await.unwrap();
    // A container of this (live) process must survive the reaper.
    let mine = engine.create(&spec("alive", &image, 1)).await.unwrap();
    engine.start(&mine).await.unwrap();

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "containers_of_a_killed_owner_are_reaped", "--nocapture"])
        .env(CHILD_ENV, &image)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    loop {
        line.clear();
        assert!(std::io::BufRead::read_line(&mut reader, &mut line).unwrap() > 0, "child ended early");
        if line.starts_with("container ") {
            break;
        }
    }
    let orphan = line.trim().trim_start_matches("container ").to_owned();
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    assert!(engine.list_managed().await.unwrap().iter().any(|c| c.id == orphan), "the orphan is still there");

    let reaped = reap_orphans(&engine).await.unwrap();
    assert!(reaped.iter().any(|n| n.contains("orphan")), "{reaped:?}");
    let left = engine.list_managed().await.unwrap();
    assert!(!left.iter().any(|c| c.id == orphan), "orphan removed");
    assert!(left.iter().any(|c| c.id == mine), "the live owner's container is kept");
    engine.stop_and_remove(&mine, 0).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_cycles_leave_no_container_behind() {
    if !ready("50 concurrent cycles") {
        return;
    }
    let image = berth_testkit::fixture_image();
    let engine = DockerEngine::connect().await.unwrap();
    let server = format!("cycle{}", std::process::id());
    // All 50 cycles in flight at once; the engine and the MCP I/O run concurrently.
    let cycles = (0..50).map(|n| {
        let engine = engine.clone();
        let spec = spec(&server, &image, n);
        async move {
            let (id, client) = start_and_connect(engine.clone(), spec).await;
            let r = client
                .call_tool(
                    CallToolRequestParams::new("add")
                        .with_arguments(args(serde_json::json!({"left": n, "right": 1}))),
                )
                .await
                .unwrap();
            assert_eq!(text(&r), (n + 1).to_string());
            client.cancel().await.unwrap();
            engine.stop_and_remove(&id, 2).await.unwrap();
        }
    });
    futures_util::future::join_all(cycles).await;
    let left: Vec<_> =
        engine.list_managed().await.unwrap().into_iter().filter(|c| c.server == server).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn pulls_from_a_local_registry_with_progress() {
    let registry = std::env::var("BERTH_TEST_REGISTRY").ok();
    if !ready("registry pull")
        || !berth_testkit::require(
            "registry pull",
            registry.is_some(),
            "needs BERTH_TEST_REGISTRY (make test starts one)",
        )
    {
        return;
    }
    let remote = format!("{}/berth-test/blob:pull{}", registry.unwrap(), std::process::id());
    let docker = |args: &[&str]| {
        let out = Command::new("docker").args(args).output().unwrap();
        assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    // An image whose only layer exists nowhere else, so the pull really downloads bytes.
    let dir = tempfile::tempdir().unwrap();
    let noise: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 ^ (std::process::id() as u8))
        .collect();
    std::fs::write(dir.path().join("blob.bin"), noise).unwrap();
    let tar = dir.path().join("rootfs.tar");
    assert!(
        Command::new("tar")
            .arg("-C")
            .arg(dir.path())
            .args(["-cf"])
            .arg(&tar)
            .arg("blob.bin")
            .status()
            .unwrap()
            .success()
    );
    docker(&["import", tar.to_str().unwrap(), &remote]);
    docker(&["push", &remote]);
    docker(&["rmi", &remote]);

    let engine = DockerEngine::connect().await.unwrap();
    let seen: Arc<Mutex<Vec<PullProgress>>> = Arc::default();
    let sink = seen.clone();
    engine.ensure_image(&remote, &move |p| sink.lock().unwrap().push(p)).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert!(!seen.is_empty(), "progress was reported");
    assert!(seen.iter().any(|p| p.total > 0 && p.current > 0), "{seen:?}");
    // Present now: a second call does not pull.
    let again: Arc<Mutex<usize>> = Arc::default();
    let count = again.clone();
    engine.ensure_image(&remote, &move |_| *count.lock().unwrap() += 1).await.unwrap();
    assert_eq!(*again.lock().unwrap(), 0);
    docker(&["rmi", &remote]);

    let missing = engine.ensure_image("127.0.0.1:1/nope/nothing:1", &|_| {}).await.unwrap_err();
    assert!(matches!(missing, berth_runtime::RuntimeError::Pull { .. }), "{missing:?}");
}
