//! What happened to servers and sessions, for the Logs page: servers started, stopped or failed
//! (pull, handshake, refused configuration), sessions opened and ended, servers added to or
//! removed from sessions. Each event is kept with its message's key and parameters, so the page
//! shows it in the user's language; failures also go to the log file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use berth_store::{EventFilter, EventRecord};

use crate::messages::Msg;
use crate::{ApiError, Berth};

/// One event as the Logs page shows it.
#[derive(Clone, Debug, Serialize, TS)]
pub struct EventView {
    /// Unix milliseconds.
    pub at: i64,
    /// `info` or `error`.
    pub level: String,
    /// One of [`EVENT_KINDS`]; the page names it by `event.<kind>`.
    pub kind: String,
    pub server: Option<String>,
    pub session: Option<String>,
    /// What happened, in English.
    pub message: String,
    /// The same message by key and parameters.
    pub key: String,
    pub params: BTreeMap<String, String>,
}

/// Every kind of event Berth records. The Logs page names each by its `event.<kind>` text, which
/// a test checks exists in every language; recording a kind not listed here is a bug.
pub const EVENT_KINDS: &[&str] = &[
    "server_started",
    "server_stopped",
    "server_failed",
    "session_opened",
    "session_ended",
    "server_added",
    "server_add_failed",
    "server_removed",
    "signed_in",
    "signed_out",
    "sign_in_failed",
    "reauth_required",
    "signature_verified",
    "signature_refused",
    "external_gateway_added",
    "external_gateway_connected",
    "external_gateway_failed",
    "external_gateway_removed",
];

/// Which events to list.
#[derive(Clone, Debug, Default, Deserialize, TS)]
pub struct EventQuery {
    pub server: Option<String>,
    pub session: Option<String>,
    pub limit: Option<u32>,
}

impl Berth {
    /// Records an event; a failure to record it is logged, never the caller's failure.
    pub(crate) async fn record_event(
        &self,
        kind: &str,
        server: Option<&str>,
        session: Option<&str>,
        m: &Msg,
    ) {
        self.write_event("info", kind, server, session, m.key, &m.params, &m.english()).await;
    }

    /// Records a failure, with the error's own message, and writes it to the log file.
    pub(crate) async fn record_failure(
        &self,
        kind: &str,
        server: Option<&str>,
        session: Option<&str>,
        e: &ApiError,
    ) {
        tracing::warn!(kind, server, session, code = ?e.code, "{}", e.message);
        let key = e.key.as_deref().unwrap_or("msg.text");
        let mut params = e.params.clone();
        if e.key.is_none() {
            params.insert("text".into(), e.message.clone());
        }
        self.write_event("error", kind, server, session, key, &params, &e.message).await;
    }

    #[allow(clippy::too_many_arguments)]
    async fn write_event(
        &self,
        level: &str,
        kind: &str,
        server: Option<&str>,
        session: Option<&str>,
        key: &str,
        params: &BTreeMap<String, String>,
        message: &str,
    ) {
        debug_assert!(EVENT_KINDS.contains(&kind), "event kind {kind:?} is not in EVENT_KINDS");
        let params = serde_json::to_string(params).expect("strings serialise");
        let record = EventRecord { level, kind, server, session, key, params: &params, message };
        if let Err(e) = self.store.record_event(record).await {
            tracing::warn!(kind, "could not record an event: {e}");
        }
    }

    /// The newest events, by server and session when asked.
    pub async fn events(&self, q: EventQuery) -> Result<Vec<EventView>, ApiError> {
        let filter = EventFilter {
            server: q.server.as_deref(),
            session: q.session.as_deref(),
            limit: q.limit.unwrap_or(200).clamp(1, 2000) as i64,
        };
        Ok(self
            .store
            .events(filter)
            .await?
            .into_iter()
            .map(|r| EventView {
                at: r.at,
                level: r.level,
                kind: r.kind,
                server: r.server,
                session: r.session,
                params: serde_json::from_str(&r.params).unwrap_or_default(),
                message: r.message,
                key: r.key,
            })
            .collect())
    }
}
