//! What the gateway does around its servers' lives: with the Docker engine unreachable it still
//! serves the catalog and says how to fix `mcp-add`; a client written for Docker's gateway drives
//! the dynamic tools with Docker's arguments; a container dies with the gateway that owns it, even
//! after SIGKILL and with no Berth process started afterwards; and a gateway told to stop while
//! its sessions' servers are starting leaves none of them behind.

use std::process::Stdio;
use std::time::{Duration, Instant};

use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};

type Client = rmcp::service::RunningService<rmcp::RoleClient, ()>;

/// Held by each test here that runs Berth against Docker. Every Berth process that connects to the
/// engine removes the containers of dead owners, so while one test shows a container ending by
/// itself after its owner's SIGKILL, no other Berth process may run.
static DOCKER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn text(r: &rmcp::model::CallToolResult) -> String {
    r.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect::<Vec<_>>().join("")
}

async fn call(client: &Client, name: &str, args: Value) -> rmcp::model::CallToolResult {
    let args = args.as_object().unwrap().clone();
    client.call_tool(CallToolRequestParams::new(name.to_owned()).with_arguments(args)).await.unwrap()
}

/// `berth gateway run --stdio` over `data`, with an MCP client on its stdio.
async fn stdio_gateway(data: &std::path::Path, env: &[(&str, &str)]) -> (tokio::process::Child, Client) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["gateway", "run", "--stdio"])
        .env("BERTH_DATA_DIR", data)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let transport = (child.stdout.take().unwrap(), child.stdin.take().unwrap());
    let client = rmcp::serve_client((), transport).await.expect("MCP handshake with the gateway");
    (child, client)
}

