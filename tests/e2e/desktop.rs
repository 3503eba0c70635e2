//! The real desktop window: navigation, switching the language and keeping the choice, a forged
//! OAuth deep link forwarded by a second instance being refused, a launch while the running
//! instance is quitting, and a folder added as a catalog source in Settings.

use crate::support::{
    Driver, by_testid, require_env, screenshot, wait_for_css, wait_for_first_attr, wait_for_text,
};
use std::process::Command;
use std::time::Duration;

/// One desktop test at a time: each owns the single-instance lock of the app.
pub static DESKTOP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub const NEEDS: &[&str] = &["DISPLAY", "DBUS_SESSION_BUS_ADDRESS"];

#[tokio::test(flavor = "multi_thread")]
async fn settings_switches_language_to_japanese_and_back_and_remembers_it() {
    let Some(()) = require_env("desktop language switch", NEEDS) else { return };
    let _one = DESKTOP.lock().await;
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(data.path()).await;

    let c = driver.launch_app().await;
    // The Catalog page lists the built-in catalog; pages whose features come later have a real
    // empty state.
    by_testid(&c, "catalog-hit").await;
    for (page, title) in [
        ("servers", "Servers"),
        ("sessions", "Sessions"),
        ("connections", "Connections"),
        ("gateways", "Gateways"),
        ("logs", "Logs"),
    ] {
        by_testid(&c, &format!("nav-{page}")).await.click().await.unwrap();
        wait_for_text(&c, "page-title", title).await;
        by_testid(&c, &format!("{page}-empty")).await;
    }
    by_testid(&c, "nav-settings").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "Settings").await;
    wait_for_text(&c, "nav-catalog", "Catalog").await;

    by_testid(&c, "locale-ja").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "設定").await;
    wait_for_text(&c, "nav-catalog", "カタログ").await;
    wait_for_text(&c, "nav-servers", "サーバー").await;
    by_testid(&c, "doctor-run").await.click().await.unwrap();
    by_testid(&c, "doctor-summary").await;
    screenshot(&c, "settings-ja").await;
    c.close().await.unwrap();

    // A new start of the app comes up in the language chosen last time.
    let c = driver.launch_app().await;
    wait_for_text(&c, "page-title", "カタログ").await;
    by_testid(&c, "nav-settings").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "設定").await;
    // The choices are greyed out until the saved settings are in; then Japanese is the one.
    wait_for_css(&c, "[data-testid=locale-ja]:enabled", "the language choices", Duration::from_secs(20))
        .await;
    assert_eq!(by_testid(&c, "locale-ja").await.prop("checked").await.unwrap().as_deref(), Some("true"));

    by_testid(&c, "locale-en").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "Settings").await;
    wait_for_text(&c, "nav-catalog", "Catalog").await;

    // The system check runs against the real services from the window.
    by_testid(&c, "doctor-run").await.click().await.unwrap();
    let docker = by_testid(&c, "check-docker").await;
    assert_eq!(docker.attr("data-status").await.unwrap().as_deref(), Some("ok"));
    let keychain = by_testid(&c, "check-keychain").await;
    assert_eq!(keychain.attr("data-status").await.unwrap().as_deref(), Some("ok"));
    let database = by_testid(&c, "check-database").await;
    assert_eq!(database.attr("data-status").await.unwrap().as_deref(), Some("ok"));

    // Client setup: Connect writes the gateway entry into Cursor's config in this app's home.
    let cursor = by_testid(&c, "client-cursor").await;
    cursor.find(fantoccini::Locator::Css("button.primary")).await.unwrap().click().await.unwrap();
    let written = data.path().join("home/.cursor/mcp.json");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !written.exists() {
        assert!(std::time::Instant::now() < deadline, "Cursor's config was not written");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&written).unwrap()).unwrap();
    assert_eq!(config["mcpServers"]["berth"]["args"], serde_json::json!(["gateway", "run", "--stdio"]));
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_oauth_deep_link_from_a_second_instance_is_refused() {
    let Some(()) = require_env("deep link forwarding", NEEDS) else { return };
    let _one = DESKTOP.lock().await;
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(data.path()).await;
    let c = driver.launch_app().await;
    wait_for_text(&c, "page-title", "Catalog").await;

    // What the OS does when a browser opens a berth:// link: start the app with the URL. The
    // second instance hands it to the running one over D-Bus and exits.
    let status = Command::new(env!("CARGO_BIN_EXE_berth-desktop"))
        .arg("berth://oauth/callback?state=forged-state&code=stolen-code")
        .env("BERTH_DATA_DIR", data.path())
        .status()
        .expect("second instance runs");
    assert!(status.success(), "second instance exits cleanly after forwarding: {status:?}");

    let banner = by_testid(&c, "error-banner").await;
    assert_eq!(banner.attr("data-code").await.unwrap().as_deref(), Some("state_mismatch"));
    // The user is taken to where re-authorising happens.
    wait_for_text(&c, "page-title", "Connections").await;
    screenshot(&c, "deep-link-refused").await;
    c.close().await.unwrap();
}

