//! Remote servers against the reference server `server-everything`, started here over streamable
//! HTTP and over the legacy HTTP+SSE transport: registered by URL (header values only in the
//! keychain), tested at the MCP level, started, listed with their kind, and their tools called.
//! No Docker engine is involved: the Berth here has none it could reach.

use std::sync::Arc;

use berth_api::{
    Berth, BerthOptions, ErrorCode, ItemKind, Redactor, RemoteRequest, RemoteState, RemoteTransport,
    ServerStatus, TestTarget,
};
use berth_secrets::{MemoryStore, SecretStore};

async fn open(dir: &std::path::Path, secrets: Arc<MemoryStore>) -> Berth {
    Berth::open(BerthOptions {
        data_dir: dir.to_owned(),
        redactor: Redactor::new(),
        system_locale: None,
        secrets: Some(secrets as Arc<dyn SecretStore>),
        runtime: None,
        clock: None,
    })
    .await
    .unwrap()
}

async fn register_test_and_call(mode: &str, expected: RemoteTransport) {
    let started = berth_testkit::everything_http(mode);
    let why = started.as_ref().err().cloned().unwrap_or_default();
    if !berth_testkit::require("remote servers", started.is_ok(), &why) {
        return;
    }
    let (_server, url) = started.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let b = open(dir.path(), secrets.clone()).await;
    let name = format!("everything-{}", mode.to_lowercase());
    let mut headers = std::collections::BTreeMap::new();
    headers.insert("X-Api-Key".to_owned(), "key-only-in-the-keychain".to_owned());
    let view = b
        .server_add_url(RemoteRequest {
            url: url.clone(),
            name: Some(name.clone()),
            headers,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(view.kind, ItemKind::Remote);
    assert_eq!(view.endpoint.as_deref(), Some(url.as_str()));
    // The header's value is in the keychain, and nowhere in the database.
    let key = format!("berth/server/{name}/header.x-api-key");
    let stored = secrets.get(&berth_secrets::SecretKey::parse(&key).unwrap()).unwrap().unwrap();
    assert_eq!(stored.expose(), "key-only-in-the-keychain");
    let db = std::fs::read(dir.path().join("berth.db")).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains("key-only-in-the-keychain"));

    // The test is MCP-level: a handshake, a ping, the tools; detection picks the transport.
    let report = b.server_test(TestTarget::Server(name.clone())).await.unwrap();
    assert!(matches!(report.state, RemoteState::Connected), "{report:?}");
    assert_eq!(report.transport, Some(expected));
    assert!(report.protocol_version.as_deref().is_some_and(|v| v.starts_with("20")), "{report:?}");
    assert!(report.latency_ms.is_some() && report.tools.unwrap_or(0) > 0, "{report:?}");
    // A URL can be tested without registering it.
    let direct = b.server_test(TestTarget::Url(url.clone())).await.unwrap();
    assert!(matches!(direct.state, RemoteState::Connected), "{direct:?}");

    // Started, it is connected and listed with container servers; its tools answer.
    b.server_start(&name, Arc::new(|_| {})).await.unwrap();
    let listed = b.server_list().await.unwrap();
    let row = listed.iter().find(|s| s.name == name).unwrap();
    assert_eq!((row.status, row.kind), (ServerStatus::Running, ItemKind::Remote));
    let tools = b.server_tools(&name).await.unwrap();
    assert!(tools.iter().any(|t| t.name == "echo"), "{tools:?}");
    let mut args = serde_json::Map::new();
    args.insert("message".into(), "hello from berth".into());
    let out = b.server_call(&name, "echo", args).await.unwrap();
    assert!(out.text.contains("hello from berth") && !out.is_error, "{out:?}");
    b.server_stop(&name).await.unwrap();
    b.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_streamable_http_server_registers_tests_and_answers() {
    register_test_and_call("streamableHttp", RemoteTransport::StreamableHttp).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_legacy_sse_server_is_detected_and_answers() {
    register_test_and_call("sse", RemoteTransport::Sse).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_remote_that_dies_mid_call_fails_the_call_and_the_next_call_reconnects() {
    let started = berth_testkit::everything_http("streamableHttp");
    let why = started.as_ref().err().cloned().unwrap_or_default();
    if !berth_testkit::require("remote servers", started.is_ok(), &why) {
        return;
    }
    let (mut server, url) = started.unwrap();
    let port: u16 = url::Url::parse(&url).unwrap().port().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let b = open(dir.path(), Arc::new(MemoryStore::default())).await;
    b.server_add_url(RemoteRequest { url: url.clone(), name: Some("flaky".into()), ..Default::default() })
        .await
        .unwrap();
    b.server_start("flaky", Arc::new(|_| {})).await.unwrap();

    // A call that takes 10 s; the server is killed half a second in.
    let mut args = serde_json::Map::new();
    args.insert("duration".into(), 10.into());
    args.insert("steps".into(), 10.into());
    let call = b.server_call("flaky", "trigger-long-running-operation", args);
    let kill = async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        server.0.kill().unwrap();
        let _ = server.0.wait();
    };
    let clock = std::time::Instant::now();
    let (outcome, ()) = tokio::join!(call, kill);
    // An error, not a hang, and well before the call would have finished.
    match outcome {
        Ok(o) => assert!(o.is_error, "the call succeeded after its server died: {o:?}"),
        Err(e) => assert_eq!(e.code, ErrorCode::Network, "{e:?}"),
    }
    assert!(clock.elapsed() < std::time::Duration::from_secs(9), "the call hung for {:?}", clock.elapsed());

    // Back on the same port, the next call connects again and succeeds.
    let (_again, _) = berth_testkit::everything_http_at("streamableHttp", port).unwrap();
    let mut args = serde_json::Map::new();
    args.insert("message".into(), "after the restart".into());
    let out = b.server_call("flaky", "echo", args).await.unwrap();
    assert!(out.text.contains("after the restart") && !out.is_error, "{out:?}");
    b.close().await;
}

#[tokio::test]
async fn hostile_urls_are_refused_before_anything_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let b = open(dir.path(), Arc::new(MemoryStore::default())).await;
    for url in [
        "http://example.com/mcp",
        "http://10.0.0.5/mcp",
        "https://169.254.169.254/latest",
        "https://[::ffff:10.0.0.1]/mcp",
        "https://user:pass@example.com/mcp",
        "file:///etc/passwd",
        "not a url",
    ] {
        let e = b
            .server_add_url(RemoteRequest {
                url: url.into(),
                name: Some("hostile".into()),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert!(matches!(e.code, ErrorCode::UrlNotAllowed | ErrorCode::Validation), "{url}: {e:?}");
        let tested = b.server_test(TestTarget::Url(url.into())).await;
        assert!(tested.is_err(), "{url} was tested");
    }
    assert!(b.server_list().await.unwrap().is_empty());
    // A private address is allowed only when the user says so for that server.
    let allowed = b
        .server_add_url(RemoteRequest {
            url: "http://10.0.0.5/mcp".into(),
            name: Some("office".into()),
            allow_private_network: true,
            ..Default::default()
        })
        .await;
    assert!(allowed.is_err(), "plain http to the LAN stays refused");
    let allowed = b
        .server_add_url(RemoteRequest {
            url: "https://10.0.0.5/mcp".into(),
            name: Some("office".into()),
            allow_private_network: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(allowed.settings.allow_private_network);
    b.close().await;
}
