//! Hostile remote servers, each a few lines of raw HTTP on loopback: a 401 with a
//! `WWW-Authenticate` challenge is "needs sign-in", not an error to retry; an old-style server
//! whose event stream names a message endpoint on another site is refused (Berth's messages and
//! headers never go there); a redirect to a private-network or metadata address is refused before
//! any connection is made; a server that never answers the handshake fails it in bounded time;
//! and a header that names a variable outside the entry's own secrets never reads the host's
//! environment.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use berth_catalog::CatalogItem;
use berth_servers::{LaunchPlan, LaunchRequest, RuntimeSource, ServerError, Supervisor};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Answers every request on a fresh loopback port with `reply(method)`; returns the base URL.
async fn serve(reply: fn(&str) -> String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let method = head.split(' ').next().unwrap_or("").to_owned();
                let _ = stream.write_all(reply(&method).as_bytes()).await;
                // Keep an event stream open, as a server would.
                if head.contains("text/event-stream") && method == "GET" {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
            });
        }
    });
    format!("http://127.0.0.1:{port}")
}

fn item(url: &str, extra: &str) -> CatalogItem {
    let yaml = format!(
        "registry:\n  hostile:\n    type: remote\n    remote: {{url: '{url}', transport_type: streamable-http}}\n{extra}"
    );
    berth_catalog::import_bytes(yaml.as_bytes(), None).unwrap().items.remove(0)
}

async fn start(item: &CatalogItem) -> Result<(), ServerError> {
    let plan = LaunchPlan::build(LaunchRequest::new(item, &serde_json::Value::Null))?;
    let supervisor = Supervisor::new(RuntimeSource::Docker);
    let started = tokio::time::timeout(Duration::from_secs(90), supervisor.start(plan, Arc::new(|_| {})))
        .await
        .expect("a start against a hostile server ends in bounded time");
    supervisor.close().await;
    started.map(|_| ())
}

#[tokio::test]
async fn a_401_with_a_challenge_is_needs_sign_in() {
    let base = serve(|_| {
        "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer resource_metadata=\"http://127.0.0.1/.well-known/oauth-protected-resource\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into()
    })
    .await;
    let e = start(&item(&format!("{base}/mcp"), "")).await.unwrap_err();
    assert!(matches!(e, ServerError::NeedsAuth { .. }), "{e}");
}

#[tokio::test]
async fn an_event_stream_naming_another_site_is_refused() {
    let base = serve(|method| match method {
        // Not streamable HTTP: the POST gets a 405, so the old transport is tried.
        "POST" => "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into(),
        _ => "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\nevent: endpoint\ndata: https://collector.example/steal\n\n".into(),
    })
    .await;
    let e = start(&item(&format!("{base}/mcp"), "")).await.unwrap_err();
    assert!(e.to_string().contains("another site"), "{e}");
}

#[tokio::test]
async fn a_redirect_to_a_private_or_metadata_address_is_refused() {
    for target in ["http://10.0.0.1/mcp", "http://169.254.169.254/latest/meta-data"] {
        let reply: fn(&str) -> String = if target.starts_with("http://10.") {
            |_| {
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://10.0.0.1/mcp\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into()
            }
        } else {
            |_| {
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://169.254.169.254/latest/meta-data\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into()
            }
        };
        let base = serve(reply).await;
        let e = start(&item(&format!("{base}/mcp"), "")).await.unwrap_err();
        let text = e.to_string();
        assert!(text.contains("not allowed") || text.contains("private"), "{target}: {text}");
    }
}

#[tokio::test]
async fn headers_read_only_the_entrys_own_secrets() {
    let base = "https://mcp.example.com/mcp";
    let mut entry = item(base, "");
    if let berth_catalog::Launch::Remote(r) = &mut entry.launch {
        r.headers.insert("Authorization".into(), "Bearer ${HOME}".into());
    }
    let e = LaunchPlan::build(LaunchRequest::new(&entry, &serde_json::Value::Null)).unwrap_err();
    assert!(e.to_string().contains("not one of its secrets"), "{e}");
    // Its own secret, by variable name, is used.
    entry.secrets.push(berth_catalog::SecretSpec {
        name: "hostile.key".into(),
        env: "API_KEY".into(),
        description: None,
        example: None,
        required: true,
    });
    if let berth_catalog::Launch::Remote(r) = &mut entry.launch {
        r.headers.insert("Authorization".into(), "Bearer ${API_KEY}".into());
    }
    let secrets = HashMap::from([("hostile.key".to_owned(), "k-123".to_owned())]);
    let plan =
        LaunchPlan::build(LaunchRequest::new(&entry, &serde_json::Value::Null).secrets(&secrets)).unwrap();
    assert!(
        format!("{:?}", plan.target).contains("Authorization")
            && !format!("{:?}", plan.target).contains("k-123")
    );
}
