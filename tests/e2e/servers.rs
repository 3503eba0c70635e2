//! Servers in the real window: install the fixture MCP server from the Catalog page (secret,
//! configuration and limits in the form), start it, see its tools, stop it; start it again and
//! quit the app, which must leave no container behind.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::desktop::DESKTOP;
use crate::support::{Driver, by_testid, screenshot, wait_for_first_attr, wait_for_text};

fn containers_of(server: &str) -> usize {
    berth_testkit::containers(&format!("label=berth.server={server}"))
}

async fn wait_for_no_containers(server: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while containers_of(server) > 0 {
        assert!(Instant::now() < deadline, "containers of {server} still exist after 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn install_start_and_stop_a_server_from_the_window() {
    if !crate::support::window_and_docker("servers page") {
        return;
    }
    let _one = DESKTOP.lock().await;
    let image = berth_testkit::fixture_image();
    let data = tempfile::tempdir().unwrap();
    let name = format!("uiecho{}", std::process::id());
    // A catalog with the fixture, added the way `berth catalog source add` does.
    let berth = crate::support::open_berth(data.path()).await;
    let entry = format!(
        "  {name}:\n    title: UI Echo\n    description: Echoes for the window test.\n    image: {image}\n    disableNetwork: true\n    secrets: [{{name: {name}.token, env: FIXTURE_TOKEN}}]\n    config:\n      - name: {name}\n        type: object\n        properties:\n          greeting: {{type: string}}\n        required: [greeting]\n    env: [{{name: GREETING, value: '{{{{{name}.greeting}}}}'}}]\n"
    );
    crate::support::add_catalog(&berth, data.path(), &entry).await;
    berth.close().await;

    let driver = Driver::start(data.path()).await;
    let c = driver.launch_app().await;
    wait_for_text(&c, "page-title", "Catalog").await;
    by_testid(&c, "catalog-search").await.send_keys("UI Echo").await.unwrap();
    wait_for_first_attr(&c, "[data-testid=catalog-hit]", "data-name", &name).await;
    wait_for_first_attr(&c, "[data-testid=catalog-detail]", "data-name", &name).await;
    by_testid(&c, "catalog-add").await.click().await.unwrap();
    by_testid(&c, "secret-FIXTURE_TOKEN").await.send_keys("tok-from-the-form").await.unwrap();
    by_testid(&c, "config-greeting").await.send_keys("hello").await.unwrap();
    for (id, value) in [("install-cpus", "0.5"), ("install-memory", "512")] {
        let field = by_testid(&c, id).await;
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }
    by_testid(&c, "install-submit").await.click().await.unwrap();

    // Installing leads to the Servers page with the server stopped.
    wait_for_text(&c, "page-title", "Servers").await;
    wait_for_first_attr(&c, "[data-testid=server]", "data-status", "stopped").await;
    by_testid(&c, "server-start").await.click().await.unwrap();
    wait_for_first_attr(&c, "[data-testid=server]", "data-status", "running").await;
    assert_eq!(containers_of(&name), 1);
    // The limits set in the form are the container's.
    let ids = Command::new("docker")
        .args(["ps", "-q", "--filter", &format!("label=berth.server={name}")])
        .output()
        .unwrap();
    let limits = Command::new("docker")
        .args(["inspect", "--format", "{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}"])
        .arg(String::from_utf8_lossy(&ids.stdout).trim())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&limits.stdout).trim(), format!("500000000 {}", 512 * 1024 * 1024));
    by_testid(&c, "server").await.click().await.unwrap();
    let tools = by_testid(&c, "server-tools").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !tools.text().await.unwrap().contains("env_present") {
        assert!(Instant::now() < deadline, "tools never listed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    screenshot(&c, "servers-running").await;
    by_testid(&c, "server-stop").await.click().await.unwrap();
    wait_for_first_attr(&c, "[data-testid=server]", "data-status", "stopped").await;
    wait_for_no_containers(&name).await;

    // A terminated app (SIGTERM: logout, `kill`) stops what it runs before exiting.
    by_testid(&c, "server-start").await.click().await.unwrap();
    wait_for_first_attr(&c, "[data-testid=server]", "data-status", "running").await;
    assert_eq!(containers_of(&name), 1);
    let pid = Command::new("pgrep").args(["-n", "-f", env!("CARGO_BIN_EXE_berth-desktop")]).output().unwrap();
    let pid = String::from_utf8_lossy(&pid.stdout).trim().to_owned();
    assert!(!pid.is_empty(), "the app process is running");
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    wait_for_no_containers(&name).await;
    let _ = c.close().await;
}
