//! `berth server`: install, run and inspect MCP servers in hardened containers.

use std::process::ExitCode;

use clap::Subcommand;

use berth_api::{ApiError, Berth, InstallRequest, ServerSettings};

use crate::output::Output;

#[derive(Subcommand)]
pub enum ServerCommand {
    /// Install a server from the catalog, or register a remote server by --url. Store its secrets
    /// first with `berth secret set`.
    Add {
        /// The catalog entry's name.
        #[arg(required_unless_present = "url", conflicts_with = "url")]
        name: Option<String>,
        #[command(flatten)]
        remote: super::remote::RemoteArgs,
        /// Configuration as a JSON object, checked against the entry's schema.
        #[arg(long)]
        config: Option<String>,
        /// Share `:rw` mounts writable (read-only otherwise).
        #[arg(long)]
        allow_writes: bool,
        /// CPUs the container may use (0.1 to 64).
        #[arg(long, default_value_t = ServerSettings::default().cpus)]
        cpus: f64,
        /// Memory the container may use, in MB (64 to 262144).
        #[arg(long, default_value_t = ServerSettings::default().memory_mb)]
        memory_mb: u32,
        /// Agree to share this folder of this computer, which the catalog entry names itself
        /// (repeat for more). Without it, such an install is refused with the exact paths.
        #[arg(long = "accept-mount", value_name = "PATH")]
        accept_mounts: Vec<String>,
    },
    /// Show how the catalog's entry for an installed server changed since it was installed, and
    /// with --yes use the new entry from its next start.
    AcceptChange {
        name: String,
        /// Use the difference shown.
        #[arg(long)]
        yes: bool,
    },
    /// Change an installed server's configuration or limits; used from its next start.
    Config {
        name: String,
        /// The new configuration as a JSON object, checked against the entry's schema.
        #[arg(long)]
        config: Option<String>,
        /// CPUs the container may use (0.1 to 64).
        #[arg(long)]
        cpus: Option<f64>,
        /// Memory the container may use, in MB (64 to 262144).
        #[arg(long)]
        memory_mb: Option<u32>,
    },
    /// List installed servers and their status.
    Ls,
    /// Connect to a remote server (installed, or at --url), ping it and report the latency and
    /// the protocol version.
    Test {
        #[arg(required_unless_present = "url", conflicts_with = "url")]
        name: Option<String>,
        /// Test this URL without registering it.
        #[arg(long)]
        url: Option<String>,
        /// Then call one tool (`tool` or `tool={"arg":1}`) and print its result.
        #[arg(long)]
        call: Option<String>,
        /// When the server asks to sign in, sign in: the authorization URL opens in the browser
        /// (`$BROWSER`, or the system's opener) and the redirect comes back to this computer.
        #[arg(long)]
        login: bool,
        /// With --login: print the authorization URL instead of opening a browser.
        #[arg(long, requires = "login")]
        no_browser: bool,
        /// With --login: the client ID the authorization server knows Berth by (registered by
        /// hand); Berth registers itself otherwise.
        #[arg(long, requires = "login")]
        client_id: Option<String>,
        /// With --client-id: read the client's secret from standard input.
        #[arg(long, requires = "client_id")]
        client_secret_stdin: bool,
        /// With --login: the URL of Berth's client ID metadata document, used where the
        /// authorization server accepts one instead of registration.
        #[arg(long, requires = "login")]
        client_metadata_url: Option<String>,
    },
    /// One server's status, secrets and configuration.
    Show { name: String },
    /// Run a server in the foreground until Ctrl-C; its container is removed when this ends.
    Start {
        name: String,
        /// Call one tool once it runs (`tool` or `tool={"arg":1}`), print the result and stop.
        #[arg(long)]
        call: Option<String>,
    },
    /// Stop a server, whichever Berth process runs it.
    Stop { name: String },
    /// Uninstall a server (stopping it first), with its sign-in and the secrets kept for it.
    Rm { name: String },
    /// The last lines a running server wrote.
    Logs {
        name: String,
        #[arg(long, default_value_t = 100)]
        tail: usize,
    },
}

