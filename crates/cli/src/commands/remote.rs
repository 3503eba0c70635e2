//! Remote servers on the command line: the `--url`/`--header` arguments of `berth server add`,
//! and `berth bridge`, which connects a stdio-only client to one server (a remote one, say).

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::Args;

use berth_api::{ApiError, Berth, BridgeTarget, ErrorCode, RemoteRequest, RemoteTransport};

/// How to reach a remote server.
#[derive(Args, Clone, Debug, Default)]
pub struct RemoteArgs {
    /// The remote server's URL (https, or http on this computer).
    #[arg(long)]
    pub url: Option<String>,
    /// With --url: the name to register it under (made from the host otherwise).
    #[arg(long = "name", id = "remote_name", requires = "url")]
    pub name: Option<String>,
    /// A header to send, `Name=value` or `Name=secret:KEY` for a secret of this server in the
    /// keychain (repeat for more). Values are kept in the keychain, never in the database.
    #[arg(long = "header", value_name = "NAME=VALUE", requires = "url")]
    pub headers: Vec<String>,
    /// The transport; by default streamable HTTP, falling back to the older SSE transport.
    #[arg(long, value_enum, requires = "url")]
    pub transport: Option<TransportArg>,
    /// Allow the URL to be a private-network or link-local address.
    #[arg(long, requires = "url")]
    pub allow_private_network: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum TransportArg {
    Auto,
    StreamableHttp,
    Sse,
}

impl RemoteArgs {
    /// The registration these arguments describe.
    pub fn request(self) -> Result<RemoteRequest, ApiError> {
        let mut headers = BTreeMap::new();
        for h in self.headers {
            let Some((name, value)) = h.split_once('=') else {
                let m = berth_api::msg!("cli.header.invalid", header = &h);
                return Err(ApiError::msg(ErrorCode::Validation, m));
            };
            headers.insert(name.trim().to_owned(), value.to_owned());
        }
        Ok(RemoteRequest {
            url: self.url.unwrap_or_default(),
            name: self.name,
            headers,
            transport: self.transport.map(|t| match t {
                TransportArg::Auto => RemoteTransport::Auto,
                TransportArg::StreamableHttp => RemoteTransport::StreamableHttp,
                TransportArg::Sse => RemoteTransport::Sse,
            }),
            allow_private_network: self.allow_private_network,
        })
    }
}

/// `berth bridge NAME|URL`.
#[derive(Args, Clone, Debug)]
pub struct BridgeArgs {
    /// An installed (or catalog) server's name, or a remote server's URL.
    pub target: String,
    /// A header to send to a URL, `Name=value` or `Name=secret:KEY` (repeat for more).
    #[arg(long = "header", value_name = "NAME=VALUE")]
    pub headers: Vec<String>,
    /// The transport to a URL; by default streamable HTTP, falling back to SSE.
    #[arg(long, value_enum)]
    pub transport: Option<TransportArg>,
    /// Allow a URL on a private-network or link-local address.
    #[arg(long)]
    pub allow_private_network: bool,
}

pub async fn bridge(berth: &Berth, args: BridgeArgs) -> Result<ExitCode, ApiError> {
    let target = if args.target.contains("://") {
        let remote = RemoteArgs {
            url: Some(args.target),
            name: None,
            headers: args.headers,
            transport: args.transport,
            allow_private_network: args.allow_private_network,
        };
        BridgeTarget::Url(remote.request()?)
    } else {
        BridgeTarget::Server(args.target)
    };
    berth.serve_bridge(target, super::termination()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Shows the user an authorization URL: opens it in the browser (`berth_api::open_in_browser`),
/// or prints it with `--no-browser` or when that does not work.
pub fn open_browser(url: &str, print_only: bool) {
    if print_only || !berth_api::open_in_browser(url) {
        eprintln!("{url}");
    }
}
