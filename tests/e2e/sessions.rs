//! The Sessions page acts on a live session served by another process (here, a gateway session
//! this test serves over the same data folder): add a catalog server, run one of its tools, and
//! remove it, which stops its container.

use std::sync::Arc;
use std::time::{Duration, Instant};

use berth_api::GatewayBackend;
use berth_gateway::SessionBackend;

use crate::desktop::DESKTOP;
use crate::support::{
    Driver, by_testid, screenshot, wait_for_first_attr, wait_for_text, wait_for_text_containing,
};

#[tokio::test(flavor = "multi_thread")]
async fn the_sessions_page_adds_runs_and_removes_a_server() {
    if !crate::support::window_and_docker("sessions page") {
        return;
    }
    let _one = DESKTOP.lock().await;
    let image = berth_testkit::fixture_image();
    let data = tempfile::tempdir().unwrap();
    let name = format!("sessionui{}", std::process::id());
    let running = format!("label=berth.server={name}");
    let serving = crate::support::open_berth(data.path()).await;
    let entry = berth_testkit::catalog_entry(&name, "Session UI Echo", &image);
    crate::support::add_catalog(&serving, data.path(), &entry).await;
    let session =
        Arc::new(GatewayBackend::start(serving.clone(), "e2e-session", "http", Some("e2e")).await.unwrap());
    session.accept_actions();

    let driver = Driver::start(data.path()).await;
    let c = driver.launch_app().await;
    by_testid(&c, "nav-sessions").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "Sessions").await;
    wait_for_first_attr(&c, "[data-testid=session]", "data-active", "true").await;

    by_testid(&c, "session-add-name").await.send_keys(&name).await.unwrap();
    by_testid(&c, "session-add").await.click().await.unwrap();
    wait_for_text_containing(&c, "session-result", "echo", Duration::from_secs(60)).await;
    assert_eq!(berth_testkit::containers(&running), 1);

    // The page lists the added server; run its tool.
    let server = by_testid(&c, "session-server").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.select_by_value(&name).await.is_err() {
        assert!(Instant::now() < deadline, "the added server never appeared in the list");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    by_testid(&c, "session-tool").await.send_keys("echo").await.unwrap();
    let args = by_testid(&c, "session-args").await;
    args.clear().await.unwrap();
    args.send_keys(r#"{"text": "from the window"}"#).await.unwrap();
    by_testid(&c, "session-run").await.click().await.unwrap();
    wait_for_text_containing(&c, "session-result", "from the window", Duration::from_secs(30)).await;
    screenshot(&c, "session-actions").await;

    by_testid(&c, "session-remove").await.click().await.unwrap();
    wait_for_text_containing(&c, "session-result", &name, Duration::from_secs(30)).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while berth_testkit::containers(&running) > 0 {
        assert!(Instant::now() < deadline, "the removed server's container still exists");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = c.close().await;
    session.close().await;
}
