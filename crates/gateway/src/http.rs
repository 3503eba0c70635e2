//! The gateway over streamable HTTP on 127.0.0.1: `/health` is open; `/mcp` needs a bearer token
//! (the gateway's own, or one issued to a client), and Host and Origin must name this loopback
//! listener (no DNS rebinding). Each MCP session gets its own backend from the opener, closed when
//! the session ends; stateless requests share their caller's.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt, BodyStream, Full, StreamBody, combinators::BoxBody};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use rmcp::transport::common::server_side_http::SessionId;
use rmcp::transport::streamable_http_server::session::SessionManager;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::book::SessionBook;
use crate::{GatewaySession, SessionBackend, SessionOpener};

/// Who presented a request's bearer token. The door puts it in the request's extensions, where a
/// session finds it to tell one client's stateless requests from another's.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Caller {
    /// The gateway's own token.
    Gateway,
    /// The token issued to this client (`berth client connect --http`).
    Client(String),
}

/// Recognises the tokens issued to clients. Asked only for a token that is not the gateway's own,
/// so a revoked or replaced token stops working at once.
#[async_trait::async_trait]
pub trait ClientTokens: Send + Sync + 'static {
    /// The client `token` was issued to, if any.
    async fn client(&self, token: &str) -> Option<String>;
}

/// No client tokens: only the gateway's own token opens the door.
pub struct NoClientTokens;

#[async_trait::async_trait]
impl ClientTokens for NoClientTokens {
    async fn client(&self, _token: &str) -> Option<String> {
        None
    }
}

type Body = BoxBody<Bytes, Infallible>;

fn reply(status: StatusCode, text: &str) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from(text.to_owned())).boxed());
    *r.status_mut() = status;
    r
}

/// Compares without an early exit, so response timing does not reveal how much of a guess matched.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The names a browser or client may use for this listener.
fn local_authorities(port: u16) -> [String; 3] {
    [format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}")]
}

/// How long the start of a POST's event stream is held back. The stream of a request opens at
/// once, with a priming event, but its answer follows only when the servers have replied; sent as
/// they come, the head and the rest go out as separate writes, each waking the client. An answer
/// that comes within this time leaves with the rest as one response of known length; a longer
/// call's stream goes out as it was, this much later.
const HOLD: Duration = Duration::from_millis(25);

/// Holds an event stream's first frames for up to [`HOLD`]; see there.
async fn coalesce(response: Response<Body>) -> Response<Body> {
    let (parts, mut body) = response.into_parts();
    let mut held = bytes::BytesMut::new();
    let deadline = tokio::time::sleep(HOLD);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            biased;
            frame = body.frame() => match frame {
                Some(Ok(frame)) => {
                    // An event stream carries data only; there are no trailers to keep.
                    if let Ok(data) = frame.into_data() {
                        held.extend_from_slice(&data);
                    }
                }
                None => return Response::from_parts(parts, Full::new(held.freeze()).boxed()),
            },
            _ = &mut deadline => break,
        }
    }
    let first = (!held.is_empty()).then(|| Ok(hyper::body::Frame::data(held.freeze())));
    let rest = futures_util::stream::iter(first).chain(BodyStream::new(body));
    Response::from_parts(parts, BodyExt::boxed(StreamBody::new(rest)))
}

fn is_event_stream(response: &Response<Body>) -> bool {
    response
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"))
}

/// Why a request was turned away.
struct Refusal(StatusCode, &'static str);

impl Refusal {
    fn response(self) -> Response<Body> {
        let mut r = reply(self.0, self.1);
        if self.0 == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(hyper::header::WWW_AUTHENTICATE, "Bearer".parse().expect("static header"));
        }
        r
    }
}

/// What a request must present, worked out once per listener rather than per request.
struct Door {
    token: String,
    clients: Arc<dyn ClientTokens>,
    hosts: [String; 3],
    origins: [String; 3],
}

