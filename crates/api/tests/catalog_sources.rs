//! Catalog sources end to end against a real HTTP server on 127.0.0.1: first fetch, conditional
//! refresh (ETag → 304), a broken update keeping the last good copy, the server going away
//! (offline, cache age shown), URL policy refusals, the size cap, and local files.

use std::sync::{Arc, Mutex};

use berth_api::{Berth, BerthOptions, CatalogQuery, ErrorCode, Redactor, RefreshStatus, SourceHealth};
use berth_secrets::{MemoryStore, SecretStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Default)]
struct Served {
    body: Vec<u8>,
    etag: String,
    /// The If-None-Match header of every request, in order.
    seen: Vec<Option<String>>,
    /// The request target of every request, in order.
    targets: Vec<String>,
}

/// A minimal HTTP/1.1 server: 304 when If-None-Match matches, else 200 with the body and ETag.
async fn serve(state: Arc<Mutex<Served>>) -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/catalog.yaml", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let state = state.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let inm = head
                    .lines()
                    .find_map(|l| {
                        l.strip_prefix("if-none-match: ").or_else(|| l.strip_prefix("If-None-Match: "))
                    })
                    .map(str::to_owned);
                let (status, body, etag) = {
                    let mut s = state.lock().unwrap();
                    s.seen.push(inm.clone());
                    s.targets.push(head.split(' ').nth(1).unwrap_or_default().to_owned());
                    if inm.as_deref() == Some(s.etag.as_str()) {
                        ("304 Not Modified", Vec::new(), s.etag.clone())
                    } else {
                        ("200 OK", s.body.clone(), s.etag.clone())
                    }
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nETag: {etag}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(&body).await;
            });
        }
    });
    (url, task)
}

const CATALOG_V1: &str = "registry:\n  zeta-widgets:\n    title: Zeta Widgets\n    description: Manage zeta widgets and gizmos.\n    type: server\n    image: example/zeta:1\n  broken-entry:\n    title: No image\n";
const CATALOG_V2: &str = "registry:\n  zeta-widgets:\n    title: Zeta Widgets\n    description: Manage zeta widgets.\n    type: server\n    image: example/zeta:2\n  omega-tools:\n    type: remote\n    remote: {url: 'https://omega.example/mcp'}\n";

async fn berth(dir: &std::path::Path) -> Berth {
    berth_with(dir, Arc::new(MemoryStore::default())).await
}

async fn berth_with(dir: &std::path::Path, secrets: Arc<MemoryStore>) -> Berth {
    Berth::open(BerthOptions {
        data_dir: dir.to_owned(),
        redactor: Redactor::new(),
        system_locale: Some("en-US".into()),
        secrets: Some(secrets as Arc<dyn SecretStore>),
        runtime: None,
        clock: None,
    })
    .await
    .unwrap()
}

async fn names(b: &Berth, q: &str) -> Vec<String> {
    b.catalog_search(CatalogQuery { query: q.into(), ..Default::default() })
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.name)
        .collect()
}

