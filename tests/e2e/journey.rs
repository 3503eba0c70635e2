//! The whole journey of a new user in the real window, against the real parts: the first-run
//! check; the catalog searched and a container server installed with a secret and started (its
//! image signed in the local registry and verified, as every image is by default); a remote server
//! registered by its URL and connected with OAuth through the `berth://` deep link; an MCP client
//! through the desktop gateway adding both and calling a tool of each; both calls on the Logs page;
//! signature verification turned off through its native dialog and on again; the language switched
//! to Japanese and an external gateway added and tested (接続成功); then everything stopped and
//! removed, after which no container, no keychain entry of what was removed and no temporary file
//! is left. A screenshot of every page in English and in Japanese is saved under the test's output
//! folder (`BERTH_E2E_SCREENSHOTS`, or `journey` in Cargo's temporary folder for tests), and the
//! Japanese pages carry no English word of the window's own and break no word across lines.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use rmcp::model::CallToolRequestParams;
use serde_json::json;

use crate::desktop::DESKTOP;
use crate::support::{Driver, by_testid, wait_for_css, wait_for_first_attr, wait_for_text, wait_gone};

/// The pages of the window, with their titles in English and in Japanese.
const PAGES: &[(&str, &str, &str)] = &[
    ("catalog", "Catalog", "カタログ"),
    ("servers", "Servers", "サーバー"),
    ("sessions", "Sessions", "セッション"),
    ("connections", "Connections", "接続"),
    ("gateways", "Gateways", "ゲートウェイ"),
    ("settings", "Settings", "設定"),
    ("logs", "Logs", "ログ"),
];

