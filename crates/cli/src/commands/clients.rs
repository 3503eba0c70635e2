//! `berth client`: point an AI client at Berth's gateway, and revoke a client's token.

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};

use berth_api::{ApiError, Berth, ClientTransport, TokenPolicy};

use crate::output::Output;

#[derive(Subcommand)]
pub enum ClientCommand {
    /// Write the gateway entry into the client's config (a backup is kept), or print it.
    Connect {
        #[arg(value_enum)]
        client: ClientArg,
        /// Print the entry and where it goes instead of writing it.
        #[arg(long)]
        print: bool,
        /// Connect over streamable HTTP to the desktop app's gateway, with a token of the
        /// client's own (stateless clients' sessions are named by it), instead of launching
        /// `berth gateway run --stdio`.
        #[arg(long)]
        http: bool,
        /// Issue the client a new token; the old one stops working (with --http).
        #[arg(long, requires = "http")]
        new_token: bool,
    },
    /// End the gateway token issued to a client; its HTTP entry stops working.
    Revoke {
        #[arg(value_enum)]
        client: ClientArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ClientArg {
    ClaudeDesktop,
    ClaudeCode,
    Cursor,
    Vscode,
}

impl ClientArg {
    fn kind(self) -> berth_api::ClientKind {
        match self {
            Self::ClaudeDesktop => berth_api::ClientKind::ClaudeDesktop,
            Self::ClaudeCode => berth_api::ClientKind::ClaudeCode,
            Self::Cursor => berth_api::ClientKind::Cursor,
            Self::Vscode => berth_api::ClientKind::Vscode,
        }
    }
}

pub async fn run(berth: &Berth, command: ClientCommand, out: &Output) -> Result<ExitCode, ApiError> {
    match command {
        ClientCommand::Connect { client, print, http, new_token } => {
            let exe = std::env::current_exe()
                .map_err(|e| ApiError::internal("cannot find the berth binary").with_detail(e.to_string()))?;
            let transport = if http { ClientTransport::Http } else { ClientTransport::Stdio };
            let write = if print { berth_api::WriteMode::Print } else { berth_api::WriteMode::Write };
            let token = if new_token { TokenPolicy::Replace } else { TokenPolicy::Keep };
            let setup = berth.connect_client(client.kind(), transport, &exe, write, token).await?;
            let mut text = if setup.written {
                format!(
                    "Added the berth gateway to {}{}. Restart the client to pick it up.",
                    setup.path,
                    setup
                        .backup
                        .as_deref()
                        .map(|b| format!(" (previous file kept as {b})"))
                        .unwrap_or_default()
                )
            } else {
                format!(
                    "Add this under the servers of {}:\n\"berth\": {}",
                    setup.path,
                    serde_json::to_string_pretty(&setup.entry).unwrap_or_default()
                )
            };
            if http {
                text.push_str(
                    "\nThe entry reaches the desktop app's gateway: turn it on in Berth (tray or Settings).",
                );
            }
            out.done(&setup, &text);
        }
        ClientCommand::Revoke { client } => {
            let kind = client.kind();
            let had = berth.revoke_client_token(kind).await?;
            let text = if had {
                format!("{}'s gateway token is revoked; its HTTP entry no longer connects.", kind.id())
            } else {
                format!("{} had no gateway token.", kind.id())
            };
            out.done(&serde_json::json!({ "client": kind, "revoked": had }), &text);
        }
    }
    Ok(ExitCode::SUCCESS)
}