/// Polls `docker ps -a` with `filter` until no container matches, for at most `within`.
fn none_left_within(filter: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if berth_testkit::containers(filter) == 0 {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_docker_the_gateway_serves_the_catalog_and_says_how_to_fix_mcp_add() {
    let keychain = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if !berth_testkit::require("gateway without Docker", keychain, "needs a Secret Service") {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let server = format!("nodocker{}", std::process::id());
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    berth.add_catalog(&berth_testkit::catalog_entry(&server, "No Docker Echo", "berth-test/none:1"));
    // An engine address where nothing answers: for Berth, the engine is stopped.
    let dead = data.path().join("no-engine.sock");
    let docker_host = format!("unix://{}", dead.display());
    let env = [("DOCKER_HOST", docker_host.as_str())];

    let (mut child, client) = stdio_gateway(data.path(), &env).await;
    let found = call(&client, "mcp-find", json!({"query": "no docker echo", "limit": 5})).await;
    assert_eq!(found.is_error, Some(false), "{}", text(&found));
    let found: Value = serde_json::from_str(&text(&found)).unwrap();
    assert_eq!(found[0]["name"], server.as_str());

    let refused = call(&client, "mcp-add", json!({"name": server})).await;
    assert_eq!(refused.is_error, Some(true));
    let said = text(&refused);
    assert!(said.starts_with("docker_unavailable: "), "{said}");
    assert!(said.contains("Start Docker") && said.contains(&docker_host), "the fix is named: {said}");
    // The session goes on: the catalog still answers after the refusal.
    let again = call(&client, "mcp-find", json!({"query": "echo"})).await;
    assert_eq!(again.is_error, Some(false));
    client.cancel().await.unwrap();
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait()).await.unwrap().unwrap();
    assert!(status.success());

    // Catalog queries from the CLI need no engine either.
    let search = berth
        .command()
        .args(["catalog", "search", "no", "docker", "--json"])
        .env("DOCKER_HOST", &docker_host)
        .output()
        .unwrap();
    assert!(search.status.success(), "{}", String::from_utf8_lossy(&search.stderr));
    let hits: Value = serde_json::from_slice(&search.stdout).unwrap();
    assert_eq!(hits[0]["name"], server.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_speaking_dockers_dynamic_tool_arguments_runs_a_containerised_server() {
    let ready = berth_testkit::docker_available() && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if !berth_testkit::require("Docker's dynamic-tool arguments", ready, "needs Docker and a Secret Service")
    {
        return;
    }
    let _docker = DOCKER.lock().await;
    let peers = match berth_testkit::peers() {
        Ok(p) => p,
        Err(why) => {
            berth_testkit::require("Docker's dynamic-tool arguments", false, &why);
            return;
        }
    };
    let data = tempfile::tempdir().unwrap();
    let server = format!("dockerargs{}", std::process::id());
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    berth.add_catalog(&berth_testkit::catalog_entry(
        &server,
        "Everything Reference",
        &peers.everything_image,
    ));
    let (child, client) = stdio_gateway(data.path(), &[]).await;
    let session = format!("label=berth.session=stdio-{}", child.id().unwrap());

    let found = call(&client, "mcp-find", json!({"query": "everything reference", "limit": 3})).await;
    let found: Value = serde_json::from_str(&text(&found)).unwrap();
    assert_eq!(found[0]["name"], server.as_str());

    // `activate: false` checks without starting anything.
    let checked = call(&client, "mcp-add", json!({"name": server, "activate": false})).await;
    assert_eq!(checked.is_error, Some(false), "{}", text(&checked));
    assert_eq!(berth_testkit::containers(&session), 0);
    let added = call(&client, "mcp-add", json!({"name": server, "activate": true})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    assert_eq!(berth_testkit::containers(&session), 1);

    // Called directly, then through mcp-exec by the tool's name as the session lists it.
    assert!(text(&call(&client, "echo", json!({"message": "direct"})).await).contains("direct"));
    let exec = call(&client, "mcp-exec", json!({"name": "echo", "arguments": {"message": "via exec"}})).await;
    assert_eq!(exec.is_error, Some(false), "{}", text(&exec));
    let exec: Value = serde_json::from_str(&text(&exec)).unwrap();
    assert!(exec["output"].as_str().unwrap().contains("via exec"), "{exec}");
    assert_eq!((exec["exit_code"].as_u64(), exec["server"].as_str()), (Some(0), Some(server.as_str())));
    let (started, ended) = (exec["started_at"].as_str().unwrap(), exec["ended_at"].as_str().unwrap());
    assert!(started.ends_with('Z') && ended.ends_with('Z') && started <= ended, "{exec}");
    assert!(exec["duration_ms"].is_u64());
    // `server` narrows the name to one server.
    let narrowed = call(
        &client,
        "mcp-exec",
        json!({"name": "echo", "server": server, "arguments": {"message": "narrowed"}}),
    )
    .await;
    assert!(text(&narrowed).contains("narrowed"), "{}", text(&narrowed));
    let unknown = call(&client, "mcp-exec", json!({"name": "no-such-tool"})).await;
    assert_eq!(unknown.is_error, Some(true));

    // mcp-config-set names the server `server`; old and new values come back.
    let change = call(&client, "mcp-config-set", json!({"server": server, "config": {}})).await;
    assert_eq!(change.is_error, Some(false), "{}", text(&change));
    let change: Value = serde_json::from_str(&text(&change)).unwrap();
    assert_eq!((change["server"].as_str(), &change["new"]), (Some(server.as_str()), &json!({})));
    let after =
        call(&client, "mcp-exec", json!({"name": "echo", "arguments": {"message": "restarted"}})).await;
    assert!(text(&after).contains("restarted"), "{}", text(&after));

    let removed = call(&client, "mcp-remove", json!({"name": server})).await;
    assert_eq!(removed.is_error, Some(false), "{}", text(&removed));
    assert_eq!(berth_testkit::containers(&session), 0);
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_stdio_gateways_container_ends_by_itself() {
    let ready = berth_testkit::docker_available() && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if !berth_testkit::require("container dies with its owner", ready, "needs Docker and a Secret Service") {
        return;
    }
    let _docker = DOCKER.lock().await;
    let image = berth_testkit::fixture_image();
    let data = tempfile::tempdir().unwrap();
    let server = format!("owned{}", std::process::id());
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    berth.add_catalog(&berth_testkit::catalog_entry(&server, "Owned Echo", &image));
    let (mut child, client) = stdio_gateway(data.path(), &[]).await;
    let session = format!("label=berth.session=stdio-{}", child.id().unwrap());
    let added = call(&client, "mcp-add", json!({"name": server})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    assert_eq!(berth_testkit::containers(&session), 1);

    // SIGKILL: the gateway cannot clean up, and no Berth process runs after it.
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    assert!(
        none_left_within(&session, Duration::from_secs(10)),
        "the container outlived its owner by 10 s: {}",
        berth_testkit::containers(&session)
    );
    drop(client);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gateway_stopped_while_its_servers_start_leaves_none_behind() {
    let ready = berth_testkit::docker_available() && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if !berth_testkit::require("stop during starts", ready, "needs Docker and a Secret Service") {
        return;
    }
    let _docker = DOCKER.lock().await;
    let image = berth_testkit::fixture_image();
    let data = tempfile::tempdir().unwrap();
    let server = format!("starting{}", std::process::id());
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    berth.add_catalog(&berth_testkit::catalog_entry(&server, "Starting Echo", &image));
    // Every session starts the server as soon as its client says it is initialised.
    let mut gateway = berth.http_gateway(&["--server", &server]);
    let (url, token) = (gateway.url.clone(), gateway.token.clone());
    let http = reqwest::Client::new();
    let post = |body: Value, session: Option<String>| {
        let mut r = http
            .post(&url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(body.to_string());
        if let Some(s) = session {
            r = r.header("mcp-session-id", s).header("mcp-protocol-version", "2025-06-18");
        }
        r.send()
    };
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let mut sessions = Vec::new();
    for _ in 0..4 {
        let opened = post(init.clone(), None).await.unwrap();
        assert_eq!(opened.status(), 200);
        sessions.push(opened.headers()["mcp-session-id"].to_str().unwrap().to_owned());
    }
    // The servers of all four sessions begin to start, and more sessions are still opening,
    // when the gateway is told to stop.
    for s in &sessions {
        let initialized =
            post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}), Some(s.clone()));
        assert_eq!(initialized.await.unwrap().status(), 202);
    }
    let opening: Vec<_> = (0..3).map(|_| tokio::spawn(post(init.clone(), None))).collect();
    let status = gateway.process.terminate(Duration::from_secs(60));
    assert!(status.success(), "{status}");
    for o in opening {
        let _ = o.await;
    }
    let filter = format!("label=berth.server={server}");
    assert_eq!(berth_testkit::containers(&filter), 0, "a container outlived the gateway that started it");
}
