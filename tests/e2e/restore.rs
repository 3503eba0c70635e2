//! Restore on start in the real window with the real Docker engine and keychain: two servers
//! started in the window are running when the app quits; at the next launch the one that can
//! come back is running again and the one whose secret was deleted meanwhile shows why on its
//! card; with "restore on start" turned off in Settings, nothing starts at launch.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

use crate::desktop::DESKTOP;
use crate::support::{Driver, by_testid, quit_app, screenshot, wait_for_css, wait_for_text};

/// Waits until `name`'s card has `data-status` = `status`.
async fn wait_status(c: &Client, name: &str, status: &str) -> fantoccini::elements::Element {
    let css = format!("[data-testid=server][data-name='{name}'][data-status={status}]");
    wait_for_css(c, &css, &format!("{name} as {status}"), Duration::from_secs(90)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn servers_running_at_quit_come_back_at_launch_and_one_that_cannot_says_why() {
    if !crate::support::window_and_docker("restore on start") {
        return;
    }
    let _one = DESKTOP.lock().await;
    let image = berth_testkit::fixture_image();
    let data = tempfile::tempdir().unwrap();
    let id = std::process::id();
    let (plain, secret) = (format!("restorea{id}"), format!("restoreb{id}"));
    let berth = crate::support::open_berth(data.path()).await;
    let entries = format!(
        "{}  {secret}:\n    title: Restore B\n    image: {image}\n    disableNetwork: true\n    secrets: [{{name: {secret}.token, env: FIXTURE_TOKEN}}]\n",
        berth_testkit::catalog_entry(&plain, "Restore A", &image)
    );
    crate::support::add_catalog(&berth, data.path(), &entries).await;
    for (name, secrets) in [(&plain, vec![]), (&secret, vec![(format!("{secret}.token"), "tok".to_owned())])]
    {
        let req = berth_api::InstallRequest {
            catalog_name: name.clone(),
            config: serde_json::Value::Null,
            secrets: secrets.into_iter().collect(),
            settings: None,
            accept_mounts: Vec::new(),
        };
        berth.server_install(req).await.unwrap();
    }
    berth.close().await;

    // Both started in the window, then the app quits (as at logout: SIGTERM).
    let driver = Driver::start(data.path()).await;
    let c = driver.launch_app().await;
    by_testid(&c, "nav-servers").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "Servers").await;
    for name in [&plain, &secret] {
        let card = wait_status(&c, name, "stopped").await;
        card.find(Locator::Css("[data-testid=server-start]")).await.unwrap().click().await.unwrap();
        wait_status(&c, name, "running").await;
    }
    quit_app();
    drop(driver);
    for name in [&plain, &secret] {
        assert_eq!(
            berth_testkit::containers(&format!("label=berth.server={name}")),
            0,
            "{name} outlived the app"
        );
    }

    // Meanwhile the second server's secret is deleted: it cannot come back.
    let berth = crate::support::open_berth(data.path()).await;
    assert!(berth.delete_secret(&format!("berth/server/{secret}/{secret}.token")).await.unwrap());
    berth.close().await;

    let driver = Driver::start(data.path()).await;
    let c = driver.launch_app().await;
    by_testid(&c, "nav-servers").await.click().await.unwrap();
    wait_status(&c, &plain, "running").await;
    let card = wait_status(&c, &secret, "error").await;
    let reason = card.find(Locator::Css("[data-testid=server-reason]")).await.unwrap().text().await.unwrap();
    assert!(reason.contains(&format!("{secret}.token")), "the card says why: {reason}");
    screenshot(&c, "restored-at-launch").await;
    assert_eq!(berth_testkit::containers(&format!("label=berth.server={plain}")), 1);

    // Restore on start off: the running server is not started at the next launch.
    by_testid(&c, "nav-settings").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "Settings").await;
    let toggle = by_testid(&c, "restore-on-start").await;
    assert!(toggle.is_selected().await.unwrap(), "on by default");
    toggle.click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let berth = crate::support::open_berth(data.path()).await;
        let off = !berth.settings().await.unwrap().restore_on_start;
        berth.close().await;
        if off {
            break;
        }
        assert!(Instant::now() < deadline, "restore on start was not turned off");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    quit_app();
    drop(driver);
    let driver = Driver::start(data.path()).await;
    let c = driver.launch_app().await;
    by_testid(&c, "nav-servers").await.click().await.unwrap();
    wait_status(&c, &plain, "stopped").await;
    // Give a restore that should not happen the time one takes.
    tokio::time::sleep(Duration::from_secs(3)).await;
    wait_status(&c, &plain, "stopped").await;
    assert_eq!(berth_testkit::containers(&format!("label=berth.server={plain}")), 0);
    c.close().await.unwrap();
}
