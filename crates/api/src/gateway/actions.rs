//! Actions on a live gateway session from the Sessions page or `berth session ...`: add, remove
//! or configure a server, run a tool. The process serving the session carries them out: at once
//! when that is this process, otherwise through the store's action queue, which every process
//! serving sessions watches.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use berth_gateway::SessionBackend;
use berth_runtime::Owner;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ts_rs::TS;

use berth_servers::CallExit;

use super::GatewayBackend;
use crate::{ApiError, Berth, ErrorCode};

/// How often a process serving sessions looks for actions asked of them.
const WATCH_EVERY: Duration = Duration::from_millis(100);

/// What to do in a session.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum SessionAction {
    /// Start a catalog server in the session (`config` as its schema asks).
    Add {
        server: String,
        #[serde(default)]
        #[ts(optional)]
        config: Option<Value>,
    },
    /// Stop a server and take it out of the session.
    Remove { server: String },
    /// Validate and apply a server's new configuration; it restarts with it.
    ConfigSet { server: String, config: Value },
    /// Run one of the session's tools.
    Exec {
        server: String,
        tool: String,
        #[serde(default)]
        #[ts(type = "Record<string, unknown>")]
        arguments: Map<String, Value>,
    },
}

/// What an action did.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum SessionActionOutcome {
    Added {
        server: String,
        tools: Vec<String>,
    },
    Removed {
        server: String,
    },
    ConfigChanged {
        server: String,
        old: Value,
        new: Value,
    },
    /// `exit_code`: 0 ok, 1 tool error, 2 transport error or timeout.
    Executed {
        output: String,
        #[ts(type = "number")]
        exit_code: CallExit,
        started_at: String,
        ended_at: String,
        duration_ms: u64,
    },
}

impl SessionAction {
    /// How long the asker waits: adding may pull an image; a tool call has its own limit.
    fn patience(&self) -> Duration {
        match self {
            Self::Add { .. } | Self::ConfigSet { .. } => Duration::from_secs(600),
            Self::Exec { .. } => Duration::from_secs(150),
            Self::Remove { .. } => Duration::from_secs(60),
        }
    }
}

/// The sessions this process serves, by id.
#[derive(Default)]
pub struct LiveSessions {
    map: Mutex<HashMap<String, Weak<GatewayBackend>>>,
    watching: AtomicBool,
}

impl LiveSessions {
    fn get(&self, id: &str) -> Option<Arc<GatewayBackend>> {
        self.map.lock().expect("live sessions").get(id).and_then(Weak::upgrade)
    }

    fn ids(&self) -> Vec<String> {
        let mut map = self.map.lock().expect("live sessions");
        map.retain(|_, b| b.strong_count() > 0);
        map.keys().cloned().collect()
    }

    pub(crate) fn forget(&self, id: &str) {
        self.map.lock().expect("live sessions").remove(id);
    }

    /// Registers a session this process serves, and watches the queue while there are any.
    pub(crate) fn register(&self, backend: &Arc<GatewayBackend>) {
        self.map.lock().expect("live sessions").insert(backend.session.clone(), Arc::downgrade(backend));
        if !self.watching.swap(true, Ordering::SeqCst) {
            tokio::spawn(watch(backend.berth.clone()));
        }
    }
}

fn failed(e: berth_gateway::BackendError) -> ApiError {
    super::failure::api_error(e)
}

/// Carries `action` out in `backend`'s session and tells its client what changed.
async fn perform(backend: &GatewayBackend, action: SessionAction) -> Result<SessionActionOutcome, ApiError> {
    let outcome = match action {
        SessionAction::Add { server, config } => {
            let tools = backend.add(&server, config.unwrap_or(Value::Null)).await.map_err(failed)?;
            let tools = tools.iter().map(|t| t.name().to_owned()).collect();
            SessionActionOutcome::Added { server, tools }
        }
        SessionAction::Remove { server } => {
            backend.remove(&server).await.map_err(failed)?;
            SessionActionOutcome::Removed { server }
        }
        SessionAction::ConfigSet { server, config } => {
            let change = backend.config_set(&server, config).await.map_err(failed)?;
            SessionActionOutcome::ConfigChanged { server: change.server, old: change.old, new: change.new }
        }
        SessionAction::Exec { server, tool, arguments } => {
            let o = backend.call(&server, &tool, arguments).await.map_err(failed)?;
            return Ok(SessionActionOutcome::Executed {
                output: o.output,
                exit_code: o.exit_code,
                started_at: o.started_at,
                ended_at: o.ended_at,
                duration_ms: o.duration_ms,
            });
        }
    };
    backend.relay().lists_changed().await;
    Ok(outcome)
}