#[tokio::test]
async fn url_source_lifecycle() {
    let dir = tempfile::tempdir().unwrap();
    let state =
        Arc::new(Mutex::new(Served { body: CATALOG_V1.into(), etag: "\"v1\"".into(), ..Default::default() }));
    let (url, server) = serve(state.clone()).await;
    let b = berth(dir.path()).await;

    // Offline on first start: the built-in catalog is there.
    assert!(names(&b, "github").await.contains(&"github-official".to_string()));

    let added = b.catalog_source_add(&url, None).await.unwrap();
    assert_eq!(added.health, SourceHealth::Ok);
    assert_eq!((added.item_count, added.rejected_count), (1, 1));
    assert_eq!(names(&b, "zeta widgets").await.first().map(String::as_str), Some("zeta-widgets"));
    let overview = b.catalog_overview().await.unwrap();
    assert!(
        overview.rejected.iter().any(|r| r.entry.ends_with("broken-entry") && r.reason.contains("no image"))
    );

    // Unchanged: a conditional GET with the ETag, answered 304.
    let out = b.catalog_refresh(None).await.unwrap();
    assert_eq!(out[0].status, RefreshStatus::NotModified);
    assert_eq!(state.lock().unwrap().seen.last().unwrap().as_deref(), Some("\"v1\""));

    // Changed: new content replaces the old.
    {
        let mut s = state.lock().unwrap();
        s.body = CATALOG_V2.into();
        s.etag = "\"v2\"".into();
    }
    assert_eq!(b.catalog_refresh(Some(&added.id)).await.unwrap()[0].status, RefreshStatus::Updated);
    assert!(names(&b, "omega").await.contains(&"omega-tools".to_string()));

    // A broken update is refused; the last good copy stays in use.
    {
        let mut s = state.lock().unwrap();
        s.body = b"registry: [this is not: valid".to_vec();
        s.etag = "\"v3\"".into();
    }
    let out = b.catalog_refresh(None).await.unwrap();
    assert_eq!(out[0].status, RefreshStatus::Failed);
    assert!(out[0].message.contains("last good copy"), "{}", out[0].message);
    assert!(names(&b, "omega").await.contains(&"omega-tools".to_string()));
    let src = &b.catalog_overview().await.unwrap().sources[1];
    assert_eq!(src.health, SourceHealth::Stale);
    // The failure is kept by key too, so it shows in the user's language.
    let english = src.last_error.clone().unwrap();
    let shown = |locale| {
        berth_api::messages::render_message(
            locale,
            src.last_error_key.as_deref(),
            &src.last_error_params,
            &english,
        )
    };
    assert_eq!(shown(berth_api::Locale::En), english);
    assert!(
        shown(berth_api::Locale::Ja).contains("最後に正常だった内容を使い続けます"),
        "{}",
        shown(berth_api::Locale::Ja)
    );

    // The server goes away: offline, the cache (with its age) still serves.
    server.abort();
    let _ = server.await;
    let out = b.catalog_refresh(None).await.unwrap();
    assert_eq!(out[0].status, RefreshStatus::Failed);
    let src = b.catalog_overview().await.unwrap().sources[1].clone();
    assert_eq!(src.health, SourceHealth::Stale);
    assert!(src.age_ms.unwrap() >= 0 && src.last_error.is_some());
    assert!(names(&b, "zeta").await.contains(&"zeta-widgets".to_string()));

    // The cache survives a restart.
    b.close().await;
    let b = berth(dir.path()).await;
    assert!(names(&b, "omega").await.contains(&"omega-tools".to_string()));
    assert!(b.catalog_source_remove(&src.id).await.unwrap());
    assert!(!names(&b, "omega").await.contains(&"omega-tools".to_string()));
}

#[tokio::test]
async fn bad_sources_are_refused_with_a_reason_and_not_saved() {
    let dir = tempfile::tempdir().unwrap();
    let b = berth(dir.path()).await;
    for (location, code) in [
        ("http://example.com/catalog.yaml", ErrorCode::UrlNotAllowed),
        ("https://10.1.2.3/catalog.yaml", ErrorCode::UrlNotAllowed),
        ("https://169.254.169.254/latest", ErrorCode::UrlNotAllowed),
        ("https://user:pw@example.com/c.yaml", ErrorCode::UrlNotAllowed),
        ("ftp://example.com/c.yaml", ErrorCode::UrlNotAllowed),
        ("relative/catalog.yaml", ErrorCode::Validation),
        ("/nonexistent/catalog.yaml", ErrorCode::NotFound),
        ("http://127.0.0.1:1/catalog.yaml", ErrorCode::Network),
    ] {
        let e = b.catalog_source_add(location, None).await.unwrap_err();
        assert_eq!(e.code, code, "{location}: {}", e.message);
        assert!(e.message.contains("not added") || code != ErrorCode::Network, "{}", e.message);
    }
    // Too large: refused while streaming, not saved.
    let big = format!("registry:\n  x:\n    image: a/b\n    description: {}\n", "y".repeat(21 * 1024 * 1024));
    let (url, _server) = serve(Arc::new(Mutex::new(Served {
        body: big.into(),
        etag: "\"big\"".into(),
        ..Default::default()
    })))
    .await;
    let e = b.catalog_source_add(&url, None).await.unwrap_err();
    assert!(e.message.contains("20 MB"), "{}", e.message);
    // Not a catalog at all.
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "just some notes").unwrap();
    let e = b.catalog_source_add(file.to_str().unwrap(), None).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(b.catalog_overview().await.unwrap().sources.len(), 1, "only the built-in catalog remains");
}

