//! A remote server in the real window: added from a test catalog whose entry points at the
//! reference server (`server-everything` over streamable HTTP, started here), tested from its card
//! (connected, with the latency and the protocol), and its tool called through the gateway the
//! desktop app hosts; then the same server registered by its URL from the Servers page, its
//! header value kept out of the database. No Docker engine is involved.

use std::time::Duration;

use crate::desktop::{DESKTOP, NEEDS};
use crate::support::{
    Driver, by_testid, require_env, wait_for_first_attr, wait_for_text, wait_for_text_containing,
};

#[tokio::test(flavor = "multi_thread")]
async fn a_remote_server_is_added_tested_and_called_through_the_desktop_gateway() {
    let Some(()) = require_env("remote server in the window", NEEDS) else { return };
    let started = berth_testkit::everything_http("streamableHttp");
    let why = started.as_ref().err().cloned().unwrap_or_default();
    if !berth_testkit::require("remote server in the window", started.is_ok(), &why) {
        return;
    }
    let (_server, url) = started.unwrap();
    let _one = DESKTOP.lock().await;
    let data = tempfile::tempdir().unwrap();
    let name = format!("remoteui{}", std::process::id());
    let port = berth_testkit::free_port();
    let berth = crate::support::open_berth(data.path()).await;
    let entry = format!(
        "  {name}:\n    title: Remote Everything\n    description: The reference server, reached over HTTP.\n    type: remote\n    remote: {{url: '{url}', transport_type: streamable-http}}\n"
    );
    crate::support::add_catalog(&berth, data.path(), &entry).await;
    berth.set_gateway_port(port).await.unwrap();
    berth.set_gateway_starting_servers(vec![name.clone()]).await.unwrap();
    berth.close().await;

    let driver = Driver::start(data.path()).await;
    let c = driver.launch_app().await;
    wait_for_text(&c, "page-title", "Catalog").await;
    by_testid(&c, "catalog-search").await.send_keys("Remote Everything").await.unwrap();
    wait_for_first_attr(&c, "[data-testid=catalog-detail]", "data-name", &name).await;
    by_testid(&c, "catalog-add").await.click().await.unwrap();
    by_testid(&c, "install-submit").await.click().await.unwrap();

    // On the Servers page it is a remote server, not connected until used; Test connects.
    wait_for_text(&c, "page-title", "Servers").await;
    wait_for_first_attr(&c, "[data-testid=server]", "data-name", &name).await;
    assert_eq!(by_testid(&c, "server-endpoint").await.text().await.unwrap(), url);
    by_testid(&c, "server-test").await.click().await.unwrap();
    let within = Duration::from_secs(20);
    wait_for_text_containing(&c, "server-test-result", "Connected in", within).await;
    let result = by_testid(&c, "server-test-result").await;
    assert_eq!(result.attr("data-state").await.unwrap().as_deref(), Some("connected"));
    let text = result.text().await.unwrap();
    assert!(
        text.contains(" ms") && text.contains("protocol 20") && text.contains("streamable-http"),
        "{text}"
    );
    crate::support::screenshot(&c, "remote-tested").await;

    // The same server by its URL, with a header whose value goes to the keychain.
    by_testid(&c, "remote-open").await.click().await.unwrap();
    by_testid(&c, "remote-url").await.send_keys(&url).await.unwrap();
    by_testid(&c, "remote-name").await.send_keys("by-url").await.unwrap();
    by_testid(&c, "remote-header-name").await.send_keys("X-Api-Key").await.unwrap();
    by_testid(&c, "remote-header-value").await.send_keys("typed-in-the-window").await.unwrap();
    by_testid(&c, "remote-submit").await.click().await.unwrap();
    let deadline = std::time::Instant::now() + within;
    loop {
        let cards =
            c.find_all(fantoccini::Locator::Css("[data-testid=server][data-name=by-url]")).await.unwrap();
        if !cards.is_empty() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the server added by URL is not listed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let db = std::fs::read(data.path().join("berth.db")).unwrap();
    assert!(
        !String::from_utf8_lossy(&db).contains("typed-in-the-window"),
        "a header value reached the database"
    );

    // Through the desktop gateway, which starts every session with it: its tool answers.
    let client = crate::support::desktop_gateway_client(&c, "Settings").await;
    let args = serde_json::json!({"message": "from the window's gateway"}).as_object().unwrap().clone();
    let reply =
        client.call_tool(rmcp::model::CallToolRequestParams::new("echo").with_arguments(args)).await.unwrap();
    let said: String = reply.content.iter().filter_map(|p| p.as_text().map(|t| t.text.clone())).collect();
    assert!(said.contains("from the window's gateway") && reply.is_error != Some(true), "{said}");
    let _ = client.cancel().await;
    c.close().await.unwrap();
}
