//! `berth oauth`: a remote server's sign-in: signing in (the browser comes back to a loopback
//! address), its status (never a token), and forgetting it.

use std::process::ExitCode;

use clap::Subcommand;

use berth_api::{ApiError, Berth};

use crate::output::Output;

#[derive(Subcommand)]
pub enum OAuthCommand {
    /// Sign in to a remote server in the browser (again, when it is signed in already).
    Login {
        name: String,
        /// Print the authorization URL instead of opening the browser, and wait for the
        /// browser to come back.
        #[arg(long)]
        no_browser: bool,
    },
    /// Whether a server's sign-in is usable, when it expires and what it grants.
    Status { name: String },
    /// Forget a server's sign-in: the authorization server is asked to revoke its tokens, and
    /// they leave the keychain.
    Revoke { name: String },
}

pub async fn run(berth: &Berth, command: OAuthCommand, out: &Output) -> Result<ExitCode, ApiError> {
    match command {
        OAuthCommand::Login { name, no_browser } => {
            let open = move |url: &str| super::remote::open_browser(url, no_browser);
            let login = berth_api::Login { open: &open, client: None, client_metadata_url: None };
            out.oauth_status(&berth.oauth_login(&name, &login).await?);
        }
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
