//! The gateway the desktop app hosts: off by default; turned on in Settings it answers on the
//! URL it shows, refuses requests without its token, serves MCP with it, and stops when turned off.

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
