//! A sign-in started from the window and finished by the `berth://oauth/callback` deep link,
//! against a real authorization server (oidc-provider, `tests/peers/oauth-mcp.mjs`): Berth is
//! closed and opened again between the authorization URL and the callback (the pending sign-in
//! is in the database, not in memory), the callback completes it, and the same callback again, or
//! one with a `state` Berth never issued, is refused as `state_mismatch` with status 401. An
//! authorization server that will not register the deep link gets the loopback redirect instead,
//! where a forged redirect gets HTTP 401 and the real one still completes the sign-in; so does a
//! server the user set to the loopback redirect. The client Berth registers for the deep link is
//! reused by later sign-ins at the same authorization server until one with it never comes back;
//! and a server on the older HTTP+SSE transport gets the token too, renewed after a 401.

use std::process::Command;
use std::sync::{Arc, Mutex};

use berth_api::{
    Berth, BerthOptions, ErrorCode, Redactor, RedirectKind, RemoteRequest, RemoteState, SignInState,
    TestTarget,
};
use berth_secrets::{MemoryStore, SecretStore};

async fn open(dir: &std::path::Path, secrets: &Arc<MemoryStore>) -> Berth {
    Berth::open(BerthOptions {
        data_dir: dir.to_owned(),
        redactor: Redactor::new(),
        system_locale: None,
        secrets: Some(secrets.clone() as Arc<dyn SecretStore>),
        runtime: None,
        clock: None,
    })
    .await
    .unwrap()
}

