//! `GatewayHost`: the HTTP gateway with one recorded backend per MCP session, and one per client
//! for stateless requests, as the desktop app and `berth gateway run --port` both run it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use berth_gateway::{
    BackendError, Caller, ClientTokens, HttpGateway, HttpLimits, Opening, SessionBackend, serve_http,
};
use tokio::sync::OnceCell;

use super::GatewayBackend;
use super::backend::backend_error;
use crate::{ApiError, Berth, ErrorCode};

/// The gateway recognises the tokens `berth client connect --http` issued, by their hash in the
/// store, on every request that does not carry the gateway's own token: a replaced or revoked
/// token stops working at once.
struct IssuedTokens(Berth);

#[async_trait::async_trait]
impl ClientTokens for IssuedTokens {
    async fn client(&self, token: &str) -> Option<String> {
        match self.0.client_for_token(token).await {
            Ok(client) => client,
            Err(e) => {
                tracing::warn!("could not check a client token: {}", e.message);
                None
            }
        }
    }
}

/// A caller's stateless session and when it was last asked for.
struct Kept {
    backend: Arc<OnceCell<Arc<GatewayBackend>>>,
    last: Instant,
}

/// Stateless requests (protocol 2026-07-28) carry no session; the token names it. Each caller's
/// requests share one backend, which ends after `idle` without a request.
#[derive(Default)]
struct Stateless {
    kept: Mutex<HashMap<Caller, Kept>>,
    /// Sessions being ended: the caller's next session waits for its last one to finish ending,
    /// so the two never hold the same servers at once.
    ending: Mutex<HashMap<Caller, Arc<GatewayBackend>>>,
}

impl Stateless {
    /// The caller's backend cell, marked as used now.
    fn cell(&self, caller: &Caller) -> Arc<OnceCell<Arc<GatewayBackend>>> {
        let mut kept = self.kept.lock().expect("stateless sessions");
        let k = kept
            .entry(caller.clone())
            .or_insert_with(|| Kept { backend: Default::default(), last: Instant::now() });
        k.last = Instant::now();
        k.backend.clone()
    }

    /// Moves the sessions idle for `idle` that no request holds to `ending`.
    fn take_idle(&self, idle: Duration) -> Vec<(Caller, Arc<GatewayBackend>)> {
        let mut kept = self.kept.lock().expect("stateless sessions");
        let mut out = Vec::new();
        kept.retain(|caller, k| {
            // A request in flight holds the cell (while it opens) or the backend (while it runs);
            // new holders only come through this map, under this lock.
            let unheld = Arc::strong_count(&k.backend) == 1
                && k.backend.get().is_none_or(|b| Arc::strong_count(b) == 1);
            if k.last.elapsed() < idle || !unheld {
                return true;
            }
            out.extend(k.backend.get().map(|b| (caller.clone(), b.clone())));
            false
        });
        let mut ending = self.ending.lock().expect("ending sessions");
        ending.extend(out.iter().cloned());
        out
    }

    /// The caller's last session, while it is being ended.
    fn ending(&self, caller: &Caller) -> Option<Arc<GatewayBackend>> {
        self.ending.lock().expect("ending sessions").get(caller).cloned()
    }

    fn ended(&self, caller: &Caller, backend: &Arc<GatewayBackend>) {
        let mut ending = self.ending.lock().expect("ending sessions");
        if ending.get(caller).is_some_and(|b| Arc::ptr_eq(b, backend)) {
            ending.remove(caller);
        }
    }

    fn take_all(&self) -> Vec<Arc<GatewayBackend>> {
        let mut all: Vec<_> = {
            let mut kept = self.kept.lock().expect("stateless sessions");
            kept.drain().filter_map(|(_, k)| k.backend.get().cloned()).collect()
        };
        all.extend(self.ending.lock().expect("ending sessions").drain().map(|(_, b)| b));
        all
    }
}

/// The servers each new session starts with.
#[derive(Clone)]
pub enum StartingServers {
    /// A list fixed when the gateway starts (`berth gateway run --server`).
    Fixed(Vec<String>),
    /// The desktop setting, read as each session opens, so a change applies to the next session.
    FromSettings,
}

impl StartingServers {
    async fn names(&self, berth: &Berth) -> Vec<String> {
        match self {
            Self::Fixed(names) => names.clone(),
            Self::FromSettings => berth.gateway_starting_servers().await.unwrap_or_else(|e| {
                tracing::warn!("could not read the servers sessions start with: {}", e.message);
                Vec::new()
            }),
        }
    }
}

/// The sessions a gateway opened, until it stops; `None` once it has, so a session whose opening
/// was under way then is closed as soon as it is open instead of being kept.
type Opened = Option<Vec<Weak<GatewayBackend>>>;

