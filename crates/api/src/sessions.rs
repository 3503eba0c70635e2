//! Facade reads for gateway sessions and the call log.

use serde::Serialize;
use ts_rs::TS;

use berth_runtime::Owner;

use crate::{ApiError, Berth};

#[derive(Clone, Debug, Serialize, TS)]
pub struct SessionServer {
    pub server: String,
    pub config: serde_json::Value,
    /// The external gateway this source is (`ext:<name>`), when it is one.
    pub external_gateway: Option<String>,
}

/// A gateway client session as the Sessions page shows it.
#[derive(Clone, Debug, Serialize, TS)]
pub struct SessionView {
    pub id: String,
    pub transport: String,
    pub client: Option<String>,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    /// Not ended, and the process serving it still runs.
    pub active: bool,
    pub servers: Vec<SessionServer>,
}

/// One tool call: never the argument values, only their names.
#[derive(Clone, Debug, Serialize, TS)]
pub struct CallView {
    pub session: Option<String>,
    pub server: String,
    pub tool: String,
    pub arg_names: Vec<String>,
    /// 0 ok, 1 tool error, 2 transport error or timeout.
    pub exit_code: i64,
    pub started_at: i64,
    pub duration_ms: i64,
}

impl Berth {
    /// The newest sessions, including ones served by a CLI gateway.
    pub async fn sessions(&self, limit: u32) -> Result<Vec<SessionView>, ApiError> {
        let mut out = Vec::new();
        for row in self.store.sessions(limit.clamp(1, 1000) as i64).await? {
            let alive = row.owner.as_deref().and_then(Owner::parse).is_some_and(|o| o.is_alive());
            let servers = self
                .store
                .session_servers(&row.id)
                .await?
                .into_iter()
                .map(|s| SessionServer {
                    external_gateway: s
                        .server
                        .strip_prefix(crate::external::SESSION_PREFIX)
                        .map(str::to_owned),
                    server: s.server,
                    config: serde_json::from_str(&s.config).unwrap_or_default(),
                })
                .collect();
            out.push(SessionView {
                active: row.ended_at.is_none() && alive,
                id: row.id,
                transport: row.transport,
                client: row.client,
                started_at: row.started_at,
                ended_at: row.ended_at,
                servers,
            });
        }
        Ok(out)
    }

    /// The newest tool calls.
    pub async fn calls(&self, limit: u32) -> Result<Vec<CallView>, ApiError> {
        Ok(self
            .store
            .calls(limit.clamp(1, 10_000) as i64)
            .await?
            .into_iter()
            .map(|c| CallView {
                session: c.session_id,
                server: c.server,
                tool: c.tool,
                arg_names: serde_json::from_str(&c.arg_names).unwrap_or_default(),
                exit_code: c.exit_code,
                started_at: c.started_at,
                duration_ms: c.duration_ms,
            })
            .collect())
    }
}
