//! A server that is a local program speaking MCP on its stdio: how Docker's MCP Toolkit (`docker
//! mcp gateway run`) runs a server when the user picks it as the engine. rmcp's child-process
//! transport owns the program and ends it when the connection closes.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use rmcp::transport::TokioChildProcess;
use tokio::io::AsyncBufReadExt;

use crate::connection::{HandshakeFailure, McpConnection};
use crate::{Backing, Relay, ServerError};

/// How many of its last stderr lines a failure quotes.
const STDERR_LINES: usize = 20;

/// A program to run and what to give it.
#[derive(Clone, Debug)]
pub struct ProcessTarget {
    pub program: String,
    pub args: Vec<String>,
}

/// Starts `target` and completes the MCP handshake on its stdio. A program that ends or fails
/// the handshake is gone when this returns, and its last stderr lines are in the error.
pub(crate) async fn start(
    name: &str,
    target: &ProcessTarget,
    relay: Relay,
) -> Result<(McpConnection, Backing), ServerError> {
    let mut command = tokio::process::Command::new(&target.program);
    command.args(&target.args);
    let (process, stderr) = TokioChildProcess::builder(command)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| ServerError::Transport {
            name: name.to_owned(),
            reason: format!("{} could not be run: {e}", target.program),
        })?;
    let pid = process.id();
    let tail = Arc::new(Mutex::new(VecDeque::new()));
    let reader = stderr.map(|stderr| {
        let tail = tail.clone();
        tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let mut tail = tail.lock().expect("stderr tail");
                if tail.len() == STDERR_LINES {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        })
    });
    match McpConnection::open(relay, process).await {
        Ok(connection) => Ok((connection, Backing::Process { pid })),
        Err(failure) => {
            // What it wrote before it ended explains why; the pipe closes with it.
            if let Some(reader) = reader {
                let _ = tokio::time::timeout(std::time::Duration::from_secs(2), reader).await;
            }
            let reason = match failure {
                HandshakeFailure::Refused(r) | HandshakeFailure::Rejected(r) => r,
                HandshakeFailure::Transport(e) => e.to_string(),
                HandshakeFailure::TimedOut => "no answer in time".to_owned(),
            };
            let stderr = tail.lock().expect("stderr tail").iter().cloned().collect();
            Err(ServerError::Engine {
                name: name.to_owned(),
                program: target.program.clone(),
                reason,
                stderr,
            })
        }
    }
}
