//! `berth gateway run --port 0` over real HTTP: `/health` is open; a missing or wrong token, a
//! foreign Host (DNS rebinding) or a foreign Origin are refused; an rmcp streamable-HTTP client
//! with the token adds a server and calls it; SIGTERM ends the sessions and their containers. A
//! session left idle past `--idle-timeout` ends and stops the server it started with (`--server`).

use std::time::{Duration, Instant};

use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

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
    let opened = post(Some(&token), None, None).await.unwrap();
    assert_eq!(opened.status(), 200);

    // A quick answer leaves as one whole response of known length, still an event stream.
    let session_id = opened.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let raw = |body: Value| {
        http.post(&url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .header("mcp-session-id", &session_id)
            .header("mcp-protocol-version", "2025-06-18")
            .body(body.to_string())
            .send()
    };
    let initialized = raw(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await.unwrap();
    assert_eq!(initialized.status(), 202);
    let listed = raw(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})).await.unwrap();
    assert_eq!(listed.status(), 200);
    assert!(listed.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let length: usize = listed.headers()["content-length"].to_str().unwrap().parse().unwrap();
    let body = listed.text().await.unwrap();
    assert_eq!(body.len(), length);
    let answer =
        body.lines().filter_map(|l| l.strip_prefix("data:")).find(|d| d.contains("\"id\":2")).unwrap();
    let answer: Value = serde_json::from_str(answer.trim()).unwrap();
    assert!(
        answer["result"]["tools"].as_array().unwrap().iter().any(|t| t["name"] == "mcp-find"),
        "{answer}"
    );

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

/// One stateless (2026-07-28) request: no session, the protocol version and client capabilities
/// in the request's `_meta`, the method in a header. Returns the HTTP status and the JSON-RPC reply, from a JSON body or
/// the event stream.
async fn stateless(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    method: &str,
    mut params: serde_json::Value,
) -> (u16, Option<serde_json::Value>) {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
    let mut r = http.post(url).header("mcp-method", method);
    // The newest protocol also names the tool, prompt or resource in a header (SEP-2243).
    if let Some(name) = params["name"].as_str() {
        r = r.header("mcp-name", name);
    }
    let r = r
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2026-07-28")
        .header("authorization", format!("Bearer {token}"))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    let reply = text
        .lines()
        .map(|l| l.strip_prefix("data:").unwrap_or(l).trim())
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v.get("id") == Some(&json!(7)));
    (status, reply)
}

fn tool_names(reply: &Option<serde_json::Value>) -> Vec<String> {
    let tools = reply.as_ref().and_then(|r| r["result"]["tools"].as_array().cloned()).unwrap_or_default();
    tools.iter().filter_map(|t| t["name"].as_str().map(str::to_owned)).collect()
}

