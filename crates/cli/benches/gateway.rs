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

use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock, ServerCapabilities, ServerConfig};
use rmcp::service::RequestContext;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ErrorData, RoleServer, ServerHandler};

/// The JSON-RPC messages both load generators send: over HTTP, and as lines on the backend's
/// stdio.
mod messages {
    pub const PROTOCOL: &str = "2025-06-18";

    pub fn initialize() -> String {
        format!(
            r#"{{"jsonrpc":"2.0","id":0,"method":"initialize","params":{{"protocolVersion":"{PROTOCOL}","capabilities":{{}},"clientInfo":{{"name":"berth-bench","version":"1"}}}}}}"#
        )
    }

    pub const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

    /// The `echo` call numbered `id`.
    pub fn echo_call(id: usize) -> String {
        format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"echo","arguments":{{"message":"bench"}}}}}}"#
        )
    }
}

/// The load generator: plain HTTP/1.1 on blocking sockets, one kept-alive connection and one
/// thread per call in flight, requests formatted from a template and responses read whole (by
/// length or chunk by chunk) and checked for the echo. It does what an MCP client must
/// (initialize, session id, protocol version header) and nothing else, so the figures are the
/// servers' and not the client's.
mod load {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;

    use super::messages::{INITIALIZED, PROTOCOL, echo_call, initialize};

    /// One MCP session: where it is and the headers every request carries.
    pub struct Session {
        addr: String,
        headers: String,
    }

    /// One kept-alive connection.
    pub struct Conn {
        reader: BufReader<TcpStream>,
        writer: TcpStream,
    }

    impl Session {
        pub fn open(url: &str, token: Option<&str>) -> Session {
            let addr = url.trim_start_matches("http://").trim_end_matches("/mcp").to_owned();
            let mut headers = format!(
                "Host: {addr}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMCP-Protocol-Version: {PROTOCOL}\r\n"
            );
            if let Some(t) = token {
                headers.push_str(&format!("Authorization: Bearer {t}\r\n"));
            }
            let mut session = Session { addr, headers };
            let mut c = session.connect();
            let (head, body) = c.post(&session.headers, &initialize());
            assert!(body.contains("protocolVersion"), "initialize failed: {head}{body}");
            if let Some(id) = head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("mcp-session-id").then(|| v.trim().to_owned())
            }) {
                session.headers.push_str(&format!("Mcp-Session-Id: {id}\r\n"));
            }
            c.post(&session.headers, INITIALIZED);
            session
        }

        pub fn connect(&self) -> Conn {
            let stream = TcpStream::connect(&self.addr).unwrap();
            stream.set_nodelay(true).unwrap();
            Conn { reader: BufReader::new(stream.try_clone().unwrap()), writer: stream }
        }

        pub fn echo(&self, c: &mut Conn, id: usize) {
            let (head, reply) = c.post(&self.headers, &echo_call(id));
            assert!(reply.contains("Echo: ") && reply.contains("bench"), "unexpected reply: {head}{reply}");
        }
    }

    impl Conn {
        /// One request and its whole response: (status line and headers, body).
        fn post(&mut self, headers: &str, body: &str) -> (String, String) {
            let request =
                format!("POST /mcp HTTP/1.1\r\n{headers}Content-Length: {}\r\n\r\n{body}", body.len());
            self.writer.write_all(request.as_bytes()).unwrap();
            let mut head = String::new();
            loop {
                let n = self.reader.read_line(&mut head).unwrap();
                assert!(n > 0, "the server closed the connection");
                if head.ends_with("\r\n\r\n") {
                    break;
                }
            }
            let header = |name: &str| {
                head.lines().find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case(name).then(|| v.trim().to_ascii_lowercase())
                })
            };
            let mut body = Vec::new();
            if let Some(len) = header("content-length") {
                body.resize(len.parse().unwrap(), 0);
                self.reader.read_exact(&mut body).unwrap();
            } else if header("transfer-encoding").as_deref() == Some("chunked") {
                let mut line = String::new();
                loop {
                    line.clear();
                    self.reader.read_line(&mut line).unwrap();
                    let size = usize::from_str_radix(line.trim().split(';').next().unwrap(), 16).unwrap();
                    let start = body.len();
                    body.resize(start + size + 2, 0);
                    self.reader.read_exact(&mut body[start..]).unwrap();
                    body.truncate(start + size);
                    if size == 0 {
                        break;
                    }
                }
            }
            (head, String::from_utf8(body).unwrap())
        }
    }
}

const CALLS: usize = 3000;
const WARMUP: usize = 200;
/// Berth and supergateway take turns this many times per concurrency, `CALLS / ROUNDS` calls each.
const ROUNDS: usize = 3;