/// Takes up the actions asked of this process's sessions, until it serves none.
async fn watch(berth: Berth) {
    let live = berth.live_sessions.clone();
    loop {
        tokio::time::sleep(WATCH_EVERY).await;
        let ids = live.ids();
        if ids.is_empty() {
            live.watching.store(false, Ordering::SeqCst);
            // A session registered meanwhile saw the flag still set and relies on this watcher.
            if live.ids().is_empty() || live.watching.swap(true, Ordering::SeqCst) {
                return;
            }
            continue;
        }
        let claimed = match berth.store.claim_session_actions(&ids).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("could not read the actions asked of this process's sessions: {e}");
                continue;
            }
        };
        for row in claimed {
            let (berth, backend) = (berth.clone(), live.get(&row.session_id));
            tokio::spawn(async move {
                let result = match (backend, serde_json::from_str::<SessionAction>(&row.action)) {
                    (Some(b), Ok(action)) => perform(&b, action).await,
                    (None, _) => Err(ApiError::msg(ErrorCode::Conflict, crate::msg!("msg.session.over"))),
                    (_, Err(e)) => Err(ApiError::msg(
                        ErrorCode::Validation,
                        crate::msg!("msg.session.bad_action", reason = e),
                    )),
                };
                let encoded = serde_json::to_string(&result).unwrap_or_default();
                if let Err(e) = berth.store.finish_session_action(row.id, &encoded).await {
                    tracing::warn!("could not record the outcome of a session action: {e}");
                }
            });
        }
    }
}

fn owner_alive(row: &berth_store::SessionRow) -> bool {
    row.owner.as_deref().and_then(Owner::parse).is_some_and(|o| o.is_alive())
}

impl Berth {
    /// Carries `action` out in the live session `session`, wherever it is served.
    pub async fn act_on_session(
        &self,
        session: &str,
        action: SessionAction,
    ) -> Result<SessionActionOutcome, ApiError> {
        if let Some(backend) = self.live_sessions.get(session) {
            return perform(&backend, action).await;
        }
        let ended =
            || ApiError::msg(ErrorCode::Conflict, crate::msg!("msg.session.ended", session = session));
        let row = self.store.session(session).await?.ok_or_else(|| {
            ApiError::msg(ErrorCode::NotFound, crate::msg!("msg.session.unknown", session = session))
        })?;
        if row.ended_at.is_some() || !owner_alive(&row) {
            return Err(ended());
        }
        let patience = action.patience();
        let encoded = serde_json::to_string(&action).map_err(|e| ApiError::internal(e.to_string()))?;
        let id = self.store.queue_session_action(session, &encoded).await?;
        let asked = Instant::now();
        let mut wait = Duration::from_millis(10);
        let result = loop {
            // Quick actions answer within a few polls; a long one (an image pull) is polled gently.
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_millis(250));
            match self.store.session_action_outcome(id).await? {
                Some(Some(outcome)) => {
                    break serde_json::from_str::<Result<SessionActionOutcome, ApiError>>(&outcome)
                        .unwrap_or_else(|e| Err(ApiError::internal(format!("an unreadable outcome: {e}"))));
                }
                Some(None) => {}
                None => break Err(ApiError::internal("the queued action vanished")),
            }
            let row = self.store.session(session).await?;
            if !row.as_ref().is_some_and(|r| r.ended_at.is_none() && owner_alive(r)) {
                break Err(ended());
            }
            if asked.elapsed() > patience {
                break Err(ApiError::msg(
                    ErrorCode::Timeout,
                    crate::msg!("msg.session.no_answer", session = session, seconds = patience.as_secs()),
                ));
            }
        };
        // Arguments and output may be private: the row goes once it has been read, or given up on.
        self.store.delete_session_action(id).await?;
        result
    }
}