/// The desktop binary as a desktop file starts it, on `data`, in English.
fn direct_launch(data: &std::path::Path) -> Command {
    let mut launch = Command::new(env!("CARGO_BIN_EXE_berth-desktop"));
    crate::support::app_environment(&mut launch, data);
    launch
}

fn launch_directly(data: &std::path::Path) -> std::process::Child {
    direct_launch(data).spawn().expect("the desktop app starts")
}

/// Polls until the single-instance name is held by `pid`, or fails saying who holds it.
async fn wait_for_owner(pid: u32, what: &str, others: &mut [&mut std::process::Child]) {
    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    loop {
        let owner = crate::support::single_instance_owner();
        if owner == Some(pid) {
            return;
        }
        for child in others.iter_mut() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("{what}: a launch ended ({status}) while waiting; the name is held by {owner:?}");
            }
        }
        assert!(std::time::Instant::now() < deadline, "{what}: the name is held by {owner:?}, not {pid}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_launch_while_berth_is_quitting_starts_once_it_has_gone() {
    let Some(()) = require_env("launch while quitting", NEEDS) else { return };
    let _one = DESKTOP.lock().await;
    let data = tempfile::tempdir().unwrap();
    let mut first = launch_directly(data.path());
    wait_for_owner(first.id(), "the first launch", &mut [&mut first]).await;

    // The running instance holds the name but answers nobody, as one busy quitting does.
    let stop = |signal: &str, pid: u32| Command::new("kill").args([signal, &pid.to_string()]).status();
    stop("-STOP", first.id()).unwrap();
    let mut second = launch_directly(data.path());
    // A launch that has already started again as often as it may gives up, saying why.
    let spent = direct_launch(data.path())
        .env("BERTH_START_TRIES", "60")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The second launch is handing its arguments over when the first one goes.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(second.try_wait().unwrap().is_none(), "the second launch waits for an answer");
    first.kill().unwrap();
    first.wait().unwrap();
    let spent = spent.wait_with_output().unwrap();
    assert_eq!(spent.status.code(), Some(1), "a launch that gives up fails");
    let said = String::from_utf8_lossy(&spent.stderr);
    assert!(
        said.contains("Another Berth is still running but does not answer. Wait until it has quit"),
        "{said}"
    );

    // It starts again (the same process) and becomes the one instance, with its window.
    wait_for_owner(second.id(), "the launch after the first had gone", &mut [&mut second]).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(second.try_wait().unwrap().is_none(), "the second launch keeps running");
    stop("-TERM", second.id()).unwrap();
    let status = second.wait().unwrap();
    assert!(status.success(), "it quits cleanly: {status}");
    crate::support::quit_app();
}

