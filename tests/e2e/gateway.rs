//! The gateway the desktop app hosts: off by default; turned on in Settings it answers on the
//! URL it shows, refuses requests without its token, serves MCP with it, and stops when turned off.
//! The servers Settings names start with every new session.

use crate::desktop::{DESKTOP, NEEDS};
use crate::support::{Driver, by_testid, require_env, wait_for_text};

#[tokio::test(flavor = "multi_thread")]
async fn settings_turns_the_desktop_gateway_on_and_off() {
    let Some(()) = require_env("desktop gateway", NEEDS) else { return };
    let _one = DESKTOP.lock().await;
    let data = tempfile::tempdir().unwrap();
    // A free port, so the test never collides with a gateway already running on this machine.
    let port = berth_testkit::free_port();
    let berth = crate::support::open_berth(data.path()).await;
    berth.set_gateway_port(port).await.unwrap();
    berth.close().await;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    assert!(http.get(format!("{base}/health")).send().await.is_err(), "off by default");

    let driver = Driver::start(data.path()).await;
    let c = driver.launch_app().await;
    by_testid(&c, "nav-settings").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "Settings").await;
    by_testid(&c, "gateway-toggle").await.click().await.unwrap();
    let url = by_testid(&c, "gateway-url").await.attr("data-url").await.unwrap().unwrap();
    assert_eq!(url, format!("{base}/mcp"));
    assert_eq!(http.get(format!("{base}/health")).send().await.unwrap().status(), 200);

    by_testid(&c, "gateway-token-show").await.click().await.unwrap();
    let token = by_testid(&c, "gateway-token").await.text().await.unwrap();
    assert_eq!(token.len(), 48);
    let init = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}}});
    let post = |auth: Option<String>| {
        let mut r = http
            .post(&url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(init.to_string());
        if let Some(t) = auth {
            r = r.header("authorization", format!("Bearer {t}"));
        }
        r.send()
    };
    assert_eq!(post(None).await.unwrap().status(), 401);
    let ok = post(Some(token.clone())).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("berth-gateway"));

    by_testid(&c, "gateway-toggle").await.click().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while http.get(format!("{base}/health")).send().await.is_ok() {
        assert!(std::time::Instant::now() < deadline, "the gateway still answers after being turned off");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    c.close().await.unwrap();
}

/// What a stateful MCP client does first over raw HTTP: initialize, then `initialized`. Returns
/// the session id.
async fn open_session(http: &reqwest::Client, url: &str, token: &str) -> String {
    let init = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}}});
    let r = http
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(init.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let session = r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let _ = r.text().await;
    let done = serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let r = http
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-06-18")
        .body(done.to_string())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    session
}

/// Settings names the servers every new session starts with; a session opened afterwards lists
/// their tools without adding anything.
#[tokio::test(flavor = "multi_thread")]
async fn settings_names_the_servers_new_sessions_start_with() {
    if !crate::support::window_and_docker("gateway starting servers") {
        return;
    }
    let _one = DESKTOP.lock().await;
    let image = berth_testkit::fixture_image();
    let data = tempfile::tempdir().unwrap();
    let name = format!("startui{}", std::process::id());
    let port = berth_testkit::free_port();
    let berth = crate::support::open_berth(data.path()).await;
    crate::support::add_catalog(
        &berth,
        data.path(),
        &berth_testkit::catalog_entry(&name, "Start Echo", &image),
    )
    .await;
    berth.set_gateway_port(port).await.unwrap();
    berth.close().await;

    let driver = Driver::start(data.path()).await;
    let c = driver.launch_app().await;
    by_testid(&c, "nav-settings").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "Settings").await;
    by_testid(&c, "gateway-starting").await.send_keys("no-such-server").await.unwrap();
    by_testid(&c, "gateway-starting-save").await.click().await.unwrap();
    crate::support::wait_for_text_containing(
        &c,
        "error-banner",
        "no-such-server",
        std::time::Duration::from_secs(10),
    )
    .await;
    let field = by_testid(&c, "gateway-starting").await;
    field.clear().await.unwrap();
    field.send_keys(&name).await.unwrap();
    by_testid(&c, "gateway-starting-save").await.click().await.unwrap();
    // Saved, the error above goes and the panel moves up: click the toggle where it then is.
    by_testid(&c, "gateway-starting-saved").await;
    by_testid(&c, "gateway-toggle").await.click().await.unwrap();
    let url = by_testid(&c, "gateway-url").await.attr("data-url").await.unwrap().unwrap();
    by_testid(&c, "gateway-token-show").await.click().await.unwrap();
    let token = by_testid(&c, "gateway-token").await.text().await.unwrap();

    let http = reqwest::Client::new();
    let session = open_session(&http, &url, &token).await;
    let list = serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}});
    let body = http
        .post(&url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-06-18")
        .body(list.to_string())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("\"echo\""), "the session starts with the server's tools: {body}");
    assert_eq!(berth_testkit::containers(&format!("label=berth.server={name}")), 1);

    // Turning the gateway off ends the session and stops its server.
    by_testid(&c, "gateway-toggle").await.click().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while berth_testkit::containers(&format!("label=berth.server={name}")) > 0 {
        assert!(std::time::Instant::now() < deadline, "the session's server still runs");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    c.close().await.unwrap();
}
