//! `berth gateway run --port 0` over real HTTP: `/health` is open; a missing or wrong token, a
//! foreign Host (DNS rebinding) or a foreign Origin are refused; an rmcp streamable-HTTP client
//! with the token adds a server and calls it; SIGTERM ends the sessions and their containers. A
//! session left idle past `--idle-timeout` ends and stops the server it started with (`--server`).

use std::time::{Duration, Instant};

use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::json;

fn containers(filter: &str) -> usize {
    berth_testkit::containers(filter)
}

#[tokio::test(flavor = "multi_thread")]
async fn http_gateway_guards_its_door_and_serves_sessions() {
    let ready = berth_testkit::docker_available() && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if !berth_testkit::require("http gateway", ready, "needs a running Docker engine and a Secret Service") {
        return;
    }
    let image = berth_testkit::fixture_image();
    let data = tempfile::tempdir().unwrap();
    let echo = format!("httpecho{}", std::process::id());
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    berth.add_catalog(&berth_testkit::catalog_entry(&echo, "HTTP Echo", &image));
    let mut gateway = berth.http_gateway(&[]);
    let (url, token) = (gateway.url.clone(), gateway.token.clone());
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with("/mcp"), "{url}");
    assert!(token.len() >= 32);
    let base = url.trim_end_matches("/mcp").to_owned();
    let port = gateway.port;

    let http = reqwest::Client::new();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let post = |auth: Option<&str>, host: Option<&str>, origin: Option<&str>| {
        let mut r = http
            .post(&url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(init.to_string());
        if let Some(a) = auth {
            r = r.header("authorization", format!("Bearer {a}"));
        }
        if let Some(h) = host {
            r = r.header("host", h);
        }
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        r.send()
    };
    assert_eq!(http.get(format!("{base}/health")).send().await.unwrap().status(), 200);
    assert_eq!(post(None, None, None).await.unwrap().status(), 401);
    assert_eq!(post(Some("wrong-token"), None, None).await.unwrap().status(), 401);
    assert_eq!(post(Some(&token), Some("evil.example"), None).await.unwrap().status(), 403);
    assert_eq!(
        post(Some(&token), Some(&format!("localhost:{port}")), Some("https://evil.example"))
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(post(Some(&token), None, None).await.unwrap().status(), 200);

    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.as_str()).auth_header(token.clone()),
    );
    let client = rmcp::serve_client((), transport).await.expect("MCP over HTTP");
    assert_eq!(client.list_all_tools().await.unwrap().len(), 5);
    let added = client
        .call_tool(
            CallToolRequestParams::new("mcp-add")
                .with_arguments(json!({"name": echo}).as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    assert_eq!(added.is_error, Some(false));
    let r = client
        .call_tool(
            CallToolRequestParams::new("echo")
                .with_arguments(json!({"text": "over http"}).as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    assert_eq!(r.content[0].as_text().unwrap().text, "over http");
    assert_eq!(containers(&format!("label=berth.server={echo}")), 1);

    // SIGTERM ends the gateway, its sessions and their servers.
    let status = gateway.process.terminate(Duration::from_secs(30));
    assert!(status.success(), "{status:?}");
    assert_eq!(containers(&format!("label=berth.server={echo}")), 0);
    drop(client);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_session_ends_and_stops_its_servers() {
    let ready = berth_testkit::docker_available() && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if !berth_testkit::require("idle session", ready, "needs a running Docker engine and a Secret Service") {
        return;
    }
    let image = berth_testkit::fixture_image();
    let data = tempfile::tempdir().unwrap();
    let echo = format!("idleecho{}", std::process::id());
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    berth.add_catalog(&berth_testkit::catalog_entry(&echo, "Idle Echo", &image));
    let mut gateway = berth.http_gateway(&["--idle-timeout", "2", "--server", &echo]);
    let (url, token) = (gateway.url.clone(), gateway.token.clone());

    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.as_str()).auth_header(token),
    );
    let client = rmcp::serve_client((), transport).await.expect("MCP over HTTP");
    // The session starts with the server: its tool is listed without an mcp-add.
    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "echo"), "{tools:?}");
    assert_eq!(containers(&format!("label=berth.server={echo}")), 1);

    // The client stays connected but sends nothing: after the idle timeout the session ends.
    let started = Instant::now();
    while containers(&format!("label=berth.server={echo}")) > 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "the idle session's server is still running");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(started.elapsed() >= Duration::from_secs(1), "the session ended before it was idle");
    assert!(gateway.process.is_running(), "the gateway itself keeps running");
    drop(client);
    gateway.process.terminate(Duration::from_secs(30));
}