/// Keeps `backend` as a session of a running gateway, or closes it when the gateway has stopped.
async fn keep(
    opened: &Mutex<Opened>,
    backend: Arc<GatewayBackend>,
) -> Result<Arc<GatewayBackend>, BackendError> {
    {
        let mut opened = opened.lock().expect("sessions");
        if let Some(list) = opened.as_mut() {
            list.retain(|s| s.strong_count() > 0);
            list.push(Arc::downgrade(&backend));
            return Ok(backend);
        }
    }
    backend.close().await;
    Err(super::failure::said(crate::ErrorCode::Conflict, crate::msg!("msg.gateway.stopping")))
}

/// A running HTTP gateway and the sessions it opened.
pub struct GatewayHost {
    http: HttpGateway,
    /// Sessions end on their own (DELETE, idle timeout); those still open are closed on stop.
    sessions: Arc<Mutex<Opened>>,
    stateless: Arc<Stateless>,
    reaper: tokio::task::JoinHandle<()>,
}

impl GatewayHost {
    /// Listens on 127.0.0.1:`port` (0 picks a free one) for holders of `token` or of a client's
    /// token; sessions are named `<prefix>-<n>` (a client's stateless one `client-<client>`),
    /// start with `starting` servers and end after `limits.idle` without a request.
    pub async fn start(
        berth: Berth,
        port: u16,
        token: String,
        prefix: &str,
        starting: StartingServers,
        limits: HttpLimits,
    ) -> Result<Self, ApiError> {
        let idle = limits.idle;
        let sessions: Arc<Mutex<Opened>> = Arc::new(Mutex::new(Some(Vec::new())));
        let stateless: Arc<Stateless> = Default::default();
        let (made, shared) = (sessions.clone(), stateless.clone());
        let counter = Arc::new(AtomicU64::new(0));
        let prefix = prefix.to_owned();
        let tokens = Arc::new(IssuedTokens(berth.clone()));
        let http = serve_http(port, token, tokens, limits, move |how: Opening| {
            let (berth, starting, made, shared) =
                (berth.clone(), starting.clone(), made.clone(), shared.clone());
            let id = match &how {
                Opening::Session(_) => format!("{prefix}-{}", counter.fetch_add(1, Ordering::Relaxed)),
                Opening::Stateless(Caller::Client(client)) => format!("client-{client}"),
                Opening::Stateless(Caller::Gateway) => format!("{prefix}-stateless"),
            };
            async move {
                match how {
                    Opening::Session(caller) => {
                        let backend = Arc::new(open(berth, id, &caller, starting).await?);
                        let backend = keep(&made, backend).await?;
                        backend.accept_actions();
                        Ok(backend)
                    }
                    Opening::Stateless(caller) => {
                        let cell = shared.cell(&caller);
                        let backend = cell
                            .get_or_try_init(|| async {
                                if let Some(last) = shared.ending(&caller) {
                                    last.close().await;
                                }
                                let backend = open(berth, id, &caller, starting).await?;
                                let backend = Arc::new(backend.with_recorded_servers().await);
                                // Listed like the others, so a stop under way closes it; a
                                // session closed twice ends once.
                                let backend = keep(&made, backend).await?;
                                backend.accept_actions();
                                Ok::<_, BackendError>(backend)
                            })
                            .await?;
                        Ok(backend.clone())
                    }
                }
            }
        })
        .await
        .map_err(|e| {
            ApiError::msg(
                ErrorCode::Conflict,
                crate::msg!("msg.gateway.cannot_listen", port = port, reason = e),
            )
        })?;
        let reaper = tokio::spawn(reap(stateless.clone(), idle));
        Ok(Self { http, sessions, stateless, reaper })
    }

    pub fn url(&self) -> String {
        self.http.url()
    }

    /// Stops accepting and ends every session, stopping the servers they added; a session still
    /// opening is closed as soon as it is open.
    pub async fn stop(self) {
        self.http.shutdown();
        self.reaper.abort();
        let taken = self.sessions.lock().expect("sessions").take().unwrap_or_default();
        let mut open: Vec<_> = taken.into_iter().filter_map(|s| s.upgrade()).collect();
        open.extend(self.stateless.take_all());
        // Sessions are independent; closing them together keeps shutdown short.
        futures_util::future::join_all(open.iter().map(|s| s.close())).await;
    }
}

/// A session's backend, recorded with the client it serves.
async fn open(
    berth: Berth,
    id: String,
    caller: &Caller,
    starting: StartingServers,
) -> Result<GatewayBackend, BackendError> {
    let starting = starting.names(&berth).await;
    let client = match caller {
        Caller::Client(c) => Some(c.as_str()),
        Caller::Gateway => None,
    };
    let backend = GatewayBackend::start(berth, id, "http", client).await.map_err(backend_error)?;
    Ok(backend.with_starting_servers(starting))
}

/// Ends stateless sessions left idle, checking a few times per idle period.
async fn reap(stateless: Arc<Stateless>, idle: Duration) {
    let every = (idle / 4).clamp(Duration::from_millis(250), Duration::from_secs(30));
    loop {
        tokio::time::sleep(every).await;
        let idle_ones = stateless.take_idle(idle);
        futures_util::future::join_all(idle_ones.iter().map(|(caller, backend)| async {
            backend.close().await;
            stateless.ended(caller, backend);
        }))
        .await;
    }
}
