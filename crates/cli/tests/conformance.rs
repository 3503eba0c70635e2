//! Transparency: the official MCP server conformance suite runs against the reference server
//! (`server-everything`) directly and then against Berth's HTTP gateway fronting the same server,
//! once in a container started for each session with `--server`, once as a remote server Berth
//! connects to over streamable HTTP. Every check that passes directly must pass through the
//! gateway. Both tallies are printed. The suite's client scenarios `initialize`, `tools_call` and
//! `sse-retry` run with `berth server test` as the client under test, and its authorization
//! scenarios with `berth server test --login`: every one of the pinned 0.1 release's, and the
//! ones the 2026-07-28 revision requires of the newest 0.2 release.
//!
//! The suite cannot send a bearer token, so it talks to the gateway through a small proxy in this
//! test that adds the token, as a configured client would; Host and Origin pass through as sent
//! (rewritten only where they name the proxy itself), so the DNS-rebinding checks reach the gateway.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use bytes::Bytes;
use futures_util::TryStreamExt;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

/// Check id → status, for the checks that pass or fail (not the informational ones).
type Tally = BTreeMap<String, String>;
/// Check id → why it failed.
type Reasons = BTreeMap<String, String>;

/// Runs the suite against `url` and reads every scenario's `checks.json`.
fn run_suite(url: &str, out: &Path) -> (Tally, Reasons) {
    let (node, dir) = berth_testkit::node_peers().expect("the reference peers");
    let run = Command::new(node)
        .arg(dir.join("node_modules/@modelcontextprotocol/conformance/dist/index.js"))
        .args(["server", "--url", url, "-o"])
        .arg(out)
        .output()
        .expect("the conformance suite runs");
    // It exits non-zero when any check fails, which the reference server itself does.
    let summary = String::from_utf8_lossy(&run.stdout);
    assert!(
        summary.contains("=== SUMMARY ==="),
        "no summary from the suite:\n{summary}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut tally = Tally::new();
    let mut reasons = Reasons::new();
    for dir in std::fs::read_dir(out).unwrap() {
        let dir = dir.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        // `server-<scenario>-<YYYY-MM-DDTHH-MM-SS-mmmZ>`
        let parts: Vec<&str> = name.split('-').collect();
        let scenario = parts[1..parts.len() - 6].join("-");
        let checks: Vec<serde_json::Value> =
            serde_json::from_str(&std::fs::read_to_string(dir.join("checks.json")).unwrap()).unwrap();
        for c in checks {
            let status = c["status"].as_str().unwrap_or("").to_owned();
            if matches!(status.as_str(), "SUCCESS" | "FAILURE" | "WARNING") {
                let id = format!("{scenario}/{}", c["id"].as_str().unwrap_or("?"));
                if let Some(why) = c["errorMessage"].as_str() {
                    reasons.insert(id.clone(), why.to_owned());
                }
                tally.insert(id, status);
            }
        }
    }
    (tally, reasons)
}

fn passed(t: &Tally) -> usize {
    t.values().filter(|s| *s == "SUCCESS").count()
}

type Body = BoxBody<Bytes, std::io::Error>;

/// The authorization suites each run every scenario at once; two of them together on a small
/// machine make clients miss the suite's timeouts, so they take turns.
static AUTH_SUITES: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Forwards HTTP from `listen` to `target` (both on 127.0.0.1), adding the bearer token.
async fn proxy(listener: tokio::net::TcpListener, target: u16, token: String) {
    let listen = listener.local_addr().unwrap().port();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        let (client, token) = (client.clone(), token.clone());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let (client, token) = (client.clone(), token.clone());
                async move { Ok::<_, Infallible>(forward(&client, req, listen, target, &token).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn forward(
    client: &reqwest::Client,
    req: Request<Incoming>,
    listen: u16,
    target: u16,
    token: &str,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut out = client.request(parts.method.clone(), format!("http://127.0.0.1:{target}{path}")).body(body);
    let ours = [format!("127.0.0.1:{listen}"), format!("localhost:{listen}")];
    for (name, value) in &parts.headers {
        let v = value.to_str().unwrap_or("");
        let v = match name.as_str() {
            "host" if ours.iter().any(|o| o == v) => format!("127.0.0.1:{target}"),
            "origin" if ours.iter().any(|o| v == format!("http://{o}")) => {
                format!("http://127.0.0.1:{target}")
            }
            "connection" | "content-length" | "transfer-encoding" | "authorization" => continue,
            _ => v.to_owned(),
        };
        out = out.header(name.as_str(), v);
    }
    let reply = match out.header("authorization", format!("Bearer {token}")).send().await {
        Ok(r) => r,
        Err(e) => {
            let mut r = Response::new(Full::new(Bytes::from(e.to_string())).map_err(|e| match e {}).boxed());
            *r.status_mut() = hyper::StatusCode::BAD_GATEWAY;
            return r;
        }
    };
    let mut response = Response::builder().status(reply.status());
    for (name, value) in reply.headers() {
        if !matches!(name.as_str(), "connection" | "content-length" | "transfer-encoding") {
            response = response.header(name, value);
        }
    }
    let stream = reply.bytes_stream().map_ok(Frame::data).map_err(std::io::Error::other);
    response.body(BodyExt::boxed(StreamBody::new(stream))).unwrap()
}

/// Runs the suite through `gateway` and fails on any check that passes directly but not there.
async fn compare(label: &str, direct: &Tally, gateway: &berth_testkit::CliGateway, out: &Path) {
    let (gateway_port, token) = (gateway.port, gateway.token.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_port = listener.local_addr().unwrap().port();
    tokio::spawn(proxy(listener, gateway_port, token));
    let out = out.to_owned();
    let (through, why) =
        tokio::task::spawn_blocking(move || run_suite(&format!("http://127.0.0.1:{proxy_port}/mcp"), &out))
            .await
            .unwrap();
    println!(
        "conformance checks passed ({label}): direct {} of {}, through Berth {} of {}",
        passed(direct),
        direct.len(),
        passed(&through),
        through.len()
    );
    for (id, status) in direct {
        println!(
            "  {id:60} direct {status:8} gateway {}",
            through.get(id).map(String::as_str).unwrap_or("-")
        );
    }
    let lost: Vec<String> = direct
        .iter()
        .filter(|(id, s)| *s == "SUCCESS" && through.get(*id).map(String::as_str) != Some("SUCCESS"))
        .map(|(id, _)| format!("{id}: {}", why.get(id).map(String::as_str).unwrap_or("not run")))
        .collect();
    assert!(passed(direct) >= 10, "the reference server should pass most basic checks directly: {direct:?}");
    assert!(lost.is_empty(), "{label}: checks that pass directly but not through the gateway: {lost:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_remote_server_through_the_gateway_passes_every_check_it_passes_directly() {
    let started = berth_testkit::everything_http("streamableHttp");
    let ready = started.is_ok() && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    let why = started.as_ref().err().cloned().unwrap_or_else(|| "needs a Secret Service".into());
    if !berth_testkit::require("remote conformance", ready, &why) {
        return;
    }
    let (_server, url) = started.unwrap();
    let work = tempfile::tempdir().unwrap();
    let (direct, _) = run_suite(&url, &work.path().join("direct"));
    let data = work.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), &data);
    let added = berth
        .command()
        .args(["server", "add", "--url", &url, "--name", "everything-remote"])
        .output()
        .unwrap();
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let gateway = berth.http_gateway(&["--server", "everything-remote"]);
    compare("remote", &direct, &gateway, &work.path().join("gateway")).await;
}

/// The suite's client scenarios with `berth server test` as the client under test; the suite
/// appends the scenario's server URL to the command.
#[test]
fn berth_passes_the_client_scenarios_initialize_tools_call_and_sse_retry() {
    let peers = berth_testkit::node_peers();
    let why = peers.as_ref().err().cloned().unwrap_or_default();
    if !berth_testkit::require("client conformance", peers.is_ok(), &why) {
        return;
    }
    let (node, dir) = peers.unwrap();
    let data = tempfile::tempdir().unwrap();
    let berth = env!("CARGO_BIN_EXE_berth");
    for (scenario, command) in [
        ("initialize", format!("{berth} server test --url")),
        ("tools_call", format!("{berth} server test --call 'add_numbers={{\"a\":2,\"b\":3}}' --url")),
        ("sse-retry", format!("{berth} server test --call test_reconnection --url")),
    ] {
        let out = data.path().join(scenario);
        let run = Command::new(node)
            .arg(dir.join("node_modules/@modelcontextprotocol/conformance/dist/index.js"))
            .args(["client", "--command", &command, "--scenario", scenario, "-o"])
            .arg(&out)
            .env("BERTH_DATA_DIR", data.path())
            .output()
            .unwrap();
        // The suite prints its results on stdout and stderr.
        let text =
            format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
        let summary = text.lines().find(|l| l.starts_with("Passed:")).unwrap_or("no summary");
        println!("client scenario {scenario}: {summary}");
        assert!(run.status.success() && text.contains("OVERALL: PASSED"), "{scenario}:\n{text}");
        assert!(!summary.starts_with("Passed: 0/"), "{scenario} ran no check: {summary}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gateway_passes_every_conformance_check_the_server_passes_directly() {
    let ready = berth_testkit::docker_available() && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if !berth_testkit::require("conformance", ready, "needs a running Docker engine and a Secret Service") {
        return;
    }
    let peers = match berth_testkit::peers() {
        Ok(p) => p,
        Err(why) => {
            berth_testkit::require("conformance", false, &why);
            return;
        }
    };
    let work = tempfile::tempdir().unwrap();

    // Directly: the reference server's own streamable HTTP transport.
    let (_direct, url) =
        berth_testkit::everything_http("streamableHttp").expect("server-everything over HTTP");
    let (direct, _) = run_suite(&url, &work.path().join("direct"));

    // Through Berth: the same server over stdio in a container, one per gateway session.
    let data = work.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let server = format!("everything{}", std::process::id());
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), &data);
    berth.add_catalog(&berth_testkit::catalog_entry(&server, "Everything", &peers.everything_image));
    let mut gateway = berth.http_gateway(&["--server", &server]);
    compare("container", &direct, &gateway, &work.path().join("gateway")).await;

    // Ending the gateway ends its sessions and their containers.
    gateway.process.terminate(Duration::from_secs(30));
    assert_eq!(berth_testkit::containers(&format!("label=berth.server={server}")), 0);
}

/// The suite's authorization scenarios with `berth server test --login` as the client (through
/// `tests/fixtures/conformance-client.sh`, which passes on a scenario's pre-registered client) and
/// a `$BROWSER` that approves as a browser would (`tests/fixtures/browser.sh`). Every scenario
/// must pass, with no warning; the tally is printed.
#[test]
fn berth_signs_in_as_the_auth_scenarios_expect() {
    let _turn = AUTH_SUITES.lock().unwrap_or_else(|e| e.into_inner());
    let peers = berth_testkit::node_peers();
    let why = peers.as_ref().err().cloned().unwrap_or_default();
    if !berth_testkit::require("auth conformance", peers.is_ok(), &why) {
        return;
    }
    let (node, dir) = peers.unwrap();
    let data = tempfile::tempdir().unwrap();
    let browser = berth_testkit::workspace_root().join("tests/fixtures/browser.sh");
    let wrapper = berth_testkit::workspace_root().join("tests/fixtures/conformance-client.sh");
    let command = format!("{} {}", wrapper.display(), env!("CARGO_BIN_EXE_berth"));
    let run = Command::new(node)
        .arg(dir.join("node_modules/@modelcontextprotocol/conformance/dist/index.js"))
        .args(["client", "--command", &command, "--suite", "auth"])
        .env("BERTH_DATA_DIR", data.path())
        .env("BROWSER", &browser)
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    let summary: Vec<&str> = text.lines().filter(|l| l.starts_with('✓') || l.starts_with('✗')).collect();
    println!("auth scenarios:\n{}", summary.join("\n"));
    if let Some(total) = text.lines().find(|l| l.starts_with("Total:")) {
        println!("{total}");
    }
    // Every scenario of the pinned release's authorization suite.
    assert!(summary.len() >= 14, "fewer scenarios than the pinned suite has:\n{text}");
    for line in &summary {
        assert!(
            line.starts_with('✓') && !line.contains(" 0 passed") && !line.contains("warning"),
            "{line}\n{text}"
        );
    }
}

/// The newest 0.2 release's authorization scenarios that the 2026-07-28 revision requires
/// (`--requirements 2026-07-28`, on the stateless wire), with the same client and `$BROWSER`.
/// The baseline lists only the revision's extension scenarios, each with its reason; every other
/// `auth/` scenario must pass. The tally is printed.
#[test]
fn berth_signs_in_as_the_2026_07_28_auth_requirements_expect() {
    let _turn = AUTH_SUITES.lock().unwrap_or_else(|e| e.into_inner());
    let peers = berth_testkit::node_peers();
    let why = peers.as_ref().err().cloned().unwrap_or_default();
    if !berth_testkit::require("auth conformance", peers.is_ok(), &why) {
        return;
    }
    let (node, dir) = peers.unwrap();
    let root = berth_testkit::workspace_root();
    let baseline_file = root.join("tests/fixtures/conformance-auth-baseline.yml");
    let baseline: Vec<String> = std::fs::read_to_string(&baseline_file)
        .unwrap()
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- ").map(str::to_owned))
        .collect();
    let data = tempfile::tempdir().unwrap();
    let command = format!(
        "{} {}",
        root.join("tests/fixtures/conformance-client.sh").display(),
        env!("CARGO_BIN_EXE_berth")
    );
    let run = Command::new(node)
        .arg(dir.join("node_modules/conformance-next/dist/index.js"))
        .args(["client", "--command", &command, "--requirements", "2026-07-28", "--expected-failures"])
        .arg(&baseline_file)
        .env("BERTH_DATA_DIR", data.path())
        .env("BROWSER", root.join("tests/fixtures/browser.sh"))
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with('✓') || l.starts_with('✗')).collect();
    // The revision's own list: the client scenarios it requires, and why others are not scored.
    let set = std::fs::read_to_string(dir.join("node_modules/conformance-next/requirements/2026-07-28.yaml"))
        .unwrap();
    let client = set.split("\nclient:\n").nth(1).unwrap().split("\n\n").next().unwrap();
    let required: Vec<&str> = client
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .filter(|s| s.starts_with("auth/"))
        .collect();
    for b in &baseline {
        let entry = format!("- scenario: {b}\n    leg: client\n    reason: extension");
        assert!(set.contains(&entry), "the baseline lists {b}, which is not an extension scenario");
    }
    let mut passed = 0;
    for scenario in &required {
        let line = lines.iter().find(|l| l[4..].starts_with(&format!("{scenario}:")));
        println!("{}", line.unwrap_or(&"(not run)"));
        let line = line.unwrap_or_else(|| panic!("{scenario} did not run:\n{text}"));
        assert!(line.starts_with('✓') && !line.contains(" 0 passed"), "{line}\n{text}");
        passed += 1;
    }
    println!("required 2026-07-28 auth scenarios passed: {passed} of {}", required.len());
    // iss-*, resource-mismatch, offline-access-*, authorization-server-migration and the rest.
    assert!(required.len() >= 20, "fewer required scenarios than the 2026-07-28 set has:\n{set}");
}