impl Door {
    fn new(token: String, clients: Arc<dyn ClientTokens>, port: u16) -> Self {
        let hosts = local_authorities(port);
        let origins = hosts.clone().map(|h| format!("http://{h}"));
        Self { token, clients, hosts, origins }
    }
}

/// Checks one request before it reaches MCP, and says who sent it.
async fn admit(req: &Request<Incoming>, door: &Door) -> Result<Caller, Refusal> {
    // One Host and at most one Origin: with two, a proxy and this door could each read another.
    let headers = req.headers();
    if headers.get_all(hyper::header::HOST).iter().count() > 1
        || headers.get_all(hyper::header::ORIGIN).iter().count() > 1
    {
        return Err(Refusal(StatusCode::BAD_REQUEST, "a request names its Host and Origin once"));
    }
    let host = headers.get(hyper::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if !door.hosts.iter().any(|a| a.eq_ignore_ascii_case(host)) {
        return Err(Refusal(StatusCode::FORBIDDEN, "the Host header does not name this gateway"));
    }
    // An absolute-form target (`POST http://other.example/mcp`) must name this gateway too.
    if let Some(authority) = req.uri().authority()
        && !door.hosts.iter().any(|a| a.eq_ignore_ascii_case(authority.as_str()))
    {
        return Err(Refusal(StatusCode::FORBIDDEN, "the request's target does not name this gateway"));
    }
    if let Some(origin) = req.headers().get(hyper::header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let ok = door.origins.iter().any(|o| origin.eq_ignore_ascii_case(o));
        if !ok {
            return Err(Refusal(
                StatusCode::FORBIDDEN,
                "requests from web pages on other origins are refused",
            ));
        }
    }
    let presented = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or("");
    if same(presented.as_bytes(), door.token.as_bytes()) {
        return Ok(Caller::Gateway);
    }
    if !presented.is_empty()
        && let Some(client) = door.clients.client(presented).await
    {
        return Ok(Caller::Client(client));
    }
    Err(Refusal(StatusCode::UNAUTHORIZED, "a valid bearer token is required"))
}

/// A running HTTP gateway; dropping it (or `shutdown`) stops accepting.
pub struct HttpGateway {
    pub addr: SocketAddr,
    cancel: CancellationToken,
}

impl HttpGateway {
    /// The MCP endpoint URL.
    pub fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    pub fn shutdown(&self) {
        self.cancel.cancel();
    }
}

impl Drop for HttpGateway {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// How long an HTTP session may go without a request before it ends and its servers stop,
/// unless the caller chooses otherwise.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// The gateway's limits over HTTP.
#[derive(Clone, Debug)]
pub struct HttpLimits {
    /// How long a session may go without a request before it ends and its servers stop.
    pub idle: Duration,
    /// How long a connection may take to send a request's headers, and how long a kept-alive
    /// connection may wait for its next request, before it is closed.
    pub headers: Duration,
    /// Open sessions one caller (a client's token, or the gateway's own) may have; opening one
    /// more closes the caller's least recently used.
    pub sessions_per_caller: usize,
    /// Open sessions in all; opening one more closes the least recently used.
    pub sessions: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self { idle: IDLE_TIMEOUT, headers: Duration::from_secs(30), sessions_per_caller: 32, sessions: 128 }
    }
}

/// The longest wait between tries while accepting fails.
const MOST_BACKOFF: Duration = Duration::from_millis(250);

/// Accepts the next connection. While the process is out of file handles (or the kernel out of
/// buffers), accepting fails until a connection closes; trying again at once would spin and log
/// without end, so it waits, twice as long each time up to [`MOST_BACKOFF`], and says so once.
async fn accept(listener: &TcpListener, failing: &mut Option<Duration>) -> TcpStream {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                if failing.take().is_some() {
                    tracing::info!("the gateway accepts connections again");
                }
                return stream;
            }
            Err(e) => {
                let wait = match *failing {
                    None => {
                        tracing::warn!(
                            "the gateway cannot accept connections ({e}); it tries again as open connections close"
                        );
                        Duration::from_millis(10)
                    }
                    Some(last) => (last * 2).min(MOST_BACKOFF),
                };
                *failing = Some(wait);
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// The most a request body may hold (rmcp's own limit, applied here to bodies read early).
const MOST_BODY: usize = 4 * 1024 * 1024;

/// The most an `initialize` request may hold. A session keeps what its client sent at
/// `initialize` for as long as it lasts, and real clients send a few kilobytes.
pub const MOST_INITIALIZE: usize = 64 * 1024;

type InBody = http_body_util::Either<Incoming, Full<Bytes>>;

/// Reads a POST that opens no session yet (an `initialize`, or a stateless request) whole, and
/// refuses an `initialize` larger than [`MOST_INITIALIZE`]; other requests pass as they came.
async fn early_read(req: Request<Incoming>, opens: bool) -> Result<Request<InBody>, Response<Body>> {
    if !opens {
        return Ok(req.map(http_body_util::Either::Left));
    }
    let (parts, body) = req.into_parts();
    let bytes = match http_body_util::Limited::new(body, MOST_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            let text = format!("Payload Too Large: request body exceeds {MOST_BODY} bytes");
            return Err(reply(StatusCode::PAYLOAD_TOO_LARGE, &text));
        }
    };
    if bytes.len() > MOST_INITIALIZE && is_initialize(&bytes) {
        let text = format!("An initialize request may hold at most {MOST_INITIALIZE} bytes");
        return Err(reply(StatusCode::PAYLOAD_TOO_LARGE, &text));
    }
    Ok(Request::from_parts(parts, http_body_util::Either::Right(Full::new(bytes))))
}

/// Whether a JSON-RPC body is an `initialize` request (anything unreadable is left to rmcp).
fn is_initialize(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Method<'a> {
        #[serde(borrow)]
        method: Option<std::borrow::Cow<'a, str>>,
    }
    serde_json::from_slice::<Method>(body).is_ok_and(|m| m.method.as_deref() == Some("initialize"))
}

