//! Every page in Japanese, in the real window, with content on it (an installed server, a
//! session, a catalog source, the system check, events): the window's own words (headings,
//! buttons, labels, table heads, notes) carry no English word beyond product and protocol names,
//! and none of its buttons or headings breaks a word across lines. Screenshots of each page are
//! saved when `BERTH_E2E_SCREENSHOTS` names a folder, for a person to look at.

use fantoccini::Client;

use crate::desktop::DESKTOP;
use crate::support::{Driver, by_testid, screenshot, wait_for_text};

/// Words that stay as they are in Japanese: names of products, protocols and units.
#[rustfmt::skip]
const NAMES: &[&str] = &[
    "Berth", "Docker", "MCP", "URL", "CPU", "MiB", "MB", "stdio", "HTTP", "https", "JSON", "Claude",
    "Desktop", "Code", "Cursor", "VS", "OAuth", "API", "ID", "OS", "Linux", "GitHub", "YAML", "pid", "ok",
    // A language named in itself, and the MCP transport's name.
    "English", "streamable", "Streamable",
];

/// The English words in the window's own text: what is not a name, a path, a command or a value.
pub(crate) async fn english_words(c: &Client) -> Vec<String> {
    let script = r#"
        const own = 'h1, h2, h3, h4, button, label, th, dt, .hint, .muted, small, [data-testid$="-empty"] p, nav';
        const out = [];
        for (const el of document.querySelectorAll(own)) {
            // Values shown as code (names, paths, commands) and text from catalogs are not the window's.
            if (el.closest('code, pre, [data-catalog], [data-testid="catalog-hit"], [data-testid="catalog-detail"] p, [data-testid="catalog-detail"] dd, [data-testid="catalog-detail"] li, [data-testid="server-tools"], [data-testid="activity"] td, [data-testid="server"] .muted, [data-testid="session"]')) continue;
            const clone = el.cloneNode(true);
            for (const c of clone.querySelectorAll('code, pre, select, option')) c.remove();
            out.push(clone.innerText);
        }
        return out.join('\n');
    "#;
    let text = c.execute(script, vec![]).await.unwrap();
    let text = text.as_str().unwrap_or_default().to_owned();
    // A command in backticks, and a token with a path's or a file's marks, are values.
    let plain: String = text.split('`').step_by(2).collect::<Vec<_>>().join(" ");
    plain
        .split_whitespace()
        .filter(|token| !token.chars().any(|ch| "/.:_-@=".contains(ch) || ch.is_ascii_digit()))
        .flat_map(|token| token.split(|ch: char| !ch.is_ascii_alphabetic()))
        .filter(|w| w.len() >= 3 && !NAMES.contains(w))
        .map(str::to_owned)
        .collect()
}

/// Buttons and headings whose text runs over more lines than it has words (a word broken apart).
pub(crate) async fn broken_labels(c: &Client) -> Vec<String> {
    let script = r#"
        const out = [];
        for (const el of document.querySelectorAll('button, h1, h2, h3, th')) {
            if (!el.offsetParent || !el.innerText.trim()) continue;
            const lines = Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight || '16'));
            const range = document.createRange();
            range.selectNodeContents(el);
            const rects = [...range.getClientRects()].filter(r => r.width > 0);
            const rows = new Set(rects.map(r => Math.round(r.top))).size;
            const words = el.innerText.trim().split(/\s+/).length;
            if (rows > Math.max(1, words)) out.push(el.innerText.trim() + ' (' + rows + ' lines)');
        }
        return out;
    "#;
    let found = c.execute(script, vec![]).await.unwrap();
    found
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_in_japanese_speaks_japanese_and_breaks_no_word() {
    if !crate::support::window_and_docker("every page in Japanese") {
        return;
    }
    let _one = DESKTOP.lock().await;
    let data = tempfile::tempdir().unwrap();
    let image = berth_testkit::fixture_image();
    let name = format!("jaecho{}", std::process::id());
    let berth = crate::support::open_berth(data.path()).await;
    crate::support::add_catalog(&berth, data.path(), &berth_testkit::catalog_entry(&name, "JA Echo", &image))
        .await;
    berth
        .server_install(berth_api::InstallRequest { catalog_name: name.clone(), ..Default::default() })
        .await
        .unwrap();
    berth.set_locale(berth_api::LocalePreference::Ja).await.unwrap();
    berth.close().await;

    let driver = Driver::start(data.path()).await;
    let c = driver.launch_app().await;
    wait_for_text(&c, "page-title", "カタログ").await;
    by_testid(&c, "catalog-hit").await.click().await.unwrap();
    let mut problems = Vec::new();
    for (page, title) in [
        ("catalog", "カタログ"),
        ("servers", "サーバー"),
        ("sessions", "セッション"),
        ("connections", "接続"),
        ("gateways", "ゲートウェイ"),
        ("settings", "設定"),
        ("logs", "ログ"),
    ] {
        by_testid(&c, &format!("nav-{page}")).await.click().await.unwrap();
        wait_for_text(&c, "page-title", title).await;
        if page == "servers" {
            by_testid(&c, "server-start").await.click().await.unwrap();
            crate::support::wait_for_first_attr(&c, "[data-testid=server]", "data-status", "running").await;
            by_testid(&c, "server").await.click().await.unwrap();
        }
        if page == "settings" {
            by_testid(&c, "doctor-run").await.click().await.unwrap();
            by_testid(&c, "doctor-summary").await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        screenshot(&c, &format!("page-{page}-ja")).await;
        let english = english_words(&c).await;
        if !english.is_empty() {
            problems.push(format!("{page}: English words {english:?}"));
        }
        let broken = broken_labels(&c).await;
        if !broken.is_empty() {
            problems.push(format!("{page}: broken across lines {broken:?}"));
        }
    }
    by_testid(&c, "nav-servers").await.click().await.unwrap();
    by_testid(&c, "server-stop").await.click().await.unwrap();
    crate::support::wait_for_first_attr(&c, "[data-testid=server]", "data-status", "stopped").await;
    assert!(problems.is_empty(), "{problems:#?}");
    let _ = c.close().await;
}