/// The trivial server for the client's ceiling: `echo` answers at once.
#[derive(Clone)]
struct Trivial;

impl ServerHandler for Trivial {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::CallToolResponse, ErrorData> {
        let text = request.arguments.and_then(|a| a.get("message").cloned()).unwrap_or_default();
        Ok(CallToolResult::success(vec![ContentBlock::text(format!("Echo: {text}"))]).into())
    }
}

async fn serve_trivial() -> String {
    use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
    use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = StreamableHttpService::new(
        || Ok(Trivial),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default(),
    );
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let _ = stream.set_nodelay(true);
            let service = service.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req| {
                    let mut service = service.clone();
                    async move { tower_service::Service::call(&mut service, req).await }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    format!("http://{addr}/mcp")
}

struct Figures {
    calls_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// What some calls took, added up over rounds.
#[derive(Default)]
struct Sample {
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl Sample {
    fn add(&mut self, other: Sample) {
        self.latencies.extend(other.latencies);
        self.elapsed += other.elapsed;
    }

    fn figures(mut self) -> Figures {
        self.latencies.sort();
        let n = self.latencies.len();
        let at = |q: f64| self.latencies[((n as f64 * q) as usize).min(n - 1)].as_secs_f64() * 1e3;
        Figures { calls_per_s: n as f64 / self.elapsed.as_secs_f64(), p50_ms: at(0.50), p99_ms: at(0.99) }
    }
}

/// `calls` echo calls over `session` from `concurrency` threads, a connection each. Connecting is
/// not timed.
fn load_calls(session: &Arc<load::Session>, concurrency: usize, calls: usize) -> Sample {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(std::sync::Barrier::new(concurrency + 1));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (session, next, start) = (session.clone(), next.clone(), start.clone());
            std::thread::spawn(move || {
                let mut conn = session.connect();
                start.wait();
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= calls {
                        return latencies;
                    }
                    let t = Instant::now();
                    session.echo(&mut conn, i + 1);
                    latencies.push(t.elapsed());
                }
            })
        })
        .collect();
    start.wait();
    let started = Instant::now();
    let latencies = workers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    Sample { latencies, elapsed: started.elapsed() }
}

/// An MCP session for the load generator, warmed up.
fn load_session(url: &str, token: Option<&str>) -> Arc<load::Session> {
    let session = Arc::new(load::Session::open(url, token));
    load_calls(&session, 1, WARMUP);
    session
}

/// The backend alone, with the load generator's manners: JSON lines written straight to its
/// stdin and read from its stdout, `concurrency` calls in flight, on a thread of its own.
async fn line_calls<R, W>(stdout: R, mut stdin: W, concurrency: usize) -> Figures
where
    R: tokio::io::AsyncRead + Unpin,
    W: tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let mut stdout = tokio::io::BufReader::new(stdout);
    let mut line = String::new();
    async fn send<W: tokio::io::AsyncWrite + Unpin>(stdin: &mut W, text: &str) {
        stdin.write_all(format!("{text}\n").as_bytes()).await.unwrap();
        stdin.flush().await.unwrap();
    }
    send(&mut stdin, &messages::initialize()).await;
    stdout.read_line(&mut line).await.unwrap();
    assert!(line.contains("protocolVersion"), "the backend did not initialize: {line}");
    send(&mut stdin, messages::INITIALIZED).await;
    let total = WARMUP + CALLS;
    let mut sent_at = std::collections::HashMap::new();
    let mut latencies = Vec::new();
    let mut next = 1;
    let mut started = Instant::now();
    while next <= concurrency {
        sent_at.insert(next, Instant::now());
        send(&mut stdin, &messages::echo_call(next)).await;
        next += 1;
    }
    let mut done = 0;
    while done < total {
        line.clear();
        assert!(stdout.read_line(&mut line).await.unwrap() > 0, "the backend ended");
        let reply: serde_json::Value = serde_json::from_str(&line).unwrap();
        let Some(id) = reply["id"].as_u64() else { continue };
        assert!(line.contains("Echo: "), "unexpected reply: {line}");
        let latency = sent_at.remove(&(id as usize)).unwrap().elapsed();
        done += 1;
        if done == WARMUP {
            latencies.clear();
            started = Instant::now();
        } else if done > WARMUP {
            latencies.push(latency);
        }
        if next <= total {
            sent_at.insert(next, Instant::now());
            send(&mut stdin, &messages::echo_call(next)).await;
            next += 1;
        }
    }
    Sample { elapsed: started.elapsed(), latencies }.figures()
}

/// Runs `f` on a single-threaded runtime of its own, as the load generator's threads are.
fn on_own_thread<F: std::future::Future<Output = Figures>>(f: impl FnOnce() -> F) -> Figures {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f())
}

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