/// Where the journey's screenshots go.
fn output_folder() -> PathBuf {
    let dir = std::env::var_os("BERTH_E2E_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("journey"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Saves a screenshot of the window as `dir/name.png`, which must hold a picture.
async fn shot(c: &Client, dir: &Path, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    assert!(png.len() > 1000 && png.starts_with(b"\x89PNG"), "{name}: not a picture");
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

async fn open(c: &Client, page: &str, title: &str) {
    by_testid(c, &format!("nav-{page}")).await.click().await.unwrap();
    wait_for_text(c, "page-title", title).await;
}

/// Waits until `css` matches, and returns the first match.
async fn found(c: &Client, css: &str, what: &str) -> fantoccini::elements::Element {
    wait_for_css(c, css, what, Duration::from_secs(30)).await
}

/// Waits until nothing matches `css`.
async fn gone(c: &Client, css: &str, what: &str) {
    wait_gone(c, css, what, Duration::from_secs(30)).await
}

/// The card of installed server `name` on the Servers page, once it has `status`.
async fn server_card(c: &Client, name: &str, status: &str) -> fantoccini::elements::Element {
    found(c, &format!("[data-testid=server][data-name='{name}'][data-status={status}]"), name).await
}

async fn click_in(card: &fantoccini::elements::Element, testid: &str) {
    card.find(Locator::Css(&format!("[data-testid={testid}]"))).await.unwrap().click().await.unwrap();
}

/// Calls `tool` through the gateway; its text, which must not be an error.
async fn call(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    tool: &'static str,
    args: serde_json::Value,
) -> String {
    let params = CallToolRequestParams::new(tool).with_arguments(args.as_object().unwrap().clone());
    let reply = client.call_tool(params).await.unwrap_or_else(|e| panic!("{tool}: {e}"));
    let said: String = reply.content.iter().filter_map(|p| p.as_text().map(|t| t.text.clone())).collect();
    assert_ne!(reply.is_error, Some(true), "{tool}: {said}");
    said
}

/// Every page, photographed as `<lang>-<page>`, and for Japanese checked for English words and
/// words broken across lines.
async fn every_page(c: &Client, dir: &Path, lang: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (page, en, ja) in PAGES {
        open(c, page, if lang == "ja" { ja } else { en }).await;
        if *page == "catalog" {
            by_testid(c, "catalog-hit").await.click().await.unwrap();
        }
        // The pages poll; give the last poll time to land before the picture.
        tokio::time::sleep(Duration::from_millis(700)).await;
        shot(c, dir, &format!("{lang}-{page}")).await;
        if lang == "ja" {
            let english = crate::japanese::english_words(c).await;
            if !english.is_empty() {
                problems.push(format!("{page}: English words {english:?}"));
            }
            let broken = crate::japanese::broken_labels(c).await;
            if !broken.is_empty() {
                problems.push(format!("{page}: broken across lines {broken:?}"));
            }
        }
    }
    problems
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_journey_from_first_run_to_nothing_left() {
    if !crate::support::window_and_docker("the whole journey") {
        return;
    }
    let registry = berth_testkit::cosign::registry();
    if !berth_testkit::require(
        "the whole journey",
        registry.is_some(),
        "needs BERTH_TEST_REGISTRY (make test)",
    ) {
        return;
    }
    let registry = registry.unwrap();
    let oauth = berth_testkit::oauth_server(300);
    let why = oauth.as_ref().err().cloned().unwrap_or_default();
    if !berth_testkit::require("the whole journey", oauth.is_ok(), &why) {
        return;
    }
    let oauth = oauth.unwrap();
    let keys = tempfile::tempdir().unwrap();
    let ext_token = format!("journey-sandbox-{}", std::process::id());
    let ext = berth_testkit::external::ext_gateways(&ext_token, "https://sandbox.example.org/", keys.path());
    let why = ext.as_ref().err().cloned().unwrap_or_default();
    if !berth_testkit::require("the whole journey", ext.is_ok(), &why) {
        return;
    }
    let ext = ext.unwrap();
    let _one = DESKTOP.lock().await;
    let shots = output_folder();
    let pid = std::process::id();
    let (echo, remote, sandbox) =
        (format!("journey{pid}"), format!("journeyremote{pid}"), format!("journeysandbox{pid}"));

    // The publisher's side: the fixture server's image in the local registry, signed with a key
    // the user trusts for that repository. The user's catalog lists it.
    let image = format!("{registry}/journey{pid}/echo:1");
    let digest = berth_testkit::cosign::push(&berth_testkit::fixture_image(), &image);
    let key = berth_testkit::cosign::keygen(keys.path(), "publisher", "ecdsa");
    berth_testkit::cosign::sign(&registry, &format!("journey{pid}/echo"), &digest, &key, &[]);
    let data = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let berth = crate::support::open_berth(data.path()).await;
    let entry = format!(
        "  {echo}:\n    title: Journey Echo\n    description: Echoes, and says whether its token arrived.\n    image: '{image}'\n    disableNetwork: true\n    secrets: [{{name: {echo}.token, env: FIXTURE_TOKEN}}]\n"
    );
    crate::support::add_catalog(&berth, data.path(), &entry).await;
    let public = std::fs::read_to_string(key.join("key.pub")).unwrap();
    let rule = berth_api::TrustRuleRequest {
        pattern: format!("{registry}/journey{pid}/*"),
        keys: vec![public],
        ..Default::default()
    };
    berth.trust_add(rule).await.unwrap();
    // A free port, so the journey never meets a gateway already running on this machine.
    let port = berth_testkit::free_port();
    berth.set_gateway_port(port).await.unwrap();
    assert!(berth.verify_signatures().await.unwrap(), "verification is on, as a new user has it");
    berth.close().await;

    let browser = berth_testkit::workspace_root().join("tests/fixtures/browser.sh");
    let env: Vec<(&str, &OsStr)> = vec![
        ("BROWSER", browser.as_os_str()),
        ("BERTH_DESKTOP", OsStr::new(env!("CARGO_BIN_EXE_berth-desktop"))),
        // The app's temporary files go here, to be counted at the end.
        ("TMPDIR", tmp.path().as_os_str()),
    ];
    let driver = Driver::start_verifying(data.path(), &env).await;
    let c = driver.launch_app().await;

    // First run: every check passes here, and Done puts it away.
    wait_for_text(&c, "page-title", "Catalog").await;
    let first = by_testid(&c, "first-run").await;
    for check in ["docker", "keychain", "gateway", "deep_link"] {
        let line = format!("[data-testid=first-run-{check}][data-status=ok]");
        found(&c, &line, &format!("first-run check {check} ok")).await;
    }
    assert_eq!(first.attr("data-ok").await.unwrap().as_deref(), Some("yes"));
    shot(&c, &shots, "en-first-run").await;
    by_testid(&c, "first-run-done").await.click().await.unwrap();

    // Search the catalog, install the server with its secret, start it.
    by_testid(&c, "catalog-search").await.send_keys("Journey Echo").await.unwrap();
    wait_for_first_attr(&c, "[data-testid=catalog-hit]", "data-name", &echo).await;
    wait_for_first_attr(&c, "[data-testid=catalog-detail]", "data-name", &echo).await;
    by_testid(&c, "catalog-add").await.click().await.unwrap();
    let token = format!("journey-token-{pid}");
    by_testid(&c, "secret-FIXTURE_TOKEN").await.send_keys(&token).await.unwrap();
    by_testid(&c, "install-submit").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "Servers").await;
    click_in(&server_card(&c, &echo, "stopped").await, "server-start").await;
    server_card(&c, &echo, "running").await;
    let running = berth_testkit::containers(&format!("label=berth.server={echo}"));
    assert_eq!(running, 1, "the started server runs in one container");

    // Register the remote server by its URL, and connect it with OAuth through the deep link.
    by_testid(&c, "remote-open").await.click().await.unwrap();
    by_testid(&c, "remote-url").await.send_keys(&oauth.mcp).await.unwrap();
    by_testid(&c, "remote-name").await.send_keys(&remote).await.unwrap();
    by_testid(&c, "remote-submit").await.click().await.unwrap();
    found(&c, &format!("[data-testid=server][data-name='{remote}']"), "the remote server's card").await;
    open(&c, "connections", "Connections").await;
    crate::oauth::wait_for_state(&c, &remote, "not_connected").await;
    let card =
        found(&c, &format!("[data-testid=connection][data-server='{remote}']"), "its connection").await;
    click_in(&card, "connection-connect").await;
    crate::oauth::wait_for_state(&c, &remote, "connected").await;
    assert!(berth_testkit::in_keychain(&format!("oauth/{remote}")), "the tokens are in the keychain");

    // A client through the gateway adds both servers to its session and calls a tool of each.
    let client = crate::support::desktop_gateway_client(&c, "Settings").await;
    call(&client, "mcp-add", json!({"name": echo})).await;
    let said = call(&client, "env_present", json!({"name": "FIXTURE_TOKEN"})).await;
    assert_eq!(said, format!("set ({} chars)", token.len()), "the secret reached the container");
    call(&client, "mcp-add", json!({"name": remote})).await;
    let said = call(&client, "whoami", json!({})).await;
    assert!(said.starts_with("operator #"), "{said}");

    // Both calls are on the Logs page.
    open(&c, "logs", "Logs").await;
    for (server, tool) in [(&echo, "env_present"), (&remote, "whoami")] {
        let line = format!("[data-testid=activity-line][data-kind=call][data-server='{server}']");
        let text = found(&c, &line, &format!("the call of {tool}")).await.text().await.unwrap();
        assert!(text.contains(tool) && text.contains("exit 0"), "{text}");
    }

    // Every page in English, with all of this on it.
    let problems = every_page(&c, &shots, "en").await;
    assert!(problems.is_empty(), "{problems:#?}");

    // Signature verification off through its native dialog, and on again.
    const TOGGLE: &str = "[data-testid=verify-toggle]";
    open(&c, "settings", "Settings").await;
    wait_for_first_attr(&c, TOGGLE, "data-on", "true").await;
    by_testid(&c, "verify-toggle").await.click().await.unwrap();
    let window = crate::trust::dialog().await;
    crate::trust::photograph(&shots, "en-verify-off-dialog");
    crate::trust::answer(&window, &["Return"]);
    crate::trust::dialog_closed().await;
    wait_for_first_attr(&c, TOGGLE, "data-on", "false").await;
    by_testid(&c, "verify-off-warning").await;
    by_testid(&c, "verify-toggle").await.click().await.unwrap();
    wait_for_first_attr(&c, TOGGLE, "data-on", "true").await;
    let berth = crate::support::open_berth(data.path()).await;
    assert!(berth.verify_signatures().await.unwrap(), "verification is back on");
    berth.close().await;

    // In Japanese: allow this computer for external gateways, add one, and test it.
    by_testid(&c, "locale-ja").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "設定").await;
    by_testid(&c, "external-host-pattern").await.send_keys("127.0.0.1").await.unwrap();
    by_testid(&c, "external-host-add").await.click().await.unwrap();
    found(&c, "[data-testid=external-host][data-host='127.0.0.1']", "the allowed host").await;
    open(&c, "gateways", "ゲートウェイ").await;
    crate::external::add(&c, &sandbox, &format!("{}/mcp", ext.gateway), &ext_token).await;
    crate::external::test(&c, &sandbox).await;
    let text = crate::external::result(&c, &sandbox, "yes", "接続成功").await;
    assert!(text.contains("HTTP 200"), "{text}");

    let problems = every_page(&c, &shots, "ja").await;
    assert!(problems.is_empty(), "{problems:#?}");

    // Stop and remove everything: the session, the servers, the external gateway, the gateway.
    let _ = client.cancel().await;
    open(&c, "servers", "サーバー").await;
    click_in(&server_card(&c, &echo, "running").await, "server-stop").await;
    click_in(&server_card(&c, &echo, "stopped").await, "server-remove").await;
    // The next card moves up when this one goes: a click while it moves lands beside it.
    gone(&c, &format!("[data-testid=server][data-name='{echo}']"), &echo).await;
    click_in(
        &found(&c, &format!("[data-testid=server][data-name='{remote}']"), &remote).await,
        "server-remove",
    )
    .await;
    found(&c, "[data-testid=servers-empty]", "the empty Servers page").await;
    open(&c, "gateways", "ゲートウェイ").await;
    click_in(&crate::external::card(&c, &sandbox).await, "external-remove").await;
    gone(&c, "[data-testid=external-gateway]", "the external gateway").await;
    open(&c, "settings", "設定").await;
    by_testid(&c, "gateway-toggle").await.click().await.unwrap();
    let health = format!("http://127.0.0.1:{port}/health");
    let deadline = Instant::now() + Duration::from_secs(10);
    while reqwest::get(&health).await.is_ok() {
        assert!(Instant::now() < deadline, "the gateway still answers after being turned off");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.close().await.unwrap();
    drop(driver);

    // Nothing left: no container, no keychain entry of what was removed, no temporary file.
    let left = berth_testkit::containers(&format!("label=berth.server={echo}"));
    assert_eq!(left, 0, "containers of {echo} are left");
    for account in [format!("server/{echo}/"), format!("server/{remote}/"), format!("oauth/{remote}")] {
        assert!(!berth_testkit::in_keychain(&account), "the keychain still holds {account}");
    }
    assert!(!berth_testkit::in_keychain(&format!("gateway-ext/{sandbox}")), "the external gateway's token");
    let berth = crate::support::open_berth(data.path()).await;
    let secrets: Vec<String> = berth.list_secrets().await.unwrap().into_iter().map(|s| s.key).collect();
    assert!(
        !secrets.iter().any(|k| k.contains(&echo) || k.contains(&remote) || k.contains(&sandbox)),
        "{secrets:?}"
    );
    assert!(berth.server_list().await.unwrap().is_empty());
    berth.close().await;
    let temporary: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().map(|e| e.path()).collect();
    assert!(temporary.is_empty(), "temporary files left: {temporary:?}");
    let secrets_in_files = berth_testkit::files_containing(data.path(), &[&token, &ext_token]);
    assert!(secrets_in_files.is_empty(), "a secret in the data folder: {secrets_in_files:?}");
    eprintln!("journey screenshots: {}", shots.display());
}
