//! `berth gateway-ext`: external MCP gateways (an E2B sandbox's, another team's): save one with
//! its token from stdin, test it (a pass turns external mode on), list, remove, and the hosts
//! they may be at.

use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;

use berth_api::{ApiError, Berth, ExternalGatewayView, HealthCheck, msg};

use crate::output::Output;

#[derive(Subcommand)]
pub enum ExternalCommand {
    /// Save gateway NAME at URL (its base, or the `…/mcp` address a sandbox gives); the bearer
    /// token is read from stdin. Refused, with the reason, unless the host is allowlisted and
    /// neither it nor any address its name resolves to is private. Saving again replaces it.
    Add { name: String, url: String },
    /// GET <url>/healthcheck with the token: a pass turns external mode on (its tools join
    /// gateway sessions), a failure turns it off. Exit 1 when it fails.
    Test {
        name: String,
        /// Seconds to wait for the answer.
        #[arg(long, default_value_t = berth_api::HEALTH_TIMEOUT.as_secs_f64())]
        timeout: f64,
    },
    /// Remove gateway NAME and its token.
    Rm { name: String },
    /// The gateways, their external mode and their last test.
    Ls,
    /// The hosts external gateways may be at: `ls`, `add PATTERN`, `rm PATTERN`.
    #[command(subcommand)]
    Allow(AllowCommand),
}

#[derive(Subcommand)]
pub enum AllowCommand {
    Ls,
    /// Allow PATTERN: a host name, `*.domain` for its subdomains, 127.0.0.1, or a public IP.
    Add {
        pattern: String,
    },
    Rm {
        pattern: String,
    },
}

fn check_line(out: &Output, check: &HealthCheck) -> String {
    match (&check.error, check.status) {
        (None, status) => out.said(msg!(
            "cli.external.ok",
            status = status.unwrap_or(200),
            latency = check.latency_ms.unwrap_or(0)
        )),
        (Some(e), _) => {
            let locale = out.locale.get().copied().unwrap_or(berth_api::Locale::En);
            let kind = check.failure.map(|f| format!("{f:?}").to_lowercase()).unwrap_or_default();
            format!("{} ({kind}): {}", out.said(msg!("cli.external.failed")), e.text(locale))
        }
    }
}

fn show(out: &Output, g: &ExternalGatewayView) {
    let mode = if g.external_mode { msg!("cli.external.mode_on") } else { msg!("cli.external.mode_off") };
    say!("{}  {}  {}", g.name, g.url, out.said(mode));
    say!("  mcp:   {}", g.mcp_url);
    say!("  token: {}", g.token_key);
    if let Some(check) = &g.last_test {
        say!("  last test: {}", check_line(out, check));
    }
}

pub async fn run(berth: &Berth, command: ExternalCommand, out: &Output) -> Result<ExitCode, ApiError> {
    match command {
        ExternalCommand::Add { name, url } => {
            let token = super::secrets::read_secret_value(&out.said(msg!("cli.external.token_prompt")))?;
            let g = berth.external_add(&name, &url, token).await?;
            if out.json {
                out.print_json(&g);
            } else {
                say!("{}", out.said(msg!("cli.external.saved", name = &g.name, url = &g.url)));
            }
        }
        ExternalCommand::Test { name, timeout } => {
            let timeout = Duration::try_from_secs_f64(timeout).unwrap_or(berth_api::HEALTH_TIMEOUT);
            let g = berth.external_test(&name, Some(timeout)).await?;
            let check = g.last_test.clone().ok_or_else(|| ApiError::internal("a test left no result"))?;
            if out.json {
                out.print_json(&g);
            } else {
                say!("{}", check_line(out, &check));
                if check.turned_off {
                    say!("{}", out.said(msg!("cli.external.turned_off", name = &g.name)));
                } else if g.external_mode {
                    say!("{}", out.said(msg!("cli.external.mode_on")));
                }
            }
            if !check.ok {
                return Ok(ExitCode::FAILURE);
            }
        }
        ExternalCommand::Rm { name } => {
            let removed = berth.external_remove(&name).await?;
            let text = if removed {
                out.said(msg!("cli.external.removed", name = &name))
            } else {
                out.said(msg!("msg.external.not_found", name = &name))
            };
            out.done(&serde_json::json!({ "name": name, "removed": removed }), &text);
        }
        ExternalCommand::Ls => {
            let list = berth.external_list().await?;
            if out.json {
                out.print_json(&list);
            } else if list.is_empty() {
                say!("{}", out.said(msg!("cli.external.none")));
            }
            if !out.json {
                list.iter().for_each(|g| show(out, g));
            }
        }
        ExternalCommand::Allow(command) => {
            let hosts = match command {
                AllowCommand::Ls => berth.external_allowed_hosts().await?,
                AllowCommand::Add { pattern } => berth.external_allow_add(&pattern).await?,
                AllowCommand::Rm { pattern } => berth.external_allow_remove(&pattern).await?,
            };
            if out.json {
                out.print_json(&hosts);
            } else {
                hosts.iter().for_each(|h| say!("{h}"));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
