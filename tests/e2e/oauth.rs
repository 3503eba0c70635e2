//! Signing in from the Connections page in the real window, against a real authorization server
//! (oidc-provider, `tests/peers/oauth-mcp.mjs`) in front of an MCP server that takes only its
//! tokens. The browser (`tests/fixtures/browser.sh`) follows the authorization server's redirects
//! to `berth://oauth/callback` and starts a second app instance with it, as the OS does; the
//! single instance hands it to the running app, which finishes the sign-in. The tokens are in the
//! real Secret Service, a tool of the server answers through the desktop gateway, a sign-in whose
//! browser comes back after the app restarted still completes, the same callback again is refused
//! as `state_mismatch`, and Revoke leaves no keychain entry. Afterwards no token the authorization
//! server issued is anywhere in the app's data folder. Settings keeps the client ID metadata
//! document URL (https with a path) and refuses another with the reason.

use std::ffi::OsStr;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::desktop::{DESKTOP, NEEDS};
use crate::support::{Driver, by_testid, require_env, screenshot, wait_for_first_attr, wait_for_text};

/// Waits until the connection card of `server` says `state`.
pub(crate) async fn wait_for_state(c: &fantoccini::Client, server: &str, state: &str) {
    let css = format!("[data-testid=connection][data-server='{server}'][data-state={state}]");
    let deadline = Instant::now() + Duration::from_secs(30);
    while c.find_all(fantoccini::Locator::Css(&css)).await.unwrap().is_empty() {
        assert!(Instant::now() < deadline, "{server} never showed {state}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What the OS does with a `berth://` link: starts the app with it; the second instance hands it
/// to the running one and exits.
fn open_link(data: &std::path::Path, link: &str) {
    let status = Command::new(env!("CARGO_BIN_EXE_berth-desktop"))
        .arg(link)
        .env("BERTH_DATA_DIR", data)
        .status()
        .expect("the second instance runs");
    assert!(status.success(), "the second instance exits after handing the link on: {status:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn connecting_a_server_signs_in_through_the_deep_link_across_a_restart_and_revoke_forgets_it() {
    let Some(()) = require_env("OAuth in the window", NEEDS) else { return };
    let fixture = berth_testkit::oauth_server(300);
    let why = fixture.as_ref().err().cloned().unwrap_or_default();
    if !berth_testkit::require("OAuth in the window", fixture.is_ok(), &why) {
        return;
    }
    let fixture = fixture.unwrap();
    let _one = DESKTOP.lock().await;
    let data = tempfile::tempdir().unwrap();
    let name = format!("signin{}", std::process::id());
    let port = berth_testkit::free_port();
    let berth = crate::support::open_berth(data.path()).await;
    let request =
        berth_api::RemoteRequest { url: fixture.mcp.clone(), name: Some(name.clone()), ..Default::default() };
    berth.server_add_url(request).await.unwrap();
    berth.set_gateway_port(port).await.unwrap();
    berth.set_gateway_starting_servers(vec![name.clone()]).await.unwrap();
    berth.close().await;

    let browser = berth_testkit::workspace_root().join("tests/fixtures/browser.sh");
    let link_file = data.path().join("held-link");
    let env: Vec<(&str, &OsStr)> = vec![
        ("BROWSER", browser.as_os_str()),
        ("BERTH_DESKTOP", OsStr::new(env!("CARGO_BIN_EXE_berth-desktop"))),
        ("BERTH_LINK_FILE", link_file.as_os_str()),
    ];
    let driver = Driver::start_with(data.path(), &env).await;
    let c = driver.launch_app().await;
    wait_for_text(&c, "page-title", "Catalog").await;
    by_testid(&c, "nav-connections").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "Connections").await;
    wait_for_state(&c, &name, "not_connected").await;
    screenshot(&c, "connections-not-connected").await;

    // Connect: the browser signs in and comes back through the deep link.
    by_testid(&c, "connection-connect").await.click().await.unwrap();
    wait_for_state(&c, &name, "connected").await;
    assert!(berth_testkit::in_keychain(&format!("oauth/{name}")), "the tokens are in the Secret Service");
    screenshot(&c, "connections-connected").await;

    // Its tool answers through the gateway the desktop app hosts.
    let client = crate::support::desktop_gateway_client(&c, "Settings").await;
    let reply = client.call_tool(rmcp::model::CallToolRequestParams::new("whoami")).await.unwrap();
    let said: String = reply.content.iter().filter_map(|p| p.as_text().map(|t| t.text.clone())).collect();
    assert!(said.starts_with("operator #") && reply.is_error != Some(true), "{said}");
    let _ = client.cancel().await;

    // Revoke: the keychain entry goes, and the card says not connected.
    by_testid(&c, "nav-connections").await.click().await.unwrap();
    wait_for_state(&c, &name, "connected").await;
    by_testid(&c, "connection-revoke").await.click().await.unwrap();
    wait_for_state(&c, &name, "not_connected").await;
    assert!(!berth_testkit::in_keychain(&format!("oauth/{name}")), "a keychain entry is left after revoke");

    // Connect again, but the browser comes back only after the app was closed and opened again.
    std::fs::write(data.path().join("held-link.hold"), "").unwrap();
    by_testid(&c, "connection-connect").await.click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !link_file.exists() {
        assert!(Instant::now() < deadline, "the browser never reached the deep link");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let link = std::fs::read_to_string(&link_file).unwrap();
    assert!(link.starts_with("berth://oauth/callback?"), "{link}");
    c.close().await.unwrap();
    drop(driver);

    let driver = Driver::start_with(data.path(), &env).await;
    let c = driver.launch_app().await;
    wait_for_text(&c, "page-title", "Catalog").await;
    open_link(data.path(), &link);
    // The app shows the sign-in on the Connections page.
    wait_for_text(&c, "page-title", "Connections").await;
    wait_for_state(&c, &name, "connected").await;

    // The same callback again is a replay: refused, and nothing changes.
    open_link(data.path(), &link);
    let banner = by_testid(&c, "error-banner").await;
    assert_eq!(banner.attr("data-code").await.unwrap().as_deref(), Some("state_mismatch"));
    wait_for_state(&c, &name, "connected").await;
    screenshot(&c, "connections-replay-refused").await;

    by_testid(&c, "connection-revoke").await.click().await.unwrap();
    wait_for_state(&c, &name, "not_connected").await;
    assert!(!berth_testkit::in_keychain(&format!("oauth/{name}")));
    c.close().await.unwrap();
    drop(driver);

    // No token the authorization server issued is anywhere in the app's data folder (database,
    // logs, the app's home).
    let (access, refresh) = fixture.tokens();
    let all: Vec<&str> = access.iter().chain(&refresh).map(String::as_str).collect();
    assert!(all.len() >= 4, "{all:?}");
    let found = berth_testkit::files_containing(data.path(), &all);
    assert!(
        found.is_empty(),
        "tokens in the data folder: {:?}",
        found.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_keeps_the_client_metadata_document_url_and_refuses_one_that_is_not_https() {
    let Some(()) = require_env("client ID metadata URL in Settings", NEEDS) else { return };
    let _one = DESKTOP.lock().await;
    let data = tempfile::tempdir().unwrap();
    let good = "https://example.com/berth/client.json";
    const FIELD: &str = "[data-testid=client-metadata-url]";
    let driver = Driver::start(data.path()).await;
    let c = driver.launch_app().await;
    by_testid(&c, "nav-settings").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "Settings").await;
    wait_for_first_attr(&c, FIELD, "data-saved", "").await;

    // Plain http is refused with the reason, and nothing is kept.
    let field = by_testid(&c, "client-metadata-url").await;
    field.send_keys("http://example.com/berth/client.json").await.unwrap();
    by_testid(&c, "client-metadata-url-save").await.click().await.unwrap();
    let banner = by_testid(&c, "error-banner").await;
    assert_eq!(banner.attr("data-code").await.unwrap().as_deref(), Some("validation"));
    assert!(banner.text().await.unwrap().contains("https"), "the banner gives the reason");
    wait_for_first_attr(&c, FIELD, "data-saved", "").await;

    field.clear().await.unwrap();
    field.send_keys(good).await.unwrap();
    by_testid(&c, "client-metadata-url-save").await.click().await.unwrap();
    wait_for_first_attr(&c, FIELD, "data-saved", good).await;
    screenshot(&c, "settings-client-metadata-url").await;
    by_testid(&c, "client-metadata-url-clear").await.click().await.unwrap();
    wait_for_first_attr(&c, FIELD, "data-saved", "").await;
    field.send_keys(good).await.unwrap();
    by_testid(&c, "client-metadata-url-save").await.click().await.unwrap();
    wait_for_first_attr(&c, FIELD, "data-saved", good).await;
    c.close().await.unwrap();
    drop(driver);

    let berth = crate::support::open_berth(data.path()).await;
    assert_eq!(berth.oauth_client_metadata_url().await.unwrap().as_deref(), Some(good));
    berth.close().await;
}