#[tokio::test(flavor = "multi_thread")]
async fn catalog_searches_as_you_type_and_shows_details_in_both_languages() {
    let Some(()) = require_env("catalog page", NEEDS) else { return };
    let _one = DESKTOP.lock().await;
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(data.path()).await;
    let c = driver.launch_app().await;
    wait_for_text(&c, "page-title", "Catalog").await;
    // The built-in catalog is there offline on first start, below the first-run check.
    by_testid(&c, "catalog-hit").await;
    by_testid(&c, "first-run").await;

    let search = by_testid(&c, "catalog-search").await;
    search.send_keys("github iss").await.unwrap();
    wait_for_first_attr(&c, "[data-testid=catalog-hit]", "data-name", "github-official").await;
    c.find(fantoccini::Locator::Css("[data-testid=catalog-hit][data-name=github-official]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_first_attr(&c, "[data-testid=catalog-detail]", "data-name", "github-official").await;
    // The token it needs is not set yet, and the detail says so.
    wait_for_first_attr(&c, "[data-testid=detail-secret]", "data-set", "false").await;
    screenshot(&c, "catalog-en").await;

    // Remote filter narrows to remote servers.
    search.clear().await.unwrap();
    search.send_keys("notion").await.unwrap();
    by_testid(&c, "filter-remote").await.click().await.unwrap();
    wait_for_first_attr(&c, ".filters button.on", "data-testid", "filter-remote").await;
    wait_for_first_attr(&c, "[data-testid=catalog-hit]", "data-name", "notion-remote").await;

    // In Japanese, Japanese descriptions are searchable.
    by_testid(&c, "nav-settings").await.click().await.unwrap();
    by_testid(&c, "locale-ja").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "設定").await;
    by_testid(&c, "nav-catalog").await.click().await.unwrap();
    let search = by_testid(&c, "catalog-search").await;
    // Coming back, the check is drawn with the page, not a moment later: a panel arriving late
    // would push the filters away from under the pointer.
    let panels = c.find_all(fantoccini::Locator::Css("[data-testid=first-run]")).await.unwrap();
    assert_eq!(panels.len(), 1, "the first-run check is shown with the page it sits on");
    search.send_keys("ファイル").await.unwrap();
    by_testid(&c, "filter-container").await.click().await.unwrap();
    wait_for_first_attr(&c, ".filters button.on", "data-testid", "filter-container").await;
    wait_for_first_attr(&c, "[data-testid=catalog-hit]", "data-name", "filesystem").await;
    // The detail follows the best match when the previous selection left the results.
    wait_for_first_attr(&c, "[data-testid=catalog-detail]", "data-name", "filesystem").await;
    screenshot(&c, "catalog-ja").await;
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_adds_a_folder_of_server_files_as_a_catalog_source() {
    let Some(()) = require_env("folder source in Settings", NEEDS) else { return };
    let shared = std::env::var_os("BERTH_SHARED_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| berth_testkit::workspace_root().join("../shared/data"));
    let folder = shared.join("docker-mcp-registry/servers");
    let why = format!("the shared catalogs are not at {}", folder.display());
    if !berth_testkit::require("folder source in Settings", folder.is_dir(), &why) {
        return;
    }
    let _one = DESKTOP.lock().await;
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(data.path()).await;
    let c = driver.launch_app().await;
    by_testid(&c, "nav-settings").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "Settings").await;
    by_testid(&c, "source-location").await.send_keys(folder.to_str().unwrap()).await.unwrap();
    by_testid(&c, "source-add").await.click().await.unwrap();
    // Every server.yaml below the folder is read; the three Berth cannot run are counted apart.
    wait_for_first_attr(&c, "[data-testid=source][data-kind=folder]", "data-items", "325").await;
    wait_for_first_attr(&c, "[data-testid=source][data-kind=folder]", "data-skipped", "3").await;
    screenshot(&c, "catalog-folder-source").await;
    // Its servers are found on the Catalog page.
    by_testid(&c, "nav-catalog").await.click().await.unwrap();
    by_testid(&c, "catalog-search").await.send_keys("uberall").await.unwrap();
    wait_for_first_attr(&c, "[data-testid=catalog-hit]", "data-name", "uberall").await;
    c.close().await.unwrap();
}
