//! The image signature toggle in Settings: switching it off opens a native warning dialog (GTK,
//! outside the web view, so WebDriver cannot see it: the test finds it on the X display with
//! xdotool, answers it with the keyboard and photographs the screen). Cancel keeps verification
//! on; confirming turns it off, and that lasts across a restart.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::desktop::{DESKTOP, NEEDS};
use crate::support::{Driver, by_testid, require_env, screenshot, wait_for_first_attr, wait_for_text};

pub(crate) const TITLE: &str = "Turn off image signature verification?";
const TOGGLE: &str = "[data-testid=verify-toggle]";

fn xdotool(args: &[&str]) -> String {
    let out =
        Command::new("xdotool").args(args).output().expect("xdotool runs (scripts/setup.sh installs it)");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The X window of the warning dialog, once it is on screen.
pub(crate) async fn dialog() -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = xdotool(&["search", "--onlyvisible", "--name", TITLE]);
        if let Some(id) = found.lines().next() {
            return id.to_owned();
        }
        assert!(Instant::now() < deadline, "no native dialog titled {TITLE:?} appeared");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until the dialog is gone.
pub(crate) async fn dialog_closed() {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !xdotool(&["search", "--onlyvisible", "--name", TITLE]).is_empty() {
        assert!(Instant::now() < deadline, "the dialog stayed open");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A picture of the whole display, the native dialog included, in `dir`.
pub(crate) fn photograph(dir: &Path, name: &str) -> PathBuf {
    let file = dir.join(format!("{name}.png"));
    let grab = "import os, sys\nfrom PIL import ImageGrab\nImageGrab.grab(xdisplay=os.environ['DISPLAY']).save(sys.argv[1])";
    let python = if Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" };
    let out = Command::new(python).args(["-c", grab]).arg(&file).output().unwrap();
    assert!(out.status.success(), "screenshot: {}", String::from_utf8_lossy(&out.stderr));
    file
}

/// Answers the dialog `window` with `key` (Escape cancels, Return takes the default button).
pub(crate) fn answer(window: &str, keys: &[&str]) {
    xdotool(&["windowfocus", "--sync", window]);
    for key in keys {
        xdotool(&["key", "--clearmodifiers", key]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn turning_verification_off_asks_in_a_native_dialog_cancel_keeps_it_and_yes_lasts() {
    let Some(()) = require_env("signature verification toggle", NEEDS) else { return };
    let _one = DESKTOP.lock().await;
    let data = tempfile::tempdir().unwrap();
    let shots =
        std::env::var_os("BERTH_E2E_SCREENSHOTS").map(PathBuf::from).unwrap_or_else(|| data.path().into());
    std::fs::create_dir_all(&shots).unwrap();
    let driver = Driver::start_verifying(data.path(), &[]).await;
    let c = driver.launch_app().await;
    by_testid(&c, "nav-settings").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "Settings").await;
    wait_for_first_attr(&c, TOGGLE, "data-on", "true").await;
    let rules = c.find_all(fantoccini::Locator::Css("[data-testid=trust-rule]")).await.unwrap();
    assert_eq!(rules.len(), 1, "Docker's rule ships");

    // Off, then Cancel: nothing is saved.
    by_testid(&c, "verify-toggle").await.click().await.unwrap();
    let window = dialog().await;
    let picture = photograph(&shots, "verify-off-dialog");
    assert!(std::fs::metadata(&picture).unwrap().len() > 1000, "an empty screenshot");
    answer(&window, &["Escape"]);
    dialog_closed().await;
    wait_for_first_attr(&c, TOGGLE, "data-on", "true").await;
    assert!(by_testid(&c, "verify-toggle").await.prop("checked").await.unwrap().as_deref() == Some("true"));
    let berth = crate::support::open_berth(data.path()).await;
    assert!(berth.verify_signatures().await.unwrap(), "Cancel kept verification on");
    berth.close().await;

    // Off, then yes.
    by_testid(&c, "verify-toggle").await.click().await.unwrap();
    let window = dialog().await;
    answer(&window, &["Return"]);
    dialog_closed().await;
    wait_for_first_attr(&c, TOGGLE, "data-on", "false").await;
    by_testid(&c, "verify-off-warning").await;
    let scroll = "document.querySelector('[data-testid=verify-off-warning]').scrollIntoView()";
    c.execute(scroll, vec![]).await.unwrap();
    screenshot(&c, "settings-verify-off").await;
    c.close().await.unwrap();
    drop(driver);

    // It stays off when the app starts again.
    let driver = Driver::start_verifying(data.path(), &[]).await;
    let c = driver.launch_app().await;
    by_testid(&c, "nav-settings").await.click().await.unwrap();
    wait_for_first_attr(&c, TOGGLE, "data-on", "false").await;
    c.close().await.unwrap();
    drop(driver);
    let berth = crate::support::open_berth(data.path()).await;
    assert!(!berth.verify_signatures().await.unwrap());
    berth.close().await;
}
