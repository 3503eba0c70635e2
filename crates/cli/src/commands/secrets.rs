//! `berth secret`: store, list and delete secrets in the OS keychain.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use clap::Subcommand;

use berth_api::{ApiError, Berth};

use crate::output::Output;

#[derive(Subcommand)]
pub enum SecretCommand {
    /// Store a secret. The value is read from standard input, never from the command line.
    Set {
        /// The secret's name, `berth/<kind>/<id>`.
        key: String,
    },
    /// List stored secrets (names only).
    Ls,
    /// Delete a secret.
    Rm { key: String },
}

pub async fn run(berth: &Berth, command: SecretCommand, out: &Output) -> Result<ExitCode, ApiError> {
    match command {
        SecretCommand::Set { key } => {
            let value = read_secret_value(&out.said(berth_api::msg!("cli.secret.prompt", key = &key)))?;
            let info = berth.set_secret(&key, value).await?;
            out.done(&info, &out.said(berth_api::msg!("cli.secret.stored", key = &info.key)));
        }
        SecretCommand::Ls => out.secrets(&berth.list_secrets().await?),
        SecretCommand::Rm { key } => {
            let existed = berth.delete_secret(&key).await?;
            let text = if existed {
                out.said(berth_api::msg!("cli.secret.deleted", key = &key))
            } else {
                out.said(berth_api::msg!("cli.secret.absent", key = &key))
            };
            out.done(&serde_json::json!({ "key": key, "deleted": existed }), &text);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads the secret from stdin: one line typed at a terminal, or everything piped in (a PEM key
/// has many lines) less one final line break. Secrets never go through argv, where other users'
/// `ps` would see them.
pub(crate) fn read_secret_value(prompt: &str) -> Result<String, ApiError> {
    let stdin = std::io::stdin();
    let unreadable = |e: std::io::Error| {
        ApiError::msg(berth_api::ErrorCode::Validation, berth_api::msg!("cli.secret.unreadable"))
            .with_detail(e.to_string())
    };
    let mut value = String::new();
    if stdin.is_terminal() {
        // Read from the terminal with echo off, so the secret never shows on screen.
        value = rpassword::prompt_password(format!("{prompt} ")).map_err(unreadable)?;
    } else {
        stdin.lock().read_to_string(&mut value).map_err(unreadable)?;
    }
    let value = value.strip_suffix('\n').map(|v| v.strip_suffix('\r').unwrap_or(v)).unwrap_or(&value);
    Ok(value.to_owned())
}