#[tokio::test]
async fn local_file_sources_and_secret_status() {
    let dir = tempfile::tempdir().unwrap();
    let b = berth(dir.path()).await;
    let file = dir.path().join("team.yaml");
    std::fs::write(&file, CATALOG_V1).unwrap();
    let src = b.catalog_source_add(file.to_str().unwrap(), Some("team")).await.unwrap();
    assert_eq!(src.id, "team");
    assert!(names(&b, "zeta").await.contains(&"zeta-widgets".to_string()));
    let dup = b.catalog_source_add(file.to_str().unwrap(), None).await.unwrap_err();
    assert_eq!(dup.code, ErrorCode::Conflict);

    // Results say which secrets are needed and whether they are set.
    let hit = |b: &Berth| {
        let b = b.clone();
        async move {
            b.catalog_search(CatalogQuery { query: "github issues".into(), ..Default::default() })
                .await
                .unwrap()
                .into_iter()
                .find(|h| h.name == "github-official")
                .unwrap()
        }
    };
    let before = hit(&b).await;
    assert_eq!(before.secrets.len(), 1);
    assert_eq!(before.secrets[0].key, "berth/server/github-official/github.personal_access_token");
    assert!(!before.secrets[0].set && before.secrets[0].required);
    b.set_secret(&before.secrets[0].key, "ghp_example_value".into()).await.unwrap();
    assert!(hit(&b).await.secrets[0].set);

    // Japanese text where the catalog has it.
    let ja = b.catalog_show("time", Some(berth_api::Locale::Ja)).await.unwrap();
    assert_eq!(ja.title, "時刻");
    let missing = b.catalog_show("no-such-server", None).await.unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);
}

/// Every byte of the database's files, as text.
fn database_text(dir: &std::path::Path) -> String {
    let mut text = String::new();
    for file in std::fs::read_dir(dir).unwrap() {
        let path = file.unwrap().path();
        if path.is_file() {
            text.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        }
    }
    text
}

#[tokio::test]
async fn a_token_in_a_catalog_url_is_kept_in_the_keychain_and_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let state =
        Arc::new(Mutex::new(Served { body: CATALOG_V1.into(), etag: "\"v1\"".into(), ..Default::default() }));
    let (url, server) = serve(state.clone()).await;
    let keychain = Arc::new(MemoryStore::default());
    let b = berth_with(dir.path(), keychain.clone()).await;
    let secret = "tok-5ecret-value";
    let full = format!("{url}?token={secret}&v=2");

    let added = b.catalog_source_add(&full, None).await.unwrap();
    assert_eq!(added.location, format!("{url}?token=***&v=***"));
    let key = berth_secrets::SecretKey::new("catalog", &added.id).unwrap();
    assert_eq!(keychain.get(&key).unwrap().unwrap().expose(), full);
    assert!(state.lock().unwrap().targets[0].contains(&format!("token={secret}")));

    // Refreshing sends the full URL again; nothing shows or stores the token.
    state.lock().unwrap().etag = "\"v2\"".into();
    assert_eq!(b.catalog_refresh(None).await.unwrap()[0].status, RefreshStatus::Updated);
    assert!(state.lock().unwrap().targets[1].contains(&format!("token={secret}")));
    server.abort();
    let _ = server.await;
    let failed = b.catalog_refresh(None).await.unwrap();
    assert_eq!(failed[0].status, RefreshStatus::Failed);
    let overview = b.catalog_overview().await.unwrap();
    let shown = format!("{:?} {:?}", failed, overview.sources);
    assert!(!shown.contains(secret), "{shown}");
    b.close().await;
    assert!(!database_text(dir.path()).contains(secret), "the token reached the database");

    // The same URL with another token is the same source.
    let b = berth_with(dir.path(), keychain.clone()).await;
    let again = b.catalog_source_add(&format!("{url}?token=other&v=2"), None).await.unwrap_err();
    assert_eq!(again.code, ErrorCode::Conflict);
    // Removing the source forgets the full URL.
    assert!(b.catalog_source_remove(&added.id).await.unwrap());
    assert!(keychain.get(&key).unwrap().is_none());
}

