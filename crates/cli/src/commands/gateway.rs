//! `berth gateway run`: the MCP gateway AI clients connect to, on stdio or streamable HTTP.

use std::process::ExitCode;

use clap::Subcommand;

use berth_api::{ApiError, Berth};

#[derive(Subcommand)]
pub enum GatewayCommand {
    /// Serve one client session over stdin/stdout (what an AI client launches). The session's
    /// servers stop when the client closes the connection.
    Run {
        /// Speak MCP on stdin/stdout.
        #[arg(long)]
        stdio: bool,
        /// Serve streamable HTTP on 127.0.0.1 at this port (0 picks a free one).
        #[arg(long, conflicts_with = "stdio")]
        port: Option<u16>,
        /// A server every session starts with (repeat for more): an installed server with its
        /// configuration, or a catalog server that needs none.
        #[arg(long = "server", value_name = "NAME")]
        servers: Vec<String>,
        /// With --port: end a session (and stop its servers) after this many seconds without a request.
        #[arg(long, value_name = "SECONDS", default_value_t = berth_api::GATEWAY_IDLE_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
        idle_timeout: u64,
        /// With --port: close a connection that takes longer than this many seconds to send a
        /// request's headers, or waits longer than this for its next request.
        #[arg(long, value_name = "SECONDS", default_value_t = berth_api::GatewayLimits::default().headers.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
        header_timeout: u64,
    },
}

pub async fn run(berth: &Berth, command: GatewayCommand) -> Result<ExitCode, ApiError> {
    let GatewayCommand::Run { stdio, port, servers, idle_timeout, header_timeout } = command;
    match (stdio, port) {
        // Ctrl-C or SIGTERM end the session like a closed stdin does.
        (true, _) => berth.serve_stdio_gateway(servers, super::termination()).await?,
        (false, Some(port)) => {
            let limits = berth_api::GatewayLimits {
                idle: std::time::Duration::from_secs(idle_timeout),
                headers: std::time::Duration::from_secs(header_timeout),
                ..Default::default()
            };
            run_http(berth, port, servers, limits).await?
        }
        (false, None) => {
            return Err(ApiError::msg(berth_api::ErrorCode::Validation, berth_api::msg!("cli.gateway.how")));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Serves streamable HTTP on 127.0.0.1 until Ctrl-C or SIGTERM, then ends every session.
async fn run_http(
    berth: &Berth,
    port: u16,
    servers: Vec<String>,
    limits: berth_api::GatewayLimits,
) -> Result<(), ApiError> {
    let token = berth_api::cli_gateway_token(std::env::var("BERTH_GATEWAY_TOKEN").ok())?;
    let prefix = format!("http-{}", std::process::id());
    let gateway = berth_api::GatewayHost::start(
        berth.clone(),
        port,
        token.clone(),
        &prefix,
        berth_api::StartingServers::Fixed(servers),
        limits,
    )
    .await?;
    let terminated = super::termination();
    // The token goes to the terminal that asked for it, never to a log.
    println!("Berth gateway on {}", gateway.url());
    println!("Authorization: Bearer {token}");
    terminated.await;
    gateway.stop().await;
    Ok(())
}
