//! What the user sees when things go wrong, in the real window and in both languages: a failed
//! Start shows its reason on the server's card and on the Logs page (in Japanese, then in
//! English after switching), and an install refused for a missing secret completes from the same
//! form once the secret is typed in; the server's limits can be changed afterwards; a folder field
//! opens the system's folder picker, and a relative folder is refused in the form with its reason.

use std::time::Duration;

use crate::desktop::DESKTOP;
use crate::support::{
    Driver, by_testid, screenshot, wait_for_first_attr, wait_for_text, wait_for_text_containing,
};

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_start_shows_its_reason_on_the_card_and_the_logs_page_in_both_languages() {
    if !crate::support::window_and_docker("failed start in the window") {
        return;
    }
    let _one = DESKTOP.lock().await;
    let data = tempfile::tempdir().unwrap();
    let name = format!("failstart{}", std::process::id());
    let berth = crate::support::open_berth(data.path()).await;
    // A registry nobody answers at: the pull fails at once, as it does offline.
    let entry = format!("  {name}:\n    title: Fails To Start\n    image: 127.0.0.1:1/berth/missing:1\n");
    crate::support::add_catalog(&berth, data.path(), &entry).await;
    berth
        .server_install(berth_api::InstallRequest { catalog_name: name.clone(), ..Default::default() })
        .await
        .unwrap();
    berth.set_locale(berth_api::LocalePreference::Ja).await.unwrap();
    berth.close().await;

    let driver = Driver::start(data.path()).await;
    let c = driver.launch_app().await;
    wait_for_text(&c, "page-title", "カタログ").await;
    by_testid(&c, "nav-servers").await.click().await.unwrap();
    wait_for_first_attr(&c, "[data-testid=server]", "data-name", &name).await;
    by_testid(&c, "server-start").await.click().await.unwrap();
    wait_for_first_attr(&c, "[data-testid=server]", "data-status", "error").await;
    let within = Duration::from_secs(30);
    wait_for_text_containing(&c, "server-reason", "127.0.0.1:1 に接続できない", within).await;
    // The error stays on screen too, in Japanese.
    wait_for_text_containing(&c, "error-text", "に接続できない", within).await;
    screenshot(&c, "servers-failed-ja").await;

    by_testid(&c, "nav-logs").await.click().await.unwrap();
    wait_for_first_attr(&c, "[data-testid=activity-line]", "data-kind", "server_failed").await;
    wait_for_text_containing(&c, "activity-text", "に接続できない", within).await;
    screenshot(&c, "logs-failed-ja").await;

    // In English, the same reason in English.
    by_testid(&c, "nav-settings").await.click().await.unwrap();
    by_testid(&c, "locale-en").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "Settings").await;
    by_testid(&c, "nav-servers").await.click().await.unwrap();
    wait_for_text_containing(&c, "server-reason", "cannot be reached", within).await;
    by_testid(&c, "nav-logs").await.click().await.unwrap();
    wait_for_text_containing(&c, "activity-text", "cannot be reached", within).await;
    let _ = c.close().await;
}

/// The words the test waits for, in one language.
struct Words {
    locale: berth_api::LocalePreference,
    catalog: &'static str,
    servers: &'static str,
    keychain: &'static str,
}

