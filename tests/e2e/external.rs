//! External gateways in the real window, in Japanese: a gateway served here as an E2B sandbox
//! serves one (`tests/peers/ext-gateway.mjs`) is saved on the Gateways page, tested (接続成功,
//! external mode on), and its tool called through the gateway the desktop app hosts, where it is
//! a source on the Sessions page; one that answers 500 shows its reason and stays off; and when
//! the working one goes away, its next test turns external mode off and says so.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::desktop::{DESKTOP, NEEDS};
use crate::support::{Driver, by_testid, require_env, screenshot, wait_for_css, wait_for_text};

/// The card of gateway `name`, once it is listed.
pub(crate) async fn card(c: &Client, name: &str) -> fantoccini::elements::Element {
    let css = format!("[data-testid=external-gateway][data-name='{name}']");
    wait_for_css(c, &css, &format!("{name}'s card"), Duration::from_secs(20)).await
}

/// Waits until `name`'s card has a result whose `data-ok` is `ok` and returns the card's text.
pub(crate) async fn result(c: &Client, name: &str, ok: &str, then: &str) -> String {
    let css = format!(
        "[data-testid=external-gateway][data-name='{name}'] [data-testid=external-result][data-ok={ok}]"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(found) = c.find(Locator::Css(&css)).await {
            let text = found.text().await.unwrap();
            if text.contains(then) {
                return text;
            }
        }
        assert!(std::time::Instant::now() < deadline, "{name} never showed {then:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub(crate) async fn add(c: &Client, name: &str, url: &str, token: &str) {
    by_testid(c, "external-name").await.send_keys(name).await.unwrap();
    by_testid(c, "external-url").await.send_keys(url).await.unwrap();
    by_testid(c, "external-token").await.send_keys(token).await.unwrap();
    by_testid(c, "external-save").await.click().await.unwrap();
    card(c, name).await;
}

pub(crate) async fn test(c: &Client, name: &str) {
    let button = card(c, name).await.find(Locator::Css("[data-testid=external-test]")).await.unwrap();
    button.click().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_external_gateway_is_saved_tested_and_its_tools_reach_the_desktop_gateway() {
    let Some(()) = require_env("external gateways in the window", NEEDS) else { return };
    let dir = tempfile::tempdir().unwrap();
    let token = format!("sandbox-token-{}", std::process::id());
    let started = berth_testkit::external::ext_gateways(&token, "https://sandbox.example.org/", dir.path());
    let why = started.as_ref().err().cloned().unwrap_or_default();
    if !berth_testkit::require("external gateways in the window", started.is_ok(), &why) {
        return;
    }
    let mut fixture = started.unwrap();
    let _one = DESKTOP.lock().await;
    let data = tempfile::tempdir().unwrap();
    let berth = crate::support::open_berth(data.path()).await;
    berth.set_locale(berth_api::LocalePreference::Ja).await.unwrap();
    berth.set_gateway_port(berth_testkit::free_port()).await.unwrap();
    // The fixture is on this computer, which only the literal 127.0.0.1 names.
    berth.external_allow_add("127.0.0.1").await.unwrap();
    berth.close().await;

    let driver = Driver::start(data.path()).await;
    let c = driver.launch_app().await;
    by_testid(&c, "nav-gateways").await.click().await.unwrap();
    wait_for_text(&c, "page-title", "ゲートウェイ").await;
    let name = format!("sandbox{}", std::process::id());
    // The address as a sandbox gives it, ending in /mcp.
    add(&c, &name, &format!("{}/mcp", fixture.gateway), &token).await;
    let mode = card(&c, &name).await.attr("data-mode").await.unwrap();
    assert_eq!(mode.as_deref(), Some("off"), "a gateway is untested, and off, until it passes");
    test(&c, &name).await;
    let text = result(&c, &name, "yes", "接続成功").await;
    assert!(text.contains("HTTP 200"), "{text}");
    assert_eq!(card(&c, &name).await.attr("data-mode").await.unwrap().as_deref(), Some("on"));
    let mode = card(&c, &name).await.find(Locator::Css("[data-testid=external-mode]")).await.unwrap();
    assert_eq!(mode.text().await.unwrap(), "外部モード オン");

    // One that fails shows why, and stays off.
    let broken = format!("broken{}", std::process::id());
    add(&c, &broken, &fixture.failing, &token).await;
    test(&c, &broken).await;
    let text = result(&c, &broken, "no", "HTTP 500").await;
    assert!(text.contains("ゲートウェイのエラー (5xx)"), "{text}");
    assert_eq!(card(&c, &broken).await.attr("data-mode").await.unwrap().as_deref(), Some("off"));
    screenshot(&c, "external-gateways").await;

    // The token went to the keychain, not the database.
    let db = std::fs::read(data.path().join("berth.db")).unwrap();
    let wal = std::fs::read(data.path().join("berth.db-wal")).unwrap_or_default();
    assert!(
        !String::from_utf8_lossy(&db).contains(&token) && !String::from_utf8_lossy(&wal).contains(&token)
    );

    // Through the desktop gateway: the external gateway's tool is there and answers.
    let client = crate::support::desktop_gateway_client(&c, "設定").await;
    let args = serde_json::json!({"text": "from the window"}).as_object().unwrap().clone();
    let reply = client
        .call_tool(rmcp::model::CallToolRequestParams::new("sandbox_echo").with_arguments(args))
        .await
        .unwrap();
    let said: String = reply.content.iter().filter_map(|p| p.as_text().map(|t| t.text.clone())).collect();
    assert_eq!(said, "sandbox: from the window");

    // The Sessions page names it as a source of the session.
    by_testid(&c, "nav-sessions").await.click().await.unwrap();
    let source = format!(
        "[data-testid=session-entry][data-server='ext:{name}'] [data-testid=session-source-external]"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while c.find(Locator::Css(&source)).await.is_err() {
        assert!(std::time::Instant::now() < deadline, "the Sessions page does not show the external gateway");
        tokio::time::sleep(Duration::from_millis(300)).await;
        by_testid(&c, "nav-gateways").await.click().await.unwrap();
        by_testid(&c, "nav-sessions").await.click().await.unwrap();
    }
    let badge = c.find(Locator::Css(&source)).await.unwrap().text().await.unwrap();
    assert_eq!(badge, "外部ゲートウェイ");
    screenshot(&c, "external-session-source").await;
    let _ = client.cancel().await;

    // The gateway goes away: its next test turns external mode off, and the window says so.
    fixture.process.terminate(Duration::from_secs(5));
    by_testid(&c, "nav-gateways").await.click().await.unwrap();
    test(&c, &name).await;
    let text = result(&c, &name, "no", "外部モードをオフにしました").await;
    assert!(text.contains("接続できません"), "{text}");
    assert_eq!(card(&c, &name).await.attr("data-mode").await.unwrap().as_deref(), Some("off"));
    for n in [&name, &broken] {
        card(&c, n)
            .await
            .find(Locator::Css("[data-testid=external-remove]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    c.close().await.unwrap();
}
