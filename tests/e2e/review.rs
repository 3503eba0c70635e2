//! What the user agrees to, in the real window: installing an entry that names a host folder of
//! its own shows the folder's exact path first and installs only after the user's yes; when a
//! later catalog changes the installed entry, the Servers page shows the difference and uses it
//! only after the user accepts.

use crate::desktop::DESKTOP;
use crate::support::{
    Driver, by_testid, screenshot, wait_for_first_attr, wait_for_text, wait_for_text_containing,
};

#[tokio::test(flavor = "multi_thread")]
async fn catalog_named_folders_and_catalog_changes_wait_for_the_users_yes() {
    if crate::support::require_env("review in the window", crate::desktop::NEEDS).is_none() {
        return;
    }
    let _one = DESKTOP.lock().await;
    let data = tempfile::tempdir().unwrap();
    let shared = data.path().join("notes");
    std::fs::create_dir(&shared).unwrap();
    let shared = std::fs::canonicalize(&shared).unwrap().display().to_string();
    let name = format!("uinotes{}", std::process::id());
    let berth = crate::support::open_berth(data.path()).await;
    let entry = format!(
        "  {name}:\n    title: UI Notes\n    description: Reads notes for the window test.\n    image: example/notes:1\n    volumes: ['{shared}:/notes']\n"
    );
    crate::support::add_catalog(&berth, data.path(), &entry).await;
    berth.close().await;

    let driver = Driver::start(data.path()).await;
    let c = driver.launch_app().await;
    wait_for_text(&c, "page-title", "Catalog").await;
    by_testid(&c, "catalog-search").await.send_keys("UI Notes").await.unwrap();
    wait_for_first_attr(&c, "[data-testid=catalog-detail]", "data-name", &name).await;
    by_testid(&c, "catalog-add").await.click().await.unwrap();
    by_testid(&c, "install-submit").await.click().await.unwrap();
    // The exact folder, before anything is saved.
    wait_for_text(&c, "install-mount-host", &shared).await;
    screenshot(&c, "install-mounts").await;
    let berth = crate::support::open_berth(data.path()).await;
    assert!(berth.server_list().await.unwrap().is_empty(), "installed before the user agreed");
    by_testid(&c, "install-mounts-accept").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "Servers").await;
    wait_for_first_attr(&c, "[data-testid=server]", "data-name", &name).await;

    // A later source changes the image: shown, and used only once accepted.
    let later = data.path().join("later.yaml");
    std::fs::write(
        &later,
        format!("registry:\n  {name}:\n    title: UI Notes\n    image: example/notes:2\n    volumes: ['{shared}:/notes']\n"),
    )
    .unwrap();
    berth.catalog_source_add(later.to_str().unwrap(), Some("later")).await.unwrap();
    c.refresh().await.unwrap();
    by_testid(&c, "nav-servers").await.click().await.unwrap();
    wait_for_text_containing(&c, "server-change", "example/notes:2", std::time::Duration::from_secs(20))
        .await;
    assert_eq!(berth.server_show(&name).await.unwrap().image, "example/notes:1");
    screenshot(&c, "server-change").await;
    by_testid(&c, "server-accept-change").await.click().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while berth.server_show(&name).await.unwrap().image != "example/notes:2" {
        assert!(std::time::Instant::now() < deadline, "the accepted change was not used");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    berth.close().await;
    let _ = c.close().await;
}