#[tokio::test(flavor = "multi_thread")]
async fn an_install_missing_its_secret_completes_from_the_same_form() {
    let en = Words {
        locale: berth_api::LocalePreference::En,
        catalog: "Catalog",
        servers: "Servers",
        keychain: "keychain",
    };
    install_with_a_missing_secret(en).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_install_missing_its_secret_completes_from_the_same_form_in_japanese() {
    let ja = Words {
        locale: berth_api::LocalePreference::Ja,
        catalog: "カタログ",
        servers: "サーバー",
        keychain: "キーチェーン",
    };
    install_with_a_missing_secret(ja).await;
}

async fn install_with_a_missing_secret(words: Words) {
    if crate::support::require_env("secret in the install form", crate::desktop::NEEDS).is_none() {
        return;
    }
    let _one = DESKTOP.lock().await;
    let data = tempfile::tempdir().unwrap();
    let name = format!("needsecret{}", std::process::id());
    let berth = crate::support::open_berth(data.path()).await;
    let entry = format!(
        "  {name}:\n    title: Needs A Secret\n    image: example/needs:1\n    secrets: [{{name: {name}.token, env: NEEDED_TOKEN}}]\n"
    );
    crate::support::add_catalog(&berth, data.path(), &entry).await;
    berth.set_locale(words.locale).await.unwrap();
    berth.close().await;

    let driver = Driver::start(data.path()).await;
    let c = driver.launch_app().await;
    wait_for_text(&c, "page-title", words.catalog).await;
    by_testid(&c, "catalog-search").await.send_keys("Needs A Secret").await.unwrap();
    wait_for_first_attr(&c, "[data-testid=catalog-detail]", "data-name", &name).await;
    by_testid(&c, "catalog-add").await.click().await.unwrap();
    by_testid(&c, "install-submit").await.click().await.unwrap();
    // Asked for in place, not sent to a terminal.
    wait_for_text_containing(&c, "need-NEEDED_TOKEN", words.keychain, Duration::from_secs(10)).await;
    screenshot(&c, &format!("install-needs-secret-{}", words.catalog)).await;
    by_testid(&c, "secret-NEEDED_TOKEN").await.send_keys("tok-typed-in-the-form").await.unwrap();
    by_testid(&c, "install-submit").await.click().await.unwrap();
    wait_for_text(&c, "page-title", words.servers).await;
    wait_for_first_attr(&c, "[data-testid=server]", "data-name", &name).await;
    // Its limits can be changed after install.
    by_testid(&c, "server-edit").await.click().await.unwrap();
    let form = by_testid(&c, "server-config-form").await;
    let cpus = form.find(fantoccini::Locator::Css("input[type=number]")).await.unwrap();
    cpus.clear().await.unwrap();
    cpus.send_keys("0.5").await.unwrap();
    by_testid(&c, "server-config-save").await.click().await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let berth = crate::support::open_berth(data.path()).await;
        let cpus = berth.server_show(&name).await.unwrap().settings.cpus;
        berth.close().await;
        if cpus == 0.5 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the new limit was not saved ({cpus})");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The catalog now marks it installed.
    by_testid(&c, "nav-catalog").await.click().await.unwrap();
    by_testid(&c, "catalog-search").await.send_keys("Needs A Secret").await.unwrap();
    by_testid(&c, "hit-installed").await;
    let berth = crate::support::open_berth(data.path()).await;
    let key = format!("berth/server/{name}/{name}.token");
    assert!(berth.is_secret_set(&key).await.unwrap());
    berth.delete_secret(&key).await.unwrap();
    berth.close().await;
    let _ = c.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_folder_field_offers_the_picker_and_a_relative_path_is_refused_in_the_form() {
    if crate::support::require_env("folder field in the install form", crate::desktop::NEEDS).is_none() {
        return;
    }
    let _one = DESKTOP.lock().await;
    let data = tempfile::tempdir().unwrap();
    let berth = crate::support::open_berth(data.path()).await;
    berth.set_locale(berth_api::LocalePreference::En).await.unwrap();
    berth.close().await;

    let driver = Driver::start(data.path()).await;
    let c = driver.launch_app().await;
    wait_for_text(&c, "page-title", "Catalog").await;
    by_testid(&c, "catalog-search").await.send_keys("Filesystem").await.unwrap();
    wait_for_first_attr(&c, "[data-testid=catalog-detail]", "data-name", "filesystem").await;
    by_testid(&c, "catalog-add").await.click().await.unwrap();
    // The folder field has the system's folder picker beside it.
    let pick = by_testid(&c, "config-path-pick").await;
    assert_eq!(pick.text().await.unwrap(), "Choose…");
    by_testid(&c, "config-path").await.send_keys("docs").await.unwrap();
    by_testid(&c, "install-submit").await.click().await.unwrap();
    // Refused in the form, with the reason, before anything is stored.
    wait_for_text_containing(&c, "error-text", "must be an absolute path", Duration::from_secs(10)).await;
    screenshot(&c, "install-relative-path").await;
    let berth = crate::support::open_berth(data.path()).await;
    assert!(berth.server_show("filesystem").await.is_err(), "a relative folder was installed");
    berth.close().await;
    // Choose… opens the system's folder picker: a new window on the display, with its title.
    by_testid(&c, "config-path-pick").await.click().await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let tree = std::process::Command::new("xwininfo").args(["-root", "-tree"]).output().unwrap();
        if String::from_utf8_lossy(&tree.stdout).contains("Choose a folder to share") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no folder picker window appeared");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = c.close().await;
}