/// The token in a client entry's Authorization header (`berth client connect ... --print --json`).
fn issued_token(berth: &berth_testkit::Berth, args: &[&str]) -> String {
    let out = berth.command().args(["--json", "client", "connect"]).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let setup: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(setup["transport"], "http", "{setup}");
    assert!(setup["entry"]["url"].as_str().unwrap().ends_with("/mcp"), "{setup}");
    let auth = setup["entry"]["headers"]["Authorization"].as_str().unwrap();
    auth.strip_prefix("Bearer ").unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stateless_clients_session_is_named_by_its_token() {
    let ready = berth_testkit::docker_available() && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if !berth_testkit::require(
        "stateless clients",
        ready,
        "needs a running Docker engine and a Secret Service",
    ) {
        return;
    }
    let image = berth_testkit::fixture_image();
    let data = tempfile::tempdir().unwrap();
    let echo = format!("tokenecho{}", std::process::id());
    let running = format!("label=berth.server={echo}");
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    berth.add_catalog(&berth_testkit::catalog_entry(&echo, "Token Echo", &image));
    let mut gateway = berth.http_gateway(&["--idle-timeout", "3"]);
    let (url, own) = (gateway.url.clone(), gateway.token.clone());
    let http = reqwest::Client::new();

    // Tokens are issued per client; asking again gives the same one.
    let vscode = issued_token(&berth, &["vscode", "--http", "--print"]);
    assert_eq!(issued_token(&berth, &["vscode", "--http", "--print"]), vscode);
    let cursor = issued_token(&berth, &["cursor", "--http", "--print"]);
    assert_ne!(vscode, cursor);
    assert!(vscode.len() >= 32 && vscode != own);
    let claude =
        berth.command().args(["client", "connect", "claude-desktop", "--http", "--print"]).output().unwrap();
    assert!(!claude.status.success());
    assert!(String::from_utf8_lossy(&claude.stderr).contains("stdio"));

    // One client's stateless requests share a session: a server added in one request is there
    // in the next.
    let (status, added) = stateless(
        &http,
        &url,
        &vscode,
        "tools/call",
        json!({"name": "mcp-add", "arguments": {"name": echo}}),
    )
    .await;
    assert_eq!(status, 200, "{added:?}");
    assert_eq!(added.as_ref().unwrap()["result"]["isError"], false, "{added:?}");
    let listed = stateless(&http, &url, &vscode, "tools/list", json!({})).await.1;
    assert!(tool_names(&listed).contains(&"echo".to_owned()), "{listed:?}");
    let (_, echoed) = stateless(
        &http,
        &url,
        &vscode,
        "tools/call",
        json!({"name": "echo", "arguments": {"text": "stateless"}}),
    )
    .await;
    assert_eq!(echoed.unwrap()["result"]["content"][0]["text"], "stateless");
    assert_eq!(berth_testkit::containers(&running), 1, "one container for the client's session");

    // Another client, and the gateway's own token, have sessions of their own.
    for other in [&cursor, &own] {
        let listed = stateless(&http, &url, other, "tools/list", json!({})).await.1;
        let names = tool_names(&listed);
        assert!(names.contains(&"mcp-add".to_owned()) && !names.contains(&"echo".to_owned()), "{names:?}");
    }
    // A stateful session opened with the client's token is its own session too.
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.as_str()).auth_header(vscode.clone()),
    );
    let client = rmcp::serve_client((), transport).await.expect("MCP session with a client token");
    assert!(!client.list_all_tools().await.unwrap().iter().any(|t| t.name == "echo"));
    drop(client);

    // The session is recorded under the client's name.
    let out = berth.command().args(["--json", "session", "ls"]).output().unwrap();
    let sessions: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let session =
        sessions.iter().find(|s| s["id"] == "client-vscode").expect("the client's session is listed");
    assert_eq!(session["client"], "vscode");
    assert_eq!(session["servers"][0]["server"], echo.as_str(), "{session}");
    assert!(sessions.iter().any(|s| s["id"] != "client-vscode" && s["client"] == "vscode"), "{sessions:?}");

    // A new token ends the old one; revoking ends a token; strangers stay out.
    let renewed = issued_token(&berth, &["vscode", "--http", "--print", "--new-token"]);
    assert_ne!(renewed, vscode);
    assert_eq!(stateless(&http, &url, &vscode, "tools/list", json!({})).await.0, 401);
    assert_eq!(stateless(&http, &url, "not-a-token", "tools/list", json!({})).await.0, 401);
    let revoked = berth.command().args(["client", "revoke", "cursor"]).output().unwrap();
    assert!(revoked.status.success());
    assert_eq!(stateless(&http, &url, &cursor, "tools/list", json!({})).await.0, 401);

    // Left idle, the session ends and its server stops; the client's next request brings the
    // session back with the servers it had.
    let started = Instant::now();
    while berth_testkit::containers(&running) > 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "the idle client session's server still runs");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let listed = stateless(&http, &url, &renewed, "tools/list", json!({})).await.1;
    assert!(tool_names(&listed).contains(&"echo".to_owned()), "{listed:?}");
    assert_eq!(berth_testkit::containers(&running), 1);

    let status = gateway.process.terminate(Duration::from_secs(30));
    assert!(status.success(), "{status:?}");
    assert_eq!(berth_testkit::containers(&running), 0);
}

