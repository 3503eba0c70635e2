//! `make bench`: Berth's streamable HTTP gateway against `supergateway` (stdio → streamable HTTP,
//! stateful), side by side in one run. Same client, same backend: `server-everything` over stdio in
//! the same container image, which Berth starts for the session and supergateway launches with
//! `docker run -i`. Both are called with the server's `echo` tool at concurrency 1 and 16, one MCP
//! session each.
//!
//! The client is a load generator (plain HTTP/1.1 on blocking sockets, a thread per call in
//! flight), so that the client is not the bottleneck; its ceiling against a trivial server is
//! printed first, and so is the backend alone, reached both ways: with `docker run -i` and through
//! the engine's attach API, as Berth does. Berth and supergateway are measured in alternating
//! rounds, so a noisy spell of the machine falls on both. The same rows with the rmcp client, a
//! typical SDK client, follow.
//!
//! Target: Berth at least 2× supergateway's calls/s and a p50 no worse. The run fails if Berth is
//! slower than supergateway on either figure.

use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;

mod common;
use common::*;

/// The backend as supergateway reaches it: `docker run -i` of the image.
fn docker_run_calls(image: &str, concurrency: usize) -> Figures {
    on_own_thread(|| async {
        let mut child = tokio::process::Command::new("docker")
            .args([
                "run",
                "-i",
                "--rm",
                "--init",
                "--network",
                "none",
                "--label",
                "berth.bench=direct",
                image,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let (stdin, stdout) = (child.stdin.take().unwrap(), child.stdout.take().unwrap());
        let figures = line_calls(stdout, stdin, concurrency).await;
        // Its stdin is closed, so the container ends and `--rm` removes it.
        let _ = child.wait().await;
        figures
    })
}

/// The backend as Berth reaches it: a container attached through the engine's API.
fn attached_calls(image: &str, concurrency: usize) -> Figures {
    use berth_runtime::{ContainerRuntime, DockerEngine, Limits, NetworkMode, Owner, RunSpec};
    on_own_thread(|| async {
        let engine = DockerEngine::connect().await.unwrap();
        let spec = RunSpec {
            name: format!("berth-bench-attached-{}-{concurrency}", std::process::id()),
            image: image.to_owned(),
            command: vec![],
            env: vec![],
            mounts: vec![],
            limits: Limits::default(),
            network: NetworkMode::None,
            user: None,
            server: "bench".into(),
            session: None,
            owner: Owner::current(),
        };
        let id = engine.create(&spec).await.unwrap();
        let (stdout, stdin) = engine.attach(&id).await.unwrap().into_split();
        engine.start(&id).await.unwrap();
        let figures = line_calls(stdout, stdin, concurrency).await;
        engine.stop_and_remove(&id, 1).await.unwrap();
        figures
    })
}

/// `CALLS` echo calls with the rmcp client over one session at `url` with `concurrency` in flight.
async fn measure(url: &str, token: Option<&str>, concurrency: usize) -> Figures {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url);
    if let Some(t) = token {
        config = config.auth_header(t.to_owned());
    }
    let client = rmcp::serve_client((), StreamableHttpClientTransport::from_config(config))
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    let call = || {
        CallToolRequestParams::new("echo")
            .with_arguments(serde_json::json!({"message": "bench"}).as_object().cloned().unwrap())
    };
    for _ in 0..WARMUP {
        let r = client.call_tool(call()).await.unwrap();
        assert_ne!(r.is_error, Some(true), "{r:?}");
    }
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (peer, next) = (client.peer().clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < CALLS {
                let t = Instant::now();
                let r = peer.call_tool(call()).await.unwrap();
                assert_ne!(r.is_error, Some(true));
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(w.await.unwrap());
    }
    let elapsed = started.elapsed();
    let _ = client.cancel().await;
    Sample { latencies, elapsed }.figures()
}

fn main() -> ExitCode {
    let peers = match berth_testkit::peers() {
        Ok(p) => p,
        Err(why) => {
            eprintln!("gateway benchmark: {why}");
            return ExitCode::FAILURE;
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(run(peers))
}

fn row(name: &str, concurrency: usize, f: &Figures) {
    println!("  {name:<40} {concurrency:>5} {:>11.0} {:>9.3} {:>9.3}", f.calls_per_s, f.p50_ms, f.p99_ms);
}

fn header(client: &str) {
    println!("\n  {client}");
    println!("  {:<40} {:>5} {:>11} {:>9} {:>9}", "target", "conc.", "calls/s", "p50 ms", "p99 ms");
}

/// Berth against supergateway at one concurrency, as figures for (Berth, supergateway).
/// Whether Berth is slower on either figure, and the line that says how it compares.
fn compare(c: usize, b: &Figures, s: &Figures, bound: Option<f64>) -> (bool, String) {
    let ratio = b.calls_per_s / s.calls_per_s;
    let p50_ok = b.p50_ms <= s.p50_ms;
    let bound =
        bound.map(|x| format!(", at most {x:.2}x possible with this client and backend")).unwrap_or_default();
    let line = format!(
        "  concurrency {c:>2}: calls/s {ratio:.2}x supergateway (target >= 2x{bound}): {}; p50 {:.3} vs {:.3} ms (target no worse): {}",
        if ratio >= 2.0 { "ok" } else { "MISSED" },
        b.p50_ms,
        s.p50_ms,
        if p50_ok { "ok" } else { "MISSED" },
    );
    (ratio < 1.0 || !p50_ok, line)
}

async fn run(peers: &'static berth_testkit::Peers) -> ExitCode {
    let image = peers.everything_image.clone();
    println!(
        "gateway benchmark: `echo` calls over one MCP session per target, {WARMUP} warm-up calls first;"
    );
    println!("  backend server-everything over stdio in {image}");

    // Berth.
    let data = tempfile::tempdir().unwrap();
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    berth.add_catalog(&berth_testkit::catalog_entry("everything", "Everything", &image));
    let gateway = berth.http_gateway(&["--server", "everything"]);
    let (berth_url, token) = (gateway.url.clone(), gateway.token.clone());

    // supergateway, launching the same image.
    let port = berth_testkit::free_port();
    let _supergateway = berth_testkit::Process(
        Command::new(&peers.node)
            .arg(peers.module("supergateway/dist/index.js"))
            .arg("--stdio")
            .arg(format!("docker run -i --rm --init --network none --label berth.bench=supergateway {image}"))
            .args(["--outputTransport", "streamableHttp", "--stateful", "--logLevel", "none"])
            .args(["--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    berth_testkit::wait_for_port(port, Duration::from_secs(60));
    let super_url = format!("http://127.0.0.1:{port}/mcp");
    let trivial_url = serve_trivial().await;

    let mut slower = false;
    let mut verdicts = Vec::new();

    // The load generator, Berth and supergateway in alternating rounds.
    header(&format!(
        "load generator (HTTP/1.1, blocking sockets); {CALLS} calls per row, Berth and supergateway alternating in {ROUNDS} rounds"
    ));
    for concurrency in [1, 16] {
        let (t, b, s, d, a) = tokio::task::spawn_blocking({
            let (trivial_url, berth_url, super_url, token, image) =
                (trivial_url.clone(), berth_url.clone(), super_url.clone(), token.clone(), image.clone());
            move || {
                let trivial = load_session(&trivial_url, None);
                let ceiling = load_calls(&trivial, concurrency, CALLS).figures();
                let direct = docker_run_calls(&image, concurrency);
                let attached = attached_calls(&image, concurrency);
                let (berth, supergateway) =
                    (load_session(&berth_url, Some(&token)), load_session(&super_url, None));
                let (mut b, mut s) = (Sample::default(), Sample::default());
                for _ in 0..ROUNDS {
                    s.add(load_calls(&supergateway, concurrency, CALLS / ROUNDS));
                    b.add(load_calls(&berth, concurrency, CALLS / ROUNDS));
                }
                (ceiling, b.figures(), s.figures(), direct, attached)
            }
        })
        .await
        .unwrap();
        row("client ceiling (trivial server)", concurrency, &t);
        row("backend alone (docker run -i)", concurrency, &d);
        row("backend alone (engine attach API)", concurrency, &a);
        row("supergateway --stateful", concurrency, &s);
        row("Berth gateway", concurrency, &b);
        // A gateway that took no time at all would still cost the client's own p50 plus the
        // backend's, reached the quicker way.
        let bound = (concurrency == 1).then(|| s.p50_ms / (t.p50_ms + d.p50_ms.min(a.p50_ms)));
        let (worse, line) = compare(concurrency, &b, &s, bound);
        slower |= worse;
        verdicts.push(line);
    }

    // The rmcp client, as an SDK client sees the same gateways.
    header(&format!("rmcp client (streamable HTTP); {CALLS} calls per row"));
    let mut sdk = Vec::new();
    for concurrency in [1, 16] {
        let t = measure(&trivial_url, None, concurrency).await;
        row("client ceiling (trivial server)", concurrency, &t);
        let s = measure(&super_url, None, concurrency).await;
        row("supergateway --stateful", concurrency, &s);
        let b = measure(&berth_url, Some(&token), concurrency).await;
        row("Berth gateway", concurrency, &b);
        let (worse, line) = compare(concurrency, &b, &s, None);
        slower |= worse;
        sdk.push(line);
    }

    println!("\n  with the load generator:");
    verdicts.iter().for_each(|v| println!("{v}"));
    println!("  with the rmcp client:");
    sdk.iter().for_each(|v| println!("{v}"));
    drop(gateway);
    if slower { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
