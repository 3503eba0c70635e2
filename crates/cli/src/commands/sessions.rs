//! `berth session` and `berth calls`: gateway sessions, acting on a live one, and the call log.

use std::process::ExitCode;

use clap::Subcommand;

use berth_api::{ApiError, Berth, SessionAction, SessionActionOutcome};

use crate::output::Output;

#[derive(Subcommand)]
pub enum SessionCommand {
    /// List recent sessions, newest first.
    Ls {
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Start a catalog server in a live session (as its client's mcp-add would).
    Add {
        session: String,
        server: String,
        /// The server's configuration, as JSON.
        #[arg(long)]
        config: Option<String>,
    },
    /// Stop a server and take it out of a live session.
    Rm { session: String, server: String },
    /// Validate and apply a server's configuration in a live session; prints old and new.
    ConfigSet {
        session: String,
        server: String,
        /// The new configuration, as JSON.
        config: String,
    },
    /// Run one of a live session's tools; exits 0 ok, 1 tool error, 2 transport error or timeout.
    Exec {
        session: String,
        server: String,
        tool: String,
        /// The tool's arguments, as a JSON object.
        #[arg(long)]
        args: Option<String>,
    },
}

/// A JSON argument, or a clear error naming it.
pub fn json_arg(what: &str, text: &str) -> Result<serde_json::Value, ApiError> {
    serde_json::from_str(text).map_err(|e| {
        ApiError::msg(
            berth_api::ErrorCode::Validation,
            berth_api::msg!("cli.json_invalid", what = what, reason = e),
        )
    })
}

pub async fn run(berth: &Berth, command: SessionCommand, out: &Output) -> Result<ExitCode, ApiError> {
    let (session, action) = match command {
        SessionCommand::Ls { limit } => {
            out.sessions(&berth.sessions(limit).await?);
            return Ok(ExitCode::SUCCESS);
        }
        SessionCommand::Add { session, server, config } => {
            let config = config.map(|c| json_arg("--config", &c)).transpose()?;
            (session, SessionAction::Add { server, config })
        }
        SessionCommand::Rm { session, server } => (session, SessionAction::Remove { server }),
        SessionCommand::ConfigSet { session, server, config } => {
            (session, SessionAction::ConfigSet { server, config: json_arg("the configuration", &config)? })
        }
        SessionCommand::Exec { session, server, tool, args } => {
            let arguments = match args.map(|a| json_arg("--args", &a)).transpose()? {
                None => serde_json::Map::new(),
                Some(serde_json::Value::Object(m)) => m,
                Some(_) => {
                    let m = berth_api::msg!("cli.json_not_object", what = "--args");
                    return Err(ApiError::msg(berth_api::ErrorCode::Validation, m));
                }
            };
            (session, SessionAction::Exec { server, tool, arguments })
        }
    };
    let outcome = berth.act_on_session(&session, action).await?;
    let (text, code) = match &outcome {
        SessionActionOutcome::Added { server, tools } => {
            (format!("{server} runs in session {session} with tools: {}", tools.join(", ")), 0)
        }
        SessionActionOutcome::Removed { server } => {
            (format!("{server} was stopped and removed from session {session}."), 0)
        }
        SessionActionOutcome::ConfigChanged { server, old, new } => {
            (format!("{server} restarted with its new configuration.\nold: {old}\nnew: {new}"), 0)
        }
        SessionActionOutcome::Executed { output, exit_code, duration_ms, .. } => {
            (format!("{output}\n(exit code {}, {duration_ms} ms)", exit_code.code()), exit_code.code())
        }
    };
    out.done(&outcome, &text);
    Ok(ExitCode::from(code))
}

/// `berth calls`: the newest tool calls.
pub async fn calls(berth: &Berth, limit: u32, out: &Output) -> Result<ExitCode, ApiError> {
    out.calls(&berth.calls(limit).await?);
    Ok(ExitCode::SUCCESS)
}
