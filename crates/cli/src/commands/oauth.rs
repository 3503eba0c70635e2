//! `berth oauth`: a remote server's sign-in: its status (never a token) and forgetting it.

use std::process::ExitCode;

use clap::Subcommand;

use berth_api::{ApiError, Berth};

use crate::output::Output;

#[derive(Subcommand)]
pub enum OAuthCommand {
    /// Whether a server's sign-in is usable, when it expires and what it grants.
    Status { name: String },
    /// Forget a server's sign-in: its tokens leave the keychain.
    Revoke { name: String },
}

pub async fn run(berth: &Berth, command: OAuthCommand, out: &Output) -> Result<ExitCode, ApiError> {
    match command {
        OAuthCommand::Status { name } => out.oauth_status(&berth.oauth_status(&name).await?),
        OAuthCommand::Revoke { name } => {
            let had = berth.oauth_revoke(&name).await?;
            let m = if had {
                berth_api::msg!("cli.oauth.revoked", name = &name)
            } else {
                berth_api::msg!("cli.oauth.none", name = &name)
            };
            out.done(&had, &out.said(m));
        }
    }
    Ok(ExitCode::SUCCESS)
}
