//! `berth secret`: store, list and delete secrets in the OS keychain.

use std::io::{BufRead, IsTerminal};
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
            let value = read_secret_value(&key)?;
            let info = berth.set_secret(&key, value).await?;
            out.done(&info, &format!("Stored {} in the OS keychain.", info.key));
        }
        SecretCommand::Ls => out.secrets(&berth.list_secrets().await?),
        SecretCommand::Rm { key } => {
            let existed = berth.delete_secret(&key).await?;
            let text = if existed { format!("Deleted {key}.") } else { format!("{key} was not stored.") };
            out.done(&serde_json::json!({ "key": key, "deleted": existed }), &text);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads one line from stdin (prompting when it is a terminal); secrets never go through argv,
/// where other users' `ps` would see them.
fn read_secret_value(key: &str) -> Result<String, ApiError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Value for {key} (input is visible; pipe it in to avoid that): ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| {
        ApiError::validation("Could not read the secret from standard input.").with_detail(e.to_string())
    })?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
