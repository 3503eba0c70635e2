//! The first run in the real window, on a machine whose Docker engine is missing and whose
//! gateway port another program holds: the check shows each line with its state, the failing
//! ones with their fix (the port is changed right there and the line turns ok), the built-in
//! catalog is there at once, remote servers can still be added, and once the user is done the
//! check does not come back at the next launch.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

use crate::desktop::{DESKTOP, NEEDS};
use crate::support::{Driver, by_testid, require_env, screenshot, wait_for_text};

async fn status(c: &Client, id: &str) -> String {
    by_testid(c, &format!("first-run-{id}")).await.attr("data-status").await.unwrap().unwrap_or_default()
}

async fn wait_status(c: &Client, id: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while status(c, id).await != want {
        assert!(Instant::now() < deadline, "{id} never became {want}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_run_check_names_each_fix_and_nothing_waits_on_docker() {
    let Some(()) = require_env("first run", NEEDS) else { return };
    let _one = DESKTOP.lock().await;
    let data = tempfile::tempdir().unwrap();
    // Another program holds the gateway's port.
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = held.local_addr().unwrap().port();
    let berth = crate::support::open_berth(data.path()).await;
    berth.set_gateway_port(taken).await.unwrap();
    berth.close().await;
    let nowhere = std::ffi::OsString::from("unix:///nonexistent/docker.sock");
    let driver = Driver::start_with(data.path(), &[("DOCKER_HOST", &nowhere)]).await;
    let c = driver.launch_app().await;
    wait_for_text(&c, "page-title", "Catalog").await;

    by_testid(&c, "first-run").await;
    wait_status(&c, "docker", "fail").await;
    let fix = by_testid(&c, "first-run-fix-docker").await.text().await.unwrap();
    assert!(fix.contains("Start Docker"), "{fix}");
    let still = by_testid(&c, "first-run-nodocker").await.text().await.unwrap();
    assert!(still.contains("remote servers"), "{still}");
    assert_eq!(status(&c, "keychain").await, "ok");
    assert_eq!(status(&c, "deep_link").await, "ok", "the app registers berth:// links at launch");
    wait_status(&c, "gateway", "fail").await;
    let fix = by_testid(&c, "first-run-fix-gateway").await.text().await.unwrap();
    assert!(fix.contains(&taken.to_string()), "{fix}");
    // The built-in catalog is there at once, below the check: the best matches first, the rest
    // a click away.
    let hits = Locator::Css("[data-testid=catalog-hit]");
    let total: usize = by_testid(&c, "catalog-count")
        .await
        .text()
        .await
        .unwrap()
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("the catalog count");
    assert!(total > 12, "the built-in catalog has {total} servers");
    assert_eq!(c.find_all(hits).await.unwrap().len(), 12);
    let more = by_testid(&c, "catalog-more").await;
    assert_eq!(more.text().await.unwrap(), format!("Show {} more", (total - 12).min(12)));
    more.click().await.unwrap();
    let mut count = 0;
    for _ in 0..50 {
        count = c.find_all(hits).await.unwrap().len();
        if count == total.min(24) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count, total.min(24), "Show more adds the next cards");
    screenshot(&c, "first-run").await;

    // The fix for the port, right there.
    let free = berth_testkit::free_port();
    let field = by_testid(&c, "first-run-port").await;
    field.clear().await.unwrap();
    field.send_keys(&free.to_string()).await.unwrap();
    c.find(Locator::Css("[data-testid=first-run-gateway] button")).await.unwrap().click().await.unwrap();
    wait_status(&c, "gateway", "ok").await;
    let summary = by_testid(&c, "first-run-gateway").await.text().await.unwrap();
    assert!(summary.contains(&free.to_string()), "{summary}");
    drop(held);

    // Without Docker, a remote server can still be added.
    by_testid(&c, "nav-servers").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "Servers").await;
    by_testid(&c, "remote-open").await.click().await.unwrap();
    by_testid(&c, "remote-form").await;

    // Done: the check does not come back at the next launch.
    by_testid(&c, "nav-catalog").await.click().await.unwrap();
    by_testid(&c, "first-run-done").await.click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !c.find_all(Locator::Css("[data-testid=first-run]")).await.unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the check stayed after Done");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    c.close().await.unwrap();
    let c = driver.launch_app().await;
    wait_for_text(&c, "page-title", "Catalog").await;
    by_testid(&c, "catalog-hit").await;
    assert!(c.find_all(Locator::Css("[data-testid=first-run]")).await.unwrap().is_empty());
    c.close().await.unwrap();
}