pub async fn run(berth: &Berth, cmd: ServerCommand, out: &Output) -> Result<ExitCode, ApiError> {
    match cmd {
        ServerCommand::Add { name: None, remote, .. } => {
            let view = berth.server_add_url(remote.request()?).await?;
            out.done(&view, &out.said(berth_api::msg!("cli.server.registered", name = &view.name)));
        }
        ServerCommand::Test {
            name,
            url,
            call,
            login,
            no_browser,
            client_id,
            client_secret_stdin,
            client_metadata_url,
        } => {
            let target = match (name, url) {
                (_, Some(url)) => berth_api::TestTarget::Url(url),
                (Some(name), None) => berth_api::TestTarget::Server(name),
                (None, None) => unreachable!("clap requires one"),
            };
            let call = call.map(|c| tool_call(&c)).transpose()?;
            let open = move |url: &str| super::remote::open_browser(url, no_browser);
            let client_secret = if client_secret_stdin {
                Some(super::secrets::read_secret_value("client secret:")?)
            } else {
                None
            };
            let client = client_id.map(|client_id| berth_api::Preregistered { client_id, client_secret });
            let sign_in = berth_api::Login { open: &open, client, client_metadata_url };
            let report = berth.server_test_with(target, call, login.then_some(&sign_in)).await?;
            out.remote_test(&report);
            let failed = report.call.as_ref().is_some_and(|c| c.is_error);
            if failed || !matches!(report.state, berth_api::RemoteState::Connected) {
                return Ok(ExitCode::FAILURE);
            }
        }
        ServerCommand::Add {
            name: Some(name), config, allow_writes, cpus, memory_mb, accept_mounts, ..
        } => {
            let config = match config {
                Some(c) => super::sessions::json_arg("--config", &c)?,
                None => serde_json::Value::Null,
            };
            let settings =
                ServerSettings { allow_writable_mounts: allow_writes, cpus, memory_mb, ..Default::default() };
            let view = berth
                .server_install(InstallRequest {
                    catalog_name: name,
                    config,
                    secrets: Default::default(),
                    settings: Some(settings),
                    accept_mounts,
                })
                .await?;
            out.done(&view, &out.said(berth_api::msg!("cli.server.installed", name = &view.name)));
        }
        ServerCommand::Ls => out.servers(&berth.server_list().await?),
        ServerCommand::Config { name, config, cpus, memory_mb } => {
            let config = config.map(|c| super::sessions::json_arg("--config", &c)).transpose()?;
            let current = berth.server_show(&name).await?.settings;
            let settings = ServerSettings {
                cpus: cpus.unwrap_or(current.cpus),
                memory_mb: memory_mb.unwrap_or(current.memory_mb),
                ..current
            };
            let request =
                berth_api::ConfigureRequest { config, settings: Some(settings), ..Default::default() };
            let view = berth.server_configure(&name, request).await?;
            out.done(&view, &out.said(berth_api::msg!("cli.server.configured", name = &name)));
        }
        ServerCommand::AcceptChange { name, yes } => {
            let view = berth.server_show(&name).await?;
            if view.offered_change.is_empty() {
                out.done(&view, &out.said(berth_api::msg!("cli.change.none", name = &name)));
            } else if !yes {
                if out.json {
                    out.done(&view, "");
                } else {
                    out.offered_change(&view);
                }
                return Ok(ExitCode::FAILURE);
            } else {
                let seen = view.offered_change.clone();
                out.offered_change(&view);
                let view = berth.server_accept_change(&name, seen).await?;
                out.done(&view, &out.said(berth_api::msg!("cli.change.accepted", name = &name)));
            }
        }
        ServerCommand::Show { name } => out.server(&berth.server_show(&name).await?),
        ServerCommand::Start { name, call } => {
            let json = out.json;
            let locale = out.locale.get().copied().unwrap_or(berth_api::Locale::En);
            let view = berth
                .server_start(
                    &name,
                    std::sync::Arc::new(move |p| {
                        if !json {
                            if p.total > 0 {
                                let text = berth_api::messages::render(locale, &p.key, &p.params);
                                eprintln!("{}: {} ({} / {} bytes)", p.server, text, p.current, p.total);
                            } else {
                                eprintln!(
                                    "{}: {}",
                                    p.server,
                                    berth_api::messages::render(locale, &p.key, &p.params)
                                );
                            }
                        }
                    }),
                )
                .await?;
            let tools = berth.server_tools(&name).await;
            let result = match (call, tools) {
                (Some(call), Ok(_)) => match tool_call(&call) {
                    Ok((tool, args)) => berth.server_call(&name, &tool, args).await.map(|o| {
                        out.done(&o, &o.text);
                    }),
                    Err(e) => Err(e),
                },
                (None, Ok(tools)) => {
                    let terminated = super::termination();
                    out.done(
                        &view,
                        &out.said(berth_api::msg!(
                            "cli.server.running",
                            name = &view.name,
                            count = tools.len()
                        )),
                    );
                    // Nothing Berth starts outlives its owner: wait here, then clean up.
                    terminated.await;
                    Ok(())
                }
                (_, Err(e)) => Err(e),
            };
            berth.server_stop(&name).await?;
            result?;
        }
        ServerCommand::Stop { name } => {
            let view = berth.server_stop(&name).await?;
            out.done(&view, &out.said(berth_api::msg!("cli.server.stopped", name = &name)));
        }
        ServerCommand::Rm { name } => {
            berth.server_remove(&name).await?;
            let text = out.said(berth_api::msg!("cli.removed", name = &name));
            out.done(&serde_json::json!({ "name": name, "removed": true }), &text);
        }
        ServerCommand::Logs { name, tail } => {
            let lines = berth.server_logs(&name, tail).await?;
            if out.json {
                out.done(&lines, "");
            } else {
                for l in lines {
                    crate::output::line(&l);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `tool` or `tool={"arg":1}`: a tool's name and its arguments.
fn tool_call(call: &str) -> Result<(String, serde_json::Map<String, serde_json::Value>), ApiError> {
    let (tool, args) = call.split_once('=').unwrap_or((call, "{}"));
    let args = serde_json::from_str(args).map_err(|_| {
        let m = berth_api::msg!("cli.json_not_object", what = "--call");
        ApiError::msg(berth_api::ErrorCode::Validation, m)
    })?;
    Ok((tool.to_owned(), args))
}
