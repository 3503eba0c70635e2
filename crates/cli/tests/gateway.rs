//! `berth gateway run --stdio` as an AI client launches it: an rmcp client on the process's stdio
//! finds a server, adds it, calls its tools directly and through mcp-exec, changes its
//! configuration, removes it; closing stdin ends the session and stops its containers.

use std::process::Stdio;
use std::time::{Duration, Instant};

use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};

fn containers(filter: &str) -> usize {
    berth_testkit::containers(filter)
}

fn args(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn text(r: &rmcp::model::CallToolResult) -> String {
    r.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect::<Vec<_>>().join("")
}

async fn call(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    name: &str,
    a: Value,
) -> rmcp::model::CallToolResult {
    client.call_tool(CallToolRequestParams::new(name.to_owned()).with_arguments(args(a))).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stdio_session_finds_adds_calls_and_cleans_up() {
    let ready = berth_testkit::docker_available() && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if !berth_testkit::require("stdio gateway", ready, "needs a running Docker engine and a Secret Service") {
        return;
    }
    let image = berth_testkit::fixture_image();
    let data = tempfile::tempdir().unwrap();
    let id = std::process::id();
    let (echo, locked) = (format!("gwecho{id}"), format!("gwlocked{id}"));
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    berth.add_catalog(&format!(
            "  {echo}:\n    title: Gateway Echo\n    description: Echo server for the gateway test.\n    image: {image}\n    disableNetwork: true\n    config:\n      - name: {echo}\n        type: object\n        properties:\n          greeting: {{type: string}}\n    env: [{{name: GREETING, value: '{{{{{echo}.greeting}}}}'}}]\n  {locked}:\n    title: Locked Echo\n    image: {image}\n    secrets: [{{name: {locked}.token, env: LOCKED_TOKEN}}]\n"
    ));

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["gateway", "run", "--stdio"])
        .env("BERTH_DATA_DIR", data.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let session = format!("label=berth.session=stdio-{}", child.id().unwrap());
    let transport = (child.stdout.take().unwrap(), child.stdin.take().unwrap());
    let client = rmcp::serve_client((), transport).await.expect("MCP handshake with the gateway");
    let info = client.peer_info().unwrap();
    assert_eq!(info.server_info.as_ref().map(|i| i.name.as_str()), Some("berth-gateway"));

    let names =
        |tools: Vec<rmcp::model::Tool>| tools.into_iter().map(|t| t.name.to_string()).collect::<Vec<_>>();
    let tools = names(client.list_all_tools().await.unwrap());
    assert_eq!(tools, ["mcp-find", "mcp-add", "mcp-remove", "mcp-exec", "mcp-config-set"]);

    let found = call(&client, "mcp-find", json!({"query": "gateway echo"})).await;
    let found: Value = serde_json::from_str(&text(&found)).unwrap();
    assert_eq!(found[0]["name"], echo.as_str());

    // A server whose secret is missing: the reply says exactly what to set.
    let refused = call(&client, "mcp-add", json!({"name": locked})).await;
    assert_eq!(refused.is_error, Some(true));
    assert!(
        text(&refused).contains(&format!("berth secret set berth/server/{locked}/{locked}.token")),
        "{}",
        text(&refused)
    );

    let added = call(&client, "mcp-add", json!({"name": echo, "config": {"greeting": "hey"}})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    assert_eq!(containers(&session), 1);
    let tools = names(client.list_all_tools().await.unwrap());
    assert!(tools.contains(&"echo".to_owned()) && tools.contains(&"mcp-exec".to_owned()), "{tools:?}");

    // Called directly, and through mcp-exec with an exit code and timestamps.
    assert_eq!(text(&call(&client, "echo", json!({"text": "direct"})).await), "direct");
    let exec = call(
        &client,
        "mcp-exec",
        json!({"name": echo, "tool": "env_present", "arguments": {"name": "GREETING"}}),
    )
    .await;
    let exec: Value = serde_json::from_str(&text(&exec)).unwrap();
    assert_eq!((exec["output"].as_str(), exec["exit_code"].as_u64()), (Some("set (3 chars)"), Some(0)));
    assert!(exec["started_at"].as_str().unwrap().ends_with('Z') && exec["duration_ms"].is_u64());
    let failed = call(&client, "mcp-exec", json!({"name": echo, "tool": "fail"})).await;
    assert_eq!(failed.is_error, Some(true));
    assert_eq!(serde_json::from_str::<Value>(&text(&failed)).unwrap()["exit_code"], 1);

    // New configuration: validated, saved, old and new returned; the server restarts with it.
    let bad = call(&client, "mcp-config-set", json!({"name": echo, "config": {"greeting": 5}})).await;
    assert_eq!(bad.is_error, Some(true));
    let change =
        call(&client, "mcp-config-set", json!({"name": echo, "config": {"greeting": "hello"}})).await;
    let change: Value = serde_json::from_str(&text(&change)).unwrap();
    assert_eq!(
        (change["old"]["greeting"].as_str(), change["new"]["greeting"].as_str()),
        (Some("hey"), Some("hello"))
    );
    let exec = call(
        &client,
        "mcp-exec",
        json!({"name": echo, "tool": "env_present", "arguments": {"name": "GREETING"}}),
    )
    .await;
    assert!(text(&exec).contains("set (5 chars)"), "{}", text(&exec));

    // The session, its server and its configuration are in the store; other processes see them.
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_berth"))
            .args(args)
            .env("BERTH_DATA_DIR", data.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let sessions = cli(&["session", "ls", "--json"]);
    let me = format!("stdio-{}", child.id().unwrap());
    let s = sessions.as_array().unwrap().iter().find(|s| s["id"] == me.as_str()).expect("session recorded");
    assert_eq!((s["active"].as_bool(), s["transport"].as_str()), (Some(true), Some("stdio")));
    assert_eq!(s["servers"][0]["server"], echo.as_str());
    assert_eq!(s["servers"][0]["config"]["greeting"], "hello");
    // The call log has argument names, never values. A busy session writes it a few times a
    // second, so the last call may take a moment to appear.
    let deadline = Instant::now() + Duration::from_secs(5);
    let calls = loop {
        let calls = cli(&["calls", "--json"]);
        let logged_last = calls.as_array().unwrap().iter().any(|c| c["tool"] == "env_present");
        if logged_last || Instant::now() > deadline {
            break calls;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let logged = calls.to_string();
    assert!(logged.contains("\"echo\"") && logged.contains("\"text\""), "{logged}");
    assert!(
        !logged.contains("direct") && !logged.contains("GREETING"),
        "values leaked into the call log: {logged}"
    );
    assert!(calls.as_array().unwrap().iter().any(|c| c["tool"] == "fail" && c["exit_code"] == 1));

    let removed = call(&client, "mcp-remove", json!({"name": echo})).await;
    assert_eq!(removed.is_error, Some(false));
    assert_eq!(containers(&session), 0);
    assert_eq!(names(client.list_all_tools().await.unwrap()).len(), 5);

    // Add again, then end the session by closing stdin: the gateway stops what the session ran.
    let again = call(&client, "mcp-add", json!({"name": echo})).await;
    assert_eq!(again.is_error, Some(false), "{}", text(&again));
    assert_eq!(containers(&session), 1);
    // Without the optional greeting, the variable is not set at all.
    let exec = call(
        &client,
        "mcp-exec",
        json!({"name": echo, "tool": "env_present", "arguments": {"name": "GREETING"}}),
    )
    .await;
    assert!(text(&exec).contains("unset"), "{}", text(&exec));
    client.cancel().await.unwrap();
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("the gateway exits")
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while containers(&session) > 0 {
        assert!(Instant::now() < deadline, "session containers left behind");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sessions = cli(&["session", "ls", "--json"]);
    let s = sessions.as_array().unwrap().iter().find(|s| s["id"] == me.as_str()).unwrap();
    assert_eq!(s["active"], false);
    assert!(s["ended_at"].is_i64());
}

#[tokio::test(flavor = "multi_thread")]
async fn client_connect_writes_an_entry_that_launches_the_gateway() {
    let home = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_berth"))
            .args(args)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join(".config"))
            .env("BERTH_DATA_DIR", data.path())
            .output()
            .unwrap()
    };
    let printed = run(&["client", "connect", "claude-desktop", "--print", "--json"]);
    assert!(printed.status.success());
    let printed: Value = serde_json::from_slice(&printed.stdout).unwrap();
    assert_eq!(printed["written"], false);
    assert!(printed["path"].as_str().unwrap().ends_with(".config/Claude/claude_desktop_config.json"));
    assert!(!home.path().join(".config/Claude").exists());

    let wrote = run(&["client", "connect", "cursor", "--json"]);
    assert!(wrote.status.success(), "{}", String::from_utf8_lossy(&wrote.stderr));
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(home.path().join(".cursor/mcp.json")).unwrap())
            .unwrap();
    let entry = &config["mcpServers"]["berth"];
    let command = entry["command"].as_str().unwrap();
    let args: Vec<&str> = entry["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();

    // Exactly what the client will run: it speaks MCP and offers the gateway's tools.
    let mut child = tokio::process::Command::new(command)
        .args(&args)
        .env("BERTH_DATA_DIR", data.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let client =
        rmcp::serve_client((), (child.stdout.take().unwrap(), child.stdin.take().unwrap())).await.unwrap();
    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "mcp-find"));
    client.cancel().await.unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(20), child.wait()).await;
}
