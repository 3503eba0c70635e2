//! What the gateway and bridge benchmarks share: the JSON-RPC messages, a load generator over
//! HTTP and one over stdio lines, a trivial rmcp backend on streamable HTTP, and the figures.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock, ServerCapabilities, ServerConfig};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};

/// The JSON-RPC messages both load generators send: over HTTP, and as lines on the backend's
/// stdio.
pub mod messages {
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
pub mod load {
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

pub const CALLS: usize = 3000;
pub const WARMUP: usize = 200;
/// Berth and supergateway take turns this many times per concurrency, `CALLS / ROUNDS` calls each.
pub const ROUNDS: usize = 3;

/// The trivial server for the client's ceiling: `echo` answers at once.
#[derive(Clone)]
pub struct Trivial;

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

pub async fn serve_trivial() -> String {
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

pub struct Figures {
    pub calls_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// What some calls took, added up over rounds.
#[derive(Default)]
pub struct Sample {
    pub latencies: Vec<Duration>,
    pub elapsed: Duration,
}

impl Sample {
    pub fn add(&mut self, other: Sample) {
        self.latencies.extend(other.latencies);
        self.elapsed += other.elapsed;
    }

    pub fn figures(mut self) -> Figures {
        self.latencies.sort();
        let n = self.latencies.len();
        let at = |q: f64| self.latencies[((n as f64 * q) as usize).min(n - 1)].as_secs_f64() * 1e3;
        Figures { calls_per_s: n as f64 / self.elapsed.as_secs_f64(), p50_ms: at(0.50), p99_ms: at(0.99) }
    }
}

/// `calls` echo calls over `session` from `concurrency` threads, a connection each. Connecting is
/// not timed.
pub fn load_calls(session: &Arc<load::Session>, concurrency: usize, calls: usize) -> Sample {
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
pub fn load_session(url: &str, token: Option<&str>) -> Arc<load::Session> {
    let session = Arc::new(load::Session::open(url, token));
    load_calls(&session, 1, WARMUP);
    session
}

/// The backend alone, with the load generator's manners: JSON lines written straight to its
/// stdin and read from its stdout, `concurrency` calls in flight, on a thread of its own.
pub async fn line_calls<R, W>(stdout: R, mut stdin: W, concurrency: usize) -> Figures
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
pub fn on_own_thread<F: std::future::Future<Output = Figures>>(f: impl FnOnce() -> F) -> Figures {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f())
}