/// A body rmcp could not read as JSON-RPC: the JSON-RPC parse error, with HTTP's 400.
fn parse_error() -> Response<Body> {
    let body = r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error: the request body is not a JSON-RPC message"}}"#;
    let mut r = reply(StatusCode::BAD_REQUEST, body);
    r.headers_mut().insert(hyper::header::CONTENT_TYPE, "application/json".parse().expect("static header"));
    r
}

/// The `Mcp-Session-Id` a request names or a response assigns.
fn session_id(headers: &hyper::HeaderMap) -> Option<String> {
    headers.get("mcp-session-id").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn says_json(req: &Request<Incoming>) -> bool {
    req.headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"))
}

/// Serves the gateway on `127.0.0.1:port` (0 picks a free port) to holders of `token` or of a
/// token `clients` recognises. `opener` opens one backend per MCP session, on its first request;
/// the backend is closed when the session ends (DELETE, no request for `limits.idle`, or the
/// gateway stopping). For a stateless request it gives the backend its caller's requests share.
pub async fn serve_http<B, O>(
    port: u16,
    token: String,
    clients: Arc<dyn ClientTokens>,
    limits: HttpLimits,
    opener: O,
) -> std::io::Result<HttpGateway>
where
    B: SessionBackend,
    O: SessionOpener<B>,
{
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let port = addr.port();
    let cancel = CancellationToken::new();
    let config = StreamableHttpServerConfig::default()
        .with_cancellation_token(cancel.child_token())
        .with_allowed_hosts(
            local_authorities(port).into_iter().chain(["127.0.0.1".into(), "localhost".into()]),
        );
    let opener: Arc<dyn SessionOpener<B>> = Arc::new(opener);
    let mut sessions = LocalSessionManager::default();
    sessions.session_config.keep_alive = Some(limits.idle);
    let sessions = Arc::new(sessions);
    let book = Arc::new(SessionBook::new(limits.sessions_per_caller, limits.sessions));
    let mcp = StreamableHttpService::new(
        move || Ok(GatewaySession::opening(opener.clone())),
        sessions.clone(),
        config,
    );
    let door = Arc::new(Door::new(token, clients, port));
    let stop = cancel.clone();
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1.timer(TokioTimer::new()).header_read_timeout(limits.headers);
    tokio::spawn(async move {
        let mut failing = None;
        loop {
            let stream = tokio::select! {
                _ = stop.cancelled() => return,
                stream = accept(&listener, &mut failing) => stream,
            };
            // Small JSON-RPC messages must not wait for Nagle's algorithm.
            let _ = stream.set_nodelay(true);
            let mcp = mcp.clone();
            let door = door.clone();
            let (book, sessions) = (book.clone(), sessions.clone());
            let conn_stop = stop.clone();
            let http1 = http1.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                    let mut mcp = mcp.clone();
                    let door = door.clone();
                    let (book, sessions) = (book.clone(), sessions.clone());
                    async move {
                        if req.uri().path() == "/health" {
                            return Ok::<_, Infallible>(reply(StatusCode::OK, "ok"));
                        }
                        let caller = match admit(&req, &door).await {
                            Ok(caller) => {
                                req.extensions_mut().insert(caller.clone());
                                caller
                            }
                            Err(refusal) => return Ok(refusal.response()),
                        };
                        if req.uri().path() != "/mcp" {
                            return Ok(reply(StatusCode::NOT_FOUND, "the MCP endpoint is /mcp"));
                        }
                        // A GET opens a stream meant to stay open; only a POST's ends with its answer.
                        let post = req.method() == hyper::Method::POST;
                        let json = post && says_json(&req);
                        let session = session_id(req.headers());
                        if let Some(id) = &session {
                            book.used(id);
                        }
                        let delete = req.method() == hyper::Method::DELETE;
                        let req = match early_read(req, post && session.is_none()).await {
                            Ok(req) => req,
                            Err(refused) => return Ok(refused),
                        };
                        let response = tower_service::Service::call(&mut mcp, req).await?;
                        match (&session, session_id(response.headers())) {
                            (Some(id), _) if delete => book.ended(id),
                            (None, Some(opened)) => {
                                for id in book.opened(&opened, &caller) {
                                    let sessions = sessions.clone();
                                    tokio::spawn(async move {
                                        let _ = sessions.close_session(&SessionId::from(id)).await;
                                    });
                                }
                            }
                            _ => {}
                        }
                        // rmcp answers a JSON body it cannot read as it answers a body that is not
                        // JSON at all (415); a client needs to know its JSON was at fault.
                        if json && response.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
                            return Ok(parse_error());
                        }
                        Ok(if post && is_event_stream(&response) {
                            coalesce(response).await
                        } else {
                            response
                        })
                    }
                });
                let conn = http1.serve_connection(TokioIo::new(stream), service);
                tokio::pin!(conn);
                // A kept-alive connection must not outlive the gateway being turned off.
                let result = tokio::select! {
                    r = conn.as_mut() => r,
                    _ = conn_stop.cancelled() => {
                        conn.as_mut().graceful_shutdown();
                        // An open event stream never completes on its own; give requests in
                        // flight a moment, then drop the connection.
                        match tokio::time::timeout(Duration::from_secs(2), conn).await {
                            Ok(r) => r,
                            Err(_) => Ok(()),
                        }
                    }
                };
                if let Err(e) = result {
                    tracing::debug!("gateway connection ended: {e}");
                }
            });
        }
    });
    Ok(HttpGateway { addr, cancel })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_comparison_is_exact() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
        assert!(!same(b"", b"a"));
    }
}
