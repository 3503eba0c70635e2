//! 20 gateway sessions over HTTP, each with 10 concurrent calls while a second server is added and
//! removed mid-flight: only expected errors, and no container left once the sessions end.

use std::time::Duration;

use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

fn args(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().unwrap().clone()
}

async fn session(url: String, token: String, a: String, b: String, n: usize) -> Result<(), String> {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.as_str()).auth_header(token),
    );
    let client = rmcp::serve_client((), transport).await.map_err(|e| e.to_string())?;
    let peer = client.peer().clone();
    let add = |name: &str| CallToolRequestParams::new("mcp-add").with_arguments(args(json!({"name": name})));
    let r = peer.call_tool(add(&a)).await.map_err(|e| e.to_string())?;
    if r.is_error == Some(true) {
        return Err(format!("session {n}: adding {a} failed"));
    }
    // 10 concurrent calls to A while B is added and removed.
    let calls = (0..10).map(|i| {
        let peer = peer.clone();
        let a = a.clone();
        async move {
            let p = CallToolRequestParams::new("mcp-exec").with_arguments(args(
                json!({"name": a, "tool": "add", "arguments": {"left": i, "right": n}}),
            ));
            let r = peer.call_tool(p).await.map_err(|e| e.to_string())?;
            let text: String = r.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect();
            let v: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
            if v["exit_code"] != 0 || v["output"].as_str() != Some((i + n).to_string().as_str()) {
                return Err(format!("session {n} call {i}: {text}"));
            }
            Ok::<_, String>(())
        }
    });
    let churn = async {
        let r = peer.call_tool(add(&b)).await.map_err(|e| e.to_string())?;
        if r.is_error == Some(true) {
            return Err(format!("session {n}: adding {b} failed"));
        }
        let rm = CallToolRequestParams::new("mcp-remove").with_arguments(args(json!({"name": b})));
        peer.call_tool(rm).await.map_err(|e| e.to_string())?;
        Ok::<_, String>(())
    };
    let (results, churned) = tokio::join!(futures_join_all(calls.collect()), churn);
    churned?;
    for r in results {
        r?;
    }
    client.cancel().await.map_err(|e| e.to_string())?;
    Ok(())
}

async fn futures_join_all<F: std::future::Future>(futs: Vec<F>) -> Vec<F::Output> {
    let mut out = Vec::with_capacity(futs.len());
    let handles: Vec<_> = futs.into_iter().map(Box::pin).collect();
    for h in handles {
        out.push(h.await);
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_sessions_with_concurrent_calls_and_churn_leave_nothing() {
    let ready = berth_testkit::docker_available() && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if !berth_testkit::require("gateway load", ready, "needs a running Docker engine and a Secret Service") {
        return;
    }
    let image = berth_testkit::fixture_image();
    let data = tempfile::tempdir().unwrap();
    let id = std::process::id();
    let (a, b) = (format!("loada{id}"), format!("loadb{id}"));
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    berth.add_catalog(&format!(
        "{}{}",
        berth_testkit::catalog_entry(&a, "Load A", &image),
        berth_testkit::catalog_entry(&b, "Load B", &image)
    ));
    let mut gateway = berth.http_gateway(&[]);
    let (url, token) = (gateway.url.clone(), gateway.token.clone());

    let sessions =
        (0..20).map(|n| tokio::spawn(session(url.clone(), token.clone(), a.clone(), b.clone(), n)));
    let mut errors = Vec::new();
    for s in sessions.collect::<Vec<_>>() {
        if let Err(e) = s.await.unwrap() {
            errors.push(e);
        }
    }
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");

    gateway.process.terminate(Duration::from_secs(60));
    let left = berth_testkit::containers(&format!("label=berth.server={a}"))
        + berth_testkit::containers(&format!("label=berth.server={b}"));
    assert_eq!(left, 0, "containers left behind");
}
