//! Remote servers from the command line against the reference server `server-everything`,
//! started here over streamable HTTP and over the legacy SSE transport: `berth server add --url`
//! (a header value kept in the real keychain), `berth server test`, `berth server ls`, and its
//! tools listed and called through `berth gateway run --stdio --server`, the HTTP gateway, a
//! session's `mcp-add` of a remote catalog entry, and `berth bridge`, which shows the server's own
//! tools and nothing else. No Docker engine is used:
//! `DOCKER_HOST` points nowhere.

use std::process::Stdio;

use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};

fn text(r: &rmcp::model::CallToolResult) -> String {
    r.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect::<Vec<_>>().join("")
}

/// An MCP client on a `berth` command's stdio.
async fn client(
    data: &std::path::Path,
    args: &[&str],
) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(args)
        .env("BERTH_DATA_DIR", data)
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let transport = (child.stdout.take().unwrap(), child.stdin.take().unwrap());
    // The child ends with the client: kill_on_drop, and stdin closing ends its session.
    std::mem::forget(child);
    rmcp::serve_client((), transport).await.expect("MCP handshake")
}

async fn echo(client: &rmcp::service::RunningService<rmcp::RoleClient, ()>, message: &str) -> String {
    let args = json!({"message": message}).as_object().unwrap().clone();
    let r = client.call_tool(CallToolRequestParams::new("echo").with_arguments(args)).await.unwrap();
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    text(&r)
}

async fn one_mode(mode: &str, transport: &str) {
    let started = berth_testkit::everything_http(mode);
    let why = started.as_ref().err().cloned().unwrap_or_default();
    let keychain = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if !berth_testkit::require("remote servers from the CLI", started.is_ok() && keychain, &why) {
        return;
    }
    let (_server, url) = started.unwrap();
    let data = tempfile::tempdir().unwrap();
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    let name = format!("ev{}{}", mode.len(), std::process::id());
    let run = |args: &[&str]| {
        berth.command().args(args).env("DOCKER_HOST", "unix:///nonexistent/docker.sock").output().unwrap()
    };

    let added =
        run(&["server", "add", "--url", &url, "--name", &name, "--header", "X-Api-Key=cli-header-value"]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let shown = run(&["secret", "ls"]);
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains(&format!("berth/server/{name}/header.x-api-key"))
    );
    let db = std::fs::read(data.path().join("berth.db")).unwrap();
    assert!(
        !String::from_utf8_lossy(&db).contains("cli-header-value"),
        "a header value reached the database"
    );

    let tested = run(&["server", "test", &name]);
    let out = String::from_utf8_lossy(&tested.stdout).to_string();
    assert!(tested.status.success() && out.contains("Connected in") && out.contains(transport), "{out}");
    let report = run(&["--json", "server", "test", "--url", &url]);
    let report: Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(report["state"], "connected", "{report}");
    let listed = String::from_utf8_lossy(&run(&["server", "ls"]).stdout).to_string();
    assert!(listed.contains(&name) && listed.contains("remote") && listed.contains(&url), "{listed}");

    // Through the gateway, as any server: its tools beside the gateway's own.
    let gw = client(data.path(), &["gateway", "run", "--stdio", "--server", &name]).await;
    let tools: Vec<String> =
        gw.list_all_tools().await.unwrap().into_iter().map(|t| t.name.to_string()).collect();
    assert!(tools.contains(&"echo".to_owned()) && tools.contains(&"mcp-add".to_owned()), "{tools:?}");
    assert!(echo(&gw, "through the gateway").await.contains("through the gateway"));
    gw.cancel().await.unwrap();

    // Through the HTTP gateway too.
    let gateway = berth.http_gateway(&["--server", &name]);
    let mut auth = reqwest::header::HeaderMap::new();
    auth.insert("authorization", format!("Bearer {}", gateway.token).parse().unwrap());
    let http = reqwest::Client::builder().default_headers(auth).build().unwrap();
    let transport = rmcp::transport::StreamableHttpClientTransport::with_client(
        http,
        rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig::with_uri(format!(
            "http://127.0.0.1:{}/mcp",
            gateway.port
        )),
    );
    let over_http = rmcp::serve_client((), transport).await.expect("MCP handshake over HTTP");
    assert!(echo(&over_http, "over the HTTP gateway").await.contains("over the HTTP gateway"));
    over_http.cancel().await.unwrap();
    drop(gateway);

    // A remote catalog entry added to a session with mcp-add, exactly as a container server is.
    let catalog_name = format!("cat{name}");
    berth.add_catalog(&format!(
        "  {catalog_name}:\n    title: Catalog Remote\n    type: remote\n    remote: {{url: '{url}', transport_type: {}}}\n",
        if mode == "sse" { "sse" } else { "streamable-http" }
    ));
    let dynamic = client(data.path(), &["gateway", "run", "--stdio"]).await;
    let args = json!({"name": catalog_name}).as_object().unwrap().clone();
    let added = dynamic.call_tool(CallToolRequestParams::new("mcp-add").with_arguments(args)).await.unwrap();
    assert_ne!(added.is_error, Some(true), "{}", text(&added));
    assert!(echo(&dynamic, "added with mcp-add").await.contains("added with mcp-add"));
    dynamic.cancel().await.unwrap();

    // Through the bridge, by URL and by name: the server's own tools, nothing else.
    let direct = client(data.path(), &["bridge", &url]).await;
    let bridged: Vec<String> =
        direct.list_all_tools().await.unwrap().into_iter().map(|t| t.name.to_string()).collect();
    assert!(bridged.contains(&"echo".to_owned()), "{bridged:?}");
    assert!(!bridged.iter().any(|t| t.starts_with("mcp-")), "{bridged:?}");
    assert!(echo(&direct, "through the bridge").await.contains("through the bridge"));
    // Many bridges at once, one per client window.
    let second = client(data.path(), &["bridge", &name]).await;
    assert!(echo(&second, "second window").await.contains("second window"));
    assert!(echo(&direct, "first again").await.contains("first again"));
    direct.cancel().await.unwrap();
    second.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_streamable_http_remote_from_the_cli() {
    one_mode("streamableHttp", "streamable-http").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_legacy_sse_remote_from_the_cli() {
    one_mode("sse", "sse").await;
}
