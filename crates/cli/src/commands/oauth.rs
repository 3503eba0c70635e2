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
    /// Show, set or clear the URL of Berth's client ID metadata document, which Berth offers as
    /// its client ID where an authorization server takes one instead of registration.
    ClientMetadataUrl {
        url: Option<String>,
        #[arg(long, conflicts_with = "url")]
        clear: bool,
    },
    /// The OAuth providers container servers sign in with (GitHub, say): where each signs in and
    /// the client registered there for Berth.
    #[command(subcommand)]
    Provider(ProviderCommand),
    /// Forget a server's sign-in: the authorization server is asked to revoke its tokens, and
    /// they leave the keychain.
    Revoke { name: String },
}

#[derive(Subcommand)]
pub enum ProviderCommand {
    /// Configure a provider (a provider Berth knows, such as github, needs only --client-id).
    Set {
        name: String,
        #[arg(long)]
        client_id: String,
        /// The authorization endpoint.
        #[arg(long)]
        authorize: Option<String>,
        /// The token endpoint.
        #[arg(long)]
        token: Option<String>,
        /// The provider's issuer, checked against the redirect's `iss`.
        #[arg(long)]
        issuer: Option<String>,
        /// A scope to ask for (repeatable).
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
    /// List the configured providers.
    Ls,
    /// Remove a provider and forget its sign-in.
    Rm { name: String },
}

pub async fn run(berth: &Berth, command: OAuthCommand, out: &Output) -> Result<ExitCode, ApiError> {
    match command {
        OAuthCommand::Login { name, no_browser } => {
            let open = move |url: &str| super::remote::open_browser(url, no_browser);
            let login = berth_api::Login { open: &open, client: None, client_metadata_url: None };
            out.oauth_status(&berth.oauth_login(&name, &login).await?);
        }
        OAuthCommand::Provider(ProviderCommand::Set {
            name,
            client_id,
            authorize,
            token,
            issuer,
            scopes,
        }) => {
            let config = berth_api::ProviderConfig {
                name,
                issuer,
                authorization_endpoint: authorize.unwrap_or_default(),
                token_endpoint: token.unwrap_or_default(),
                client_id,
                scopes,
            };
            let saved = berth.oauth_provider_set(config).await?;
            out.done(&saved, &out.said(berth_api::msg!("cli.provider.set", name = &saved.name)));
        }
        OAuthCommand::Provider(ProviderCommand::Ls) => {
            let all = berth.oauth_providers().await?;
            if out.json {
                out.print_json(&all);
            } else {
                for p in &all {
                    println!("{:<16} {:<40} client {}", p.name, p.authorization_endpoint, p.client_id);
                }
            }
        }
        OAuthCommand::Provider(ProviderCommand::Rm { name }) => {
            let had = berth.oauth_provider_remove(&name).await?;
            let m = if had {
                berth_api::msg!("cli.provider.removed", name = &name)
            } else {
                berth_api::msg!("cli.provider.none", name = &name)
            };
            out.done(&had, &out.said(m));
        }
        OAuthCommand::ClientMetadataUrl { url, clear } => {
            let now = if clear || url.is_some() {
                berth.set_oauth_client_metadata_url(url).await?
            } else {
                berth.oauth_client_metadata_url().await?
            };
            if out.json {
                out.print_json(&now);
            } else {
                println!("{}", now.as_deref().unwrap_or("-"));
            }
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