/// Follows the authorization server's redirects as a browser would (cookies kept) and returns
/// the first one that leaves it: the deep link or the loopback address.
fn follow(url: &str) -> String {
    let jar = tempfile::NamedTempFile::new().unwrap();
    let mut url = url.to_owned();
    for _ in 0..8 {
        let out = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{redirect_url}", "-b"])
            .arg(jar.path())
            .arg("-c")
            .arg(jar.path())
            .arg(&url)
            .output()
            .unwrap();
        let next = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(!next.is_empty(), "the authorization server stopped redirecting at {url}");
        if next.starts_with("berth://") || next.starts_with("http://127.0.0.1:") {
            return next;
        }
        url = next;
    }
    panic!("too many redirects");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deep_link_completes_a_sign_in_across_a_restart_once_and_only_for_its_own_state() {
    let peers = berth_testkit::node_peers();
    let why = peers.as_ref().err().cloned().unwrap_or_default();
    if !berth_testkit::require("OAuth with a real authorization server", peers.is_ok(), &why) {
        return;
    }
    let server = berth_testkit::oauth_server(300).expect("the OAuth fixture starts");
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let b = open(dir.path(), &secrets).await;
    let req = RemoteRequest { url: server.mcp.clone(), name: Some("secure".into()), ..Default::default() };
    b.server_add_url(req).await.unwrap();
    let report = b.server_test(TestTarget::Server("secure".into())).await.unwrap();
    assert!(matches!(report.state, RemoteState::NeedsAuth), "{report:?}");

    let opened = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = opened.clone();
    let started = b
        .oauth_connect_with("secure", Arc::new(move |url: &str| seen.lock().unwrap().push(url.to_owned())))
        .await
        .unwrap();
    assert_eq!(started.redirect, RedirectKind::DeepLink);
    assert_eq!(*opened.lock().unwrap(), vec![started.url.clone()], "the browser got the authorization URL");
    let callback = follow(&started.url);
    assert!(callback.starts_with("berth://oauth/callback?"), "{callback}");

    // A callback with a state Berth never issued changes nothing.
    let forged = b.handle_deep_link("berth://oauth/callback?code=x&state=forged-state").await.unwrap_err();
    assert_eq!((forged.code, forged.code.http_status()), (ErrorCode::StateMismatch, 401));

    // The app ends before the browser comes back; the next one finishes the sign-in.
    b.close().await;
    let b = open(dir.path(), &secrets).await;
    let outcome = b.handle_deep_link(&callback).await.unwrap();
    assert_eq!(serde_json::to_value(&outcome).unwrap()["server"], "secure");
    assert_eq!(b.oauth_status("secure").await.unwrap().state, SignInState::Connected);
    let report = b.server_test(TestTarget::Server("secure".into())).await.unwrap();
    assert!(matches!(report.state, RemoteState::Connected), "{report:?}");

    // The same callback again is a replay.
    let replayed = b.handle_deep_link(&callback).await.unwrap_err();
    assert_eq!((replayed.code, replayed.code.http_status()), (ErrorCode::StateMismatch, 401));
    let events = b.events(Default::default()).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.kind == "signed_in").count(), 1);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_authorization_server_that_refuses_the_deep_link_gets_the_loopback_redirect() {
    let peers = berth_testkit::node_peers();
    let why = peers.as_ref().err().cloned().unwrap_or_default();
    if !berth_testkit::require("OAuth with a real authorization server", peers.is_ok(), &why) {
        return;
    }
    let server =
        berth_testkit::oauth_server_with(300, &["--refuse-custom-scheme"]).expect("the OAuth fixture");
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let b = open(dir.path(), &secrets).await;
    let req = RemoteRequest { url: server.mcp.clone(), name: Some("strict".into()), ..Default::default() };
    b.server_add_url(req).await.unwrap();
    // The browser is this test: it follows the redirects to the loopback address and opens it.
    let browser = Arc::new(|url: &str| {
        let url = url.to_owned();
        std::thread::spawn(move || {
            // A forged redirect to the loopback address is refused with 401, and the wait goes on.
            let redirect = url::Url::parse(&url).unwrap();
            let redirect = redirect.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned();
            let forged = Command::new("curl")
                .args([
                    "-s",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                    &format!("{redirect}?code=x&state=forged"),
                ])
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&forged.stdout), "401");
            let back = follow(&url);
            assert!(back.starts_with("http://127.0.0.1:"), "{back}");
            Command::new("curl").args(["-s", "-o", "/dev/null", &back]).status().unwrap();
        });
    });
    let started = b.oauth_connect_with("strict", browser).await.unwrap();
    assert_eq!(started.redirect, RedirectKind::Loopback);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while b.oauth_status("strict").await.unwrap().state != SignInState::Connected {
        assert!(std::time::Instant::now() < deadline, "the loopback sign-in did not complete");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let report = b.server_test(TestTarget::Server("strict".into())).await.unwrap();
    assert!(matches!(report.state, RemoteState::Connected), "{report:?}");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_set_to_the_loopback_redirect_signs_in_there_though_the_deep_link_would_do() {
    let peers = berth_testkit::node_peers();
    let why = peers.as_ref().err().cloned().unwrap_or_default();
    if !berth_testkit::require("OAuth with a real authorization server", peers.is_ok(), &why) {
        return;
    }
    let server = berth_testkit::oauth_server(300).expect("the OAuth fixture starts");
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let b = open(dir.path(), &secrets).await;
    let req = RemoteRequest { url: server.mcp.clone(), name: Some("chosen".into()), ..Default::default() };
    let view = b.server_add_url(req).await.unwrap();
    let settings = berth_api::ServerSettings { oauth_loopback: true, ..view.settings };
    let configure = berth_api::ConfigureRequest { settings: Some(settings), ..Default::default() };
    b.server_configure("chosen", configure).await.unwrap();
    let browser = Arc::new(|url: &str| {
        let url = url.to_owned();
        std::thread::spawn(move || {
            let back = follow(&url);
            assert!(back.starts_with("http://127.0.0.1:"), "{back}");
            Command::new("curl").args(["-s", "-o", "/dev/null", &back]).status().unwrap();
        });
    });
    let started = b.oauth_connect_with("chosen", browser).await.unwrap();
    assert_eq!(started.redirect, RedirectKind::Loopback);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while b.oauth_status("chosen").await.unwrap().state != SignInState::Connected {
        assert!(std::time::Instant::now() < deadline, "the loopback sign-in did not complete");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    b.close().await;
}

/// The `client_id` an authorization URL signs in as.
fn client_of(url: &str) -> String {
    let url = url::Url::parse(url).unwrap();
    url.query_pairs().find(|(k, _)| k == "client_id").unwrap().1.into_owned()
}

/// Starts a deep-link sign-in to `server`; with `finish`, the browser comes back and completes it.
async fn deep_link_sign_in(b: &Berth, server: &str, finish: bool) -> String {
    let started = b.oauth_connect_with(server, Arc::new(|_: &str| {})).await.unwrap();
    assert_eq!(started.redirect, RedirectKind::DeepLink);
    if finish {
        b.handle_deep_link(&follow(&started.url)).await.unwrap();
        assert_eq!(b.oauth_status(server).await.unwrap().state, SignInState::Connected);
    }
    client_of(&started.url)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_registration_is_reused_until_a_sign_in_with_it_never_comes_back() {
    let peers = berth_testkit::node_peers();
    let why = peers.as_ref().err().cloned().unwrap_or_default();
    if !berth_testkit::require("OAuth with a real authorization server", peers.is_ok(), &why) {
        return;
    }
    let server = berth_testkit::oauth_server(300).expect("the OAuth fixture starts");
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let b = open(dir.path(), &secrets).await;
    for name in ["one", "two"] {
        let req = RemoteRequest { url: server.mcp.clone(), name: Some(name.into()), ..Default::default() };
        b.server_add_url(req).await.unwrap();
    }
    let first = deep_link_sign_in(&b, "one", true).await;
    assert_eq!(server.registrations(), 1);
    // Re-authorizing, and signing in to another server of the same authorization server (after
    // a restart), present the same client without registering again.
    assert_eq!(deep_link_sign_in(&b, "one", true).await, first);
    b.close().await;
    let b = open(dir.path(), &secrets).await;
    assert_eq!(deep_link_sign_in(&b, "two", true).await, first);
    assert_eq!(server.registrations(), 1, "the registration was remembered");

    // A sign-in with the remembered client that never comes back (the browser was closed, or
    // the authorization server forgot the client) means the next one registers anew.
    assert_eq!(deep_link_sign_in(&b, "one", false).await, first);
    let second = deep_link_sign_in(&b, "one", true).await;
    assert_ne!(second, first);
    assert_eq!(server.registrations(), 2);
    assert_eq!(deep_link_sign_in(&b, "two", true).await, second);
    assert_eq!(server.registrations(), 2);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_on_the_http_sse_transport_gets_the_token_and_a_renewed_one_after_a_401() {
    let peers = berth_testkit::node_peers();
    let why = peers.as_ref().err().cloned().unwrap_or_default();
    if !berth_testkit::require("OAuth with a real authorization server", peers.is_ok(), &why) {
        return;
    }
    let server = berth_testkit::oauth_server(300).expect("the OAuth fixture starts");
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let b = open(dir.path(), &secrets).await;
    let url = server.mcp.replace("/mcp", "/sse");
    let req = RemoteRequest {
        url,
        name: Some("old".into()),
        transport: Some(berth_api::RemoteTransport::Sse),
        ..Default::default()
    };
    b.server_add_url(req).await.unwrap();
    let report = b.server_test(TestTarget::Server("old".into())).await.unwrap();
    assert!(matches!(report.state, RemoteState::NeedsAuth), "{report:?}");
    deep_link_sign_in(&b, "old", true).await;
    let whoami = || Some(("whoami".to_owned(), serde_json::Map::new()));
    let report = b.server_test_calling(TestTarget::Server("old".into()), whoami()).await.unwrap();
    assert!(matches!(report.state, RemoteState::Connected), "{report:?}");
    assert_eq!(report.transport, Some(berth_api::RemoteTransport::Sse));
    assert!(report.call.unwrap().text.starts_with("operator #"));

    // An access token the server no longer takes (401) is renewed once, and the call goes on.
    let key = berth_secrets::SecretKey::new("oauth", "old").unwrap();
    let kept = secrets.get(&key).unwrap().unwrap();
    let access = server.tokens().0.into_iter().find(|t| kept.expose().contains(t.as_str()));
    let access = access.expect("the keychain holds an access token the server issued");
    let stale = kept.expose().replace(&access, "not-a-token-the-server-issued");
    secrets.set(&key, &berth_secrets::SecretValue::new(stale)).unwrap();
    let refreshes = || server.grants("refresh_token");
    let before = refreshes();
    let report = b.server_test_calling(TestTarget::Server("old".into()), whoami()).await.unwrap();
    assert!(matches!(report.state, RemoteState::Connected), "{report:?}");
    assert!(report.call.unwrap().text.starts_with("operator #"));
    assert_eq!(refreshes(), before + 1, "one refresh after the 401");
    b.close().await;
}