/// `berth session ...` in its own process acts on a session the HTTP gateway serves: add (the
/// client then sees the server's tools), exec, config-set (validated, old and new), rm (the
/// container stops). An ended or unknown session is a clear error.
#[tokio::test(flavor = "multi_thread")]
async fn session_commands_act_on_a_live_session_in_another_process() {
    let ready = berth_testkit::docker_available() && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if !berth_testkit::require(
        "session commands",
        ready,
        "needs a running Docker engine and a Secret Service",
    ) {
        return;
    }
    let image = berth_testkit::fixture_image();
    let data = tempfile::tempdir().unwrap();
    let echo = format!("sessionecho{}", std::process::id());
    let running = format!("label=berth.server={echo}");
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    berth.add_catalog(&format!(
        "  {echo}:\n    title: Session Echo\n    image: {image}\n    disableNetwork: true\n    config:\n      - name: {echo}\n        type: object\n        properties:\n          greeting: {{type: string}}\n"
    ));
    let mut gateway = berth.http_gateway(&[]);
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(gateway.url.as_str())
            .auth_header(gateway.token.clone()),
    );
    let client = rmcp::serve_client((), transport).await.expect("MCP over HTTP");
    assert!(!client.list_all_tools().await.unwrap().iter().any(|t| t.name == "echo"));

    let run = |args: &[&str]| {
        let out = berth.command().arg("--json").args(["session"]).args(args).output().unwrap();
        let value = serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap_or_default();
        // With --json an error is printed as `{code, message, ...}` on stdout.
        let err =
            format!("{}{}", String::from_utf8_lossy(&out.stderr), value["message"].as_str().unwrap_or(""));
        (out.status.code().unwrap_or(-1), value, err)
    };
    let (_, sessions, _) = run(&["ls"]);
    let live: Vec<_> = sessions.as_array().unwrap().iter().filter(|s| s["active"] == true).collect();
    assert_eq!(live.len(), 1, "{sessions}");
    let id = live[0]["id"].as_str().unwrap().to_owned();

    let (code, added, err) = run(&["add", &id, &echo, "--config", r#"{"greeting": "hi"}"#]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(added["outcome"], "added");
    assert!(added["tools"].as_array().unwrap().contains(&json!("echo")), "{added}");
    assert_eq!(berth_testkit::containers(&running), 1);
    // The client sees the server's tools and can call them.
    assert!(client.list_all_tools().await.unwrap().iter().any(|t| t.name == "echo"));
    let r = client
        .call_tool(
            CallToolRequestParams::new("echo")
                .with_arguments(json!({"text": "seen"}).as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    assert_eq!(r.content[0].as_text().unwrap().text, "seen");

    let (code, ran, err) = run(&["exec", &id, &echo, "echo", "--args", r#"{"text": "from the cli"}"#]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ran["exit_code"], 0);
    assert!(ran["output"].as_str().unwrap().contains("from the cli"), "{ran}");
    assert!(ran["duration_ms"].is_u64() && ran["started_at"].as_str().unwrap().ends_with('Z'), "{ran}");

    let (code, _, err) = run(&["config-set", &id, &echo, r#"{"greeting": 5}"#]);
    assert_ne!(code, 0);
    assert!(err.contains("greeting"), "{err}");
    let (code, changed, err) = run(&["config-set", &id, &echo, r#"{"greeting": "hello"}"#]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        (changed["old"]["greeting"].as_str(), changed["new"]["greeting"].as_str()),
        (Some("hi"), Some("hello"))
    );

    let (code, _, err) = run(&["exec", &id, &echo, "echo", "--args", "[1]"]);
    assert_ne!(code, 0);
    assert!(err.contains("--args"), "{err}");

    let (code, removed, err) = run(&["rm", &id, &echo]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(removed["outcome"], "removed");
    assert_eq!(berth_testkit::containers(&running), 0);

    let (code, _, err) = run(&["add", "no-such-session", &echo]);
    assert_ne!(code, 0);
    assert!(err.contains("No session is named"), "{err}");

    drop(client);
    let status = gateway.process.terminate(Duration::from_secs(30));
    assert!(status.success(), "{status:?}");
    let (code, _, err) = run(&["add", &id, &echo]);
    assert_ne!(code, 0);
    assert!(err.contains("has ended"), "{err}");
    assert_eq!(berth_testkit::containers(&running), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_answers_only_the_client_that_opened_it() {
    let keychain = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if !berth_testkit::require("session owners", keychain, "needs a Secret Service") {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    let gateway = berth.http_gateway(&[]);
    let (vscode, cursor) = (
        issued_token(&berth, &["vscode", "--http", "--print"]),
        issued_token(&berth, &["cursor", "--http", "--print"]),
    );
    let http = reqwest::Client::new();
    let post = |token: &str, session: Option<&str>, body: Value| {
        let mut r = http
            .post(&gateway.url)
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
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "vscode", "version": "1"}}});
    let opened = post(&vscode, None, init).await.unwrap();
    assert_eq!(opened.status(), 200);
    let session = opened.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(post(&vscode, Some(&session), initialized).await.unwrap().status(), 202);
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});

    // Another client's token, with this session's id: refused, nothing listed.
    let stolen = post(&cursor, Some(&session), list.clone()).await.unwrap().text().await.unwrap();
    assert!(stolen.contains("belongs to another client") && !stolen.contains("mcp-find"), "{stolen}");
    // The gateway's own token is another caller too.
    let own = post(&gateway.token, Some(&session), list.clone()).await.unwrap().text().await.unwrap();
    assert!(!own.contains("mcp-find"), "{own}");
    // The client that opened it goes on as before.
    let mine = post(&vscode, Some(&session), list).await.unwrap().text().await.unwrap();
    assert!(mine.contains("mcp-find"), "{mine}");
}

/// Sends `request` as raw bytes and returns the status line.
fn raw_status(port: u16, request: &str) -> String {
    use std::io::{BufRead, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stream).read_line(&mut line).unwrap();
    line.trim().to_owned()
}

#[test]
fn the_door_refuses_doubled_headers_and_foreign_targets() {
    let data = tempfile::tempdir().unwrap();
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    let gateway = berth.http_gateway(&[]);
    let (port, token) = (gateway.port, gateway.token.clone());
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#;
    let request = |target: &str, extra: &str| {
        format!(
            "POST {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}Authorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let status = |r: String| raw_status(port, &r);
    assert!(status(request("/mcp", "Host: evil.example\r\n")).contains(" 400 "), "two Host headers");
    let origins = format!("Origin: http://127.0.0.1:{port}\r\nOrigin: https://evil.example\r\n");
    assert!(status(request("/mcp", &origins)).contains(" 400 "), "two Origin headers");
    assert!(
        status(request("http://evil.example/mcp", "")).contains(" 403 "),
        "a foreign absolute-form target"
    );
    // The same request, well formed, opens a session, in origin form and in absolute form.
    assert!(status(request("/mcp", "")).contains(" 200 "));
    let fine = status(request(&format!("http://127.0.0.1:{port}/mcp"), ""));
    assert!(fine.contains(" 200 "), "{fine}");
}