#[tokio::test]
async fn a_source_added_by_another_process_is_seen_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let app = berth(dir.path()).await;
    let cli = berth(dir.path()).await;
    assert!(names(&app, "zeta widgets").await.first().map(String::as_str) != Some("zeta-widgets"));
    let file = dir.path().join("zeta.yaml");
    std::fs::write(&file, CATALOG_V1).unwrap();
    cli.catalog_source_add(file.to_str().unwrap(), Some("zeta")).await.unwrap();
    assert_eq!(names(&app, "zeta widgets").await.first().map(String::as_str), Some("zeta-widgets"));
    // A new copy, and a removal, are seen too.
    std::fs::write(&file, CATALOG_V2).unwrap();
    cli.catalog_refresh(Some("zeta")).await.unwrap();
    assert!(names(&app, "omega").await.contains(&"omega-tools".to_string()));
    cli.catalog_source_remove("zeta").await.unwrap();
    assert!(!names(&app, "omega").await.contains(&"omega-tools".to_string()));
}

/// Entries of a source, taken and refused, as the overview counts them.
async fn counted(b: &Berth, id: &str) -> i64 {
    let overview = b.catalog_overview().await.unwrap();
    let source = overview.sources.iter().find(|s| s.id == id).unwrap();
    source.item_count + source.rejected_count
}

/// A local source is read again at every refresh (and at every start of the app), but only new
/// content is parsed, stored and shown again: an unchanged file or folder is "not modified".
#[tokio::test]
async fn an_unchanged_local_source_is_not_modified() {
    let dir = tempfile::tempdir().unwrap();
    let b = berth(dir.path()).await;

    let file = dir.path().join("team.yaml");
    std::fs::write(&file, CATALOG_V1).unwrap();
    b.catalog_source_add(file.to_str().unwrap(), Some("team")).await.unwrap();
    assert_eq!(b.catalog_refresh(Some("team")).await.unwrap()[0].status, RefreshStatus::NotModified);
    std::fs::write(&file, CATALOG_V2).unwrap();
    assert_eq!(b.catalog_refresh(Some("team")).await.unwrap()[0].status, RefreshStatus::Updated);
    assert!(names(&b, "omega").await.contains(&"omega-tools".to_string()));
    assert_eq!(b.catalog_refresh(Some("team")).await.unwrap()[0].status, RefreshStatus::NotModified);
    assert!(names(&b, "omega").await.contains(&"omega-tools".to_string()), "the stored copy stays in use");

    // A folder: four servers of Docker's registry.
    let registry = berth_testkit::shared_data().join("docker-mcp-registry/servers");
    let mut servers: Vec<_> = std::fs::read_dir(&registry)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("server.yaml").is_file())
        .collect();
    servers.sort();
    let folder = dir.path().join("registry");
    for server in &servers[..4] {
        let to = folder.join(server.file_name().unwrap());
        std::fs::create_dir_all(&to).unwrap();
        for file in std::fs::read_dir(server).unwrap() {
            let file = file.unwrap().path();
            std::fs::copy(&file, to.join(file.file_name().unwrap())).unwrap();
        }
    }
    b.catalog_source_add(folder.to_str().unwrap(), Some("docker")).await.unwrap();
    assert_eq!(counted(&b, "docker").await, 4);
    assert_eq!(b.catalog_refresh(Some("docker")).await.unwrap()[0].status, RefreshStatus::NotModified);

    // One file changed, then one server gone: each is new content.
    let first = folder.join(servers[0].file_name().unwrap()).join("server.yaml");
    let text = std::fs::read_to_string(&first).unwrap();
    std::fs::write(&first, format!("{text}\n# edited\n")).unwrap();
    assert_eq!(b.catalog_refresh(Some("docker")).await.unwrap()[0].status, RefreshStatus::Updated);
    assert_eq!(b.catalog_refresh(Some("docker")).await.unwrap()[0].status, RefreshStatus::NotModified);
    std::fs::remove_dir_all(folder.join(servers[3].file_name().unwrap())).unwrap();
    assert_eq!(b.catalog_refresh(Some("docker")).await.unwrap()[0].status, RefreshStatus::Updated);
    assert_eq!(counted(&b, "docker").await, 3);
}
