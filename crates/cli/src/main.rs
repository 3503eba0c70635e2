//! `berth`: the command-line interface over the same `api` facade the desktop app uses.

mod output;

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use berth_api::{
    ApiError, Berth, BerthOptions, CatalogQuery, InstallRequest, ItemKind, LocalePreference, Redactor,
    RefreshStatus, SearchFilters, ServerSettings,
};
use output::Output;

#[derive(Parser)]
#[command(name = "berth", version, about = "Berth: a control room for MCP servers")]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// The data directory (database, logs). Defaults to the per-OS location the desktop app uses.
    #[arg(long, global = true, env = "BERTH_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Log filter for stderr, e.g. `info` or `berth=debug`.
    #[arg(long, global = true, env = "BERTH_LOG", default_value = "warn")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check Docker, the keychain, the data directory and the database; say how to fix what fails.
    Doctor,
    /// Show version and where Berth keeps its files.
    Info,
    /// Store, list and delete secrets in the OS keychain.
    #[command(subcommand)]
    Secret(SecretCommand),
    /// Show or change settings.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Search the catalog and manage catalog sources.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Install, run and inspect MCP servers in hardened containers.
    #[command(subcommand)]
    Server(ServerCommand),
    /// The MCP gateway AI clients connect to.
    #[command(subcommand)]
    Gateway(GatewayCommand),
    /// Gateway client sessions and the servers each added.
    #[command(subcommand)]
    Session(SessionCommand),
    /// Point an AI client at Berth's gateway.
    #[command(subcommand)]
    Client(ClientCommand),
    /// The tool call log: server, tool, argument names (never values), exit code, duration.
    Calls {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Subcommand)]
enum ClientCommand {
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
enum ClientArg {
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

#[derive(Subcommand)]
enum SessionCommand {
    /// List recent sessions, newest first.
    Ls {
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Start a catalog server in a live session (as its client's mcp-add would).
    Add {
        session: String,
        server: String,
        /// The server's configuration, as JSON.
        #[arg(long)]
        config: Option<String>,
    },
    /// Stop a server and take it out of a live session.
    Rm { session: String, server: String },
    /// Validate and apply a server's configuration in a live session; prints old and new.
    ConfigSet {
        session: String,
        server: String,
        /// The new configuration, as JSON.
        config: String,
    },
    /// Run one of a live session's tools; exits 0 ok, 1 tool error, 2 transport error or timeout.
    Exec {
        session: String,
        server: String,
        tool: String,
        /// The tool's arguments, as a JSON object.
        #[arg(long)]
        args: Option<String>,
    },
}

/// A JSON argument, or a clear error naming it.
fn json_arg(what: &str, text: &str) -> Result<serde_json::Value, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError::validation(format!("{what} is not valid JSON: {e}.")))
}

#[derive(Subcommand)]
enum GatewayCommand {
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
    },
}

#[derive(Subcommand)]
enum ServerCommand {
    /// Install a server from the catalog. Store its secrets first with `berth secret set`.
    Add {
        /// The catalog entry's name.
        name: String,
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
    },
    /// List installed servers and their status.
    Ls,
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
    /// Uninstall a server (stopping it first). Its secrets stay in the keychain.
    Rm { name: String },
    /// The last lines a running server wrote.
    Logs {
        name: String,
        #[arg(long, default_value_t = 100)]
        tail: usize,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Ranked search over name, title, description, tags and tools.
    Search {
        /// Words to search for; none lists everything.
        query: Vec<String>,
        /// Only this kind of server.
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
        /// Only servers that sign in with OAuth.
        #[arg(long)]
        oauth: bool,
        /// Only servers that need no secret.
        #[arg(long)]
        no_secrets: bool,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Everything about one server.
    Show { name: String },
    /// Catalog sources: the built-in catalog, URLs and local files.
    #[command(subcommand)]
    Source(SourceCommand),
}

#[derive(Subcommand)]
enum SourceCommand {
    /// Add a catalog URL (https) or an absolute file path, and fetch it.
    Add {
        location: String,
        /// A short name for the source (derived from the location when absent).
        #[arg(long)]
        name: Option<String>,
    },
    /// List sources with their health and the age of their content.
    Ls,
    /// Remove a source.
    Rm { id: String },
    /// Fetch sources again (all, or the one named).
    Refresh { id: Option<String> },
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Container,
    Remote,
    Package,
}

#[derive(Subcommand)]
enum SecretCommand {
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

#[derive(Subcommand)]
enum SettingsCommand {
    /// Show the settings.
    Get,
    /// Choose the UI language.
    SetLocale { locale: LocaleArg },
}

#[derive(Clone, Copy, ValueEnum)]
enum LocaleArg {
    System,
    En,
    Ja,
}

impl From<LocaleArg> for LocalePreference {
    fn from(l: LocaleArg) -> Self {
        match l {
            LocaleArg::System => LocalePreference::System,
            LocaleArg::En => LocalePreference::En,
            LocaleArg::Ja => LocalePreference::Ja,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output { json: cli.json };
    let Some(data_dir) = cli.data_dir.clone().or_else(berth_api::paths::default_data_dir) else {
        out.error(&ApiError::validation(
            "Berth cannot find your home directory's data folder. Pass --data-dir or set BERTH_DATA_DIR.",
        ));
        return ExitCode::FAILURE;
    };
    let redactor = Redactor::new();
    let _log = berth_logging::init(
        &berth_logging::LogConfig {
            dir: Some(berth_api::paths::log_dir(&data_dir)),
            file_prefix: "berth".into(),
            file_filter: berth_logging::FILE_FILTER.into(),
            stderr_filter: cli.log.clone(),
        },
        redactor.clone(),
    )
    .map_err(|e| eprintln!("warning: logging to a file is off: {e}"));

    // One thread: the CLI waits on sockets, pipes and the engine, and a gateway call's hand-offs
    // between tasks then cost no cross-thread wake-ups. Blocking work has its own pool.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let result = rt.block_on(run(cli, data_dir, redactor, &out));
    // Work left on blocking threads (a stuck keychain or engine call) must not keep the process
    // alive after the command is done.
    rt.shutdown_timeout(std::time::Duration::from_secs(5));
    match result {
        Ok(code) => code,
        Err(e) => {
            out.error(&e);
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli, data_dir: PathBuf, redactor: Redactor, out: &Output) -> Result<ExitCode, ApiError> {
    let berth =
        Berth::open(BerthOptions { data_dir, redactor, system_locale: sys_locale(), secrets: None }).await?;
    let code = match cli.command {
        Command::Doctor => {
            let report = berth.doctor().await;
            out.doctor(&report);
            if report.ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Command::Info => {
            out.info(&berth.app_info().await?);
            ExitCode::SUCCESS
        }
        Command::Secret(SecretCommand::Set { key }) => {
            let value = read_secret_value(&key)?;
            let info = berth.set_secret(&key, value).await?;
            out.done(&info, &format!("Stored {} in the OS keychain.", info.key));
            ExitCode::SUCCESS
        }
        Command::Secret(SecretCommand::Ls) => {
            out.secrets(&berth.list_secrets().await?);
            ExitCode::SUCCESS
        }
        Command::Secret(SecretCommand::Rm { key }) => {
            let existed = berth.delete_secret(&key).await?;
            let text = if existed { format!("Deleted {key}.") } else { format!("{key} was not stored.") };
            out.done(&serde_json::json!({ "key": key, "deleted": existed }), &text);
            ExitCode::SUCCESS
        }
        Command::Settings(SettingsCommand::Get) => {
            out.settings(&berth.settings().await?);
            ExitCode::SUCCESS
        }
        Command::Settings(SettingsCommand::SetLocale { locale }) => {
            out.settings(&berth.set_locale(locale.into()).await?);
            ExitCode::SUCCESS
        }
        Command::Catalog(CatalogCommand::Search { query, kind, oauth, no_secrets, limit }) => {
            let filters = SearchFilters {
                kind: kind.map(|k| match k {
                    KindArg::Container => ItemKind::Container,
                    KindArg::Remote => ItemKind::Remote,
                    KindArg::Package => ItemKind::Package,
                }),
                needs_oauth: oauth.then_some(true),
                needs_secrets: no_secrets.then_some(false),
            };
            let query = query.join(" ");
            let hits = berth
                .catalog_search(CatalogQuery { query, filters, limit: Some(limit), locale: None })
                .await?;
            out.catalog_hits(&hits);
            ExitCode::SUCCESS
        }
        Command::Server(cmd) => server_command(&berth, cmd, out).await?,
        Command::Session(SessionCommand::Ls { limit }) => {
            out.sessions(&berth.sessions(limit).await?);
            ExitCode::SUCCESS
        }
        Command::Session(command) => {
            use berth_api::{SessionAction, SessionActionOutcome};
            let (session, action) = match command {
                SessionCommand::Ls { .. } => unreachable!("handled above"),
                SessionCommand::Add { session, server, config } => {
                    let config = config.map(|c| json_arg("--config", &c)).transpose()?;
                    (session, SessionAction::Add { server, config })
                }
                SessionCommand::Rm { session, server } => (session, SessionAction::Remove { server }),
                SessionCommand::ConfigSet { session, server, config } => (
                    session,
                    SessionAction::ConfigSet { server, config: json_arg("the configuration", &config)? },
                ),
                SessionCommand::Exec { session, server, tool, args } => {
                    let arguments = match args.map(|a| json_arg("--args", &a)).transpose()? {
                        None => serde_json::Map::new(),
                        Some(serde_json::Value::Object(m)) => m,
                        Some(_) => return Err(ApiError::validation("--args must be a JSON object.")),
                    };
                    (session, SessionAction::Exec { server, tool, arguments })
                }
            };
            let outcome = berth.act_on_session(&session, action).await?;
            let (text, code) = match &outcome {
                SessionActionOutcome::Added { server, tools } => {
                    (format!("{server} runs in session {session} with tools: {}", tools.join(", ")), 0)
                }
                SessionActionOutcome::Removed { server } => {
                    (format!("{server} was stopped and removed from session {session}."), 0)
                }
                SessionActionOutcome::ConfigChanged { server, old, new } => {
                    (format!("{server} restarted with its new configuration.\nold: {old}\nnew: {new}"), 0)
                }
                SessionActionOutcome::Executed { output, exit_code, duration_ms, .. } => {
                    (format!("{output}\n(exit code {exit_code}, {duration_ms} ms)"), *exit_code)
                }
            };
            out.done(&outcome, &text);
            ExitCode::from(code)
        }
        Command::Client(ClientCommand::Connect { client, print, http, new_token }) => {
            let exe = std::env::current_exe()
                .map_err(|e| ApiError::internal("cannot find the berth binary").with_detail(e.to_string()))?;
            let transport =
                if http { berth_api::ClientTransport::Http } else { berth_api::ClientTransport::Stdio };
            let setup = berth.connect_client(client.kind(), transport, &exe, !print, new_token).await?;
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
            ExitCode::SUCCESS
        }
        Command::Client(ClientCommand::Revoke { client }) => {
            let kind = client.kind();
            let had = berth.revoke_client_token(kind).await?;
            let text = if had {
                format!("{}'s gateway token is revoked; its HTTP entry no longer connects.", kind.id())
            } else {
                format!("{} had no gateway token.", kind.id())
            };
            out.done(&serde_json::json!({ "client": kind, "revoked": had }), &text);
            ExitCode::SUCCESS
        }
        Command::Calls { limit } => {
            out.calls(&berth.calls(limit).await?);
            ExitCode::SUCCESS
        }
        Command::Gateway(GatewayCommand::Run { stdio, port, servers, idle_timeout }) => {
            match (stdio, port) {
                (true, _) => run_stdio_gateway(&berth, servers).await?,
                (false, Some(port)) => {
                    run_http_gateway(&berth, port, servers, std::time::Duration::from_secs(idle_timeout))
                        .await?
                }
                (false, None) => {
                    return Err(ApiError::validation(
                        "Say how clients connect: `berth gateway run --stdio` or `berth gateway run --port 8811`.",
                    ));
                }
            }
            ExitCode::SUCCESS
        }
        Command::Catalog(CatalogCommand::Show { name }) => {
            out.catalog_item(&berth.catalog_show(&name, None).await?);
            ExitCode::SUCCESS
        }
        Command::Catalog(CatalogCommand::Source(SourceCommand::Add { location, name })) => {
            let src = berth.catalog_source_add(&location, name.as_deref()).await?;
            out.done(
                &src,
                &format!(
                    "Added {} ({} servers, {} entries skipped).",
                    src.id, src.item_count, src.rejected_count
                ),
            );
            ExitCode::SUCCESS
        }
        Command::Catalog(CatalogCommand::Source(SourceCommand::Ls)) => {
            out.catalog_overview(&berth.catalog_overview().await?);
            ExitCode::SUCCESS
        }
        Command::Catalog(CatalogCommand::Source(SourceCommand::Rm { id })) => {
            berth.catalog_source_remove(&id).await?;
            out.done(&serde_json::json!({ "id": id, "removed": true }), &format!("Removed {id}."));
            ExitCode::SUCCESS
        }
        Command::Catalog(CatalogCommand::Source(SourceCommand::Refresh { id })) => {
            let outcomes = berth.catalog_refresh(id.as_deref()).await?;
            out.refresh(&outcomes);
            if outcomes.iter().any(|o| o.status == RefreshStatus::Failed) {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
    };
    berth.close().await;
    Ok(code)
}

async fn server_command(berth: &Berth, cmd: ServerCommand, out: &Output) -> Result<ExitCode, ApiError> {
    match cmd {
        ServerCommand::Add { name, config, allow_writes, cpus, memory_mb } => {
            let config = match config {
                Some(c) => serde_json::from_str(&c)
                    .map_err(|e| ApiError::validation(format!("--config is not valid JSON: {e}.")))?,
                None => serde_json::Value::Null,
            };
            let settings = ServerSettings { allow_writable_mounts: allow_writes, cpus, memory_mb };
            let view = berth
                .server_install(InstallRequest {
                    catalog_name: name,
                    config,
                    secrets: Default::default(),
                    settings: Some(settings),
                })
                .await?;
            out.done(
                &view,
                &format!("Installed {}. Start it with `berth server start {}`.", view.name, view.name),
            );
        }
        ServerCommand::Ls => out.servers(&berth.server_list().await?),
        ServerCommand::Show { name } => out.server(&berth.server_show(&name).await?),
        ServerCommand::Start { name, call } => {
            let json = out.json;
            let view = berth
                .server_start(
                    &name,
                    std::sync::Arc::new(move |p| {
                        if !json {
                            if p.total > 0 {
                                eprintln!("{}: {} ({} / {} bytes)", p.server, p.message, p.current, p.total);
                            } else {
                                eprintln!("{}: {}", p.server, p.message);
                            }
                        }
                    }),
                )
                .await?;
            let tools = berth.server_tools(&name).await;
            let result = match (call, tools) {
                (Some(call), Ok(_)) => {
                    let (tool, args) = call.split_once('=').unwrap_or((call.as_str(), "{}"));
                    let args: Result<serde_json::Map<String, serde_json::Value>, ApiError> =
                        serde_json::from_str(args).map_err(|e| {
                            ApiError::validation(format!(
                                "the arguments of --call are not a JSON object: {e}."
                            ))
                        });
                    match args {
                        Ok(args) => berth.server_call(&name, tool, args).await.map(|o| {
                            out.done(&o, &o.text);
                        }),
                        Err(e) => Err(e),
                    }
                }
                (None, Ok(tools)) => {
                    out.done(
                        &view,
                        &format!(
                            "{} is running with {} tools. Press Ctrl-C to stop it.",
                            view.name,
                            tools.len()
                        ),
                    );
                    // Nothing Berth starts outlives its owner: wait here, then clean up.
                    let _ = tokio::signal::ctrl_c().await;
                    Ok(())
                }
                (_, Err(e)) => Err(e),
            };
            berth.server_stop(&name).await?;
            result?;
        }
        ServerCommand::Stop { name } => {
            let view = berth.server_stop(&name).await?;
            out.done(&view, &format!("Stopped {name}."));
        }
        ServerCommand::Rm { name } => {
            berth.server_remove(&name).await?;
            out.done(&serde_json::json!({ "name": name, "removed": true }), &format!("Removed {name}."));
        }
        ServerCommand::Logs { name, tail } => {
            let lines = berth.server_logs(&name, tail).await?;
            if out.json {
                out.done(&lines, "");
            } else {
                for l in lines {
                    println!("{l}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Serves one MCP session on stdin/stdout until the client hangs up, then stops its servers.
async fn run_stdio_gateway(berth: &Berth, servers: Vec<String>) -> Result<(), ApiError> {
    use rmcp::ServiceExt;
    let session = format!("stdio-{}", std::process::id());
    let backend = std::sync::Arc::new(
        berth_api::GatewayBackend::start(berth.clone(), session.clone(), "stdio", None)
            .await?
            .with_starting_servers(servers),
    );
    backend.accept_actions();
    tracing::info!(session = %session, "gateway session started");
    let served = berth_gateway::GatewaySession::new(backend.clone()).serve(rmcp::transport::stdio()).await;
    match served {
        Ok(running) => {
            // Ctrl-C or SIGTERM end the session like a closed stdin does.
            tokio::select! {
                _ = running.waiting() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(e) => tracing::warn!("the client did not complete the MCP handshake: {e}"),
    }
    berth_gateway::SessionBackend::close(backend.as_ref()).await;
    tracing::info!(session = %session, "gateway session ended");
    Ok(())
}

/// Serves streamable HTTP on 127.0.0.1 until Ctrl-C or SIGTERM, then ends every session.
async fn run_http_gateway(
    berth: &Berth,
    port: u16,
    servers: Vec<String>,
    idle: std::time::Duration,
) -> Result<(), ApiError> {
    let token = match std::env::var("BERTH_GATEWAY_TOKEN") {
        Ok(t) if t.len() >= 16 => t,
        Ok(_) => return Err(ApiError::validation("BERTH_GATEWAY_TOKEN must be at least 16 characters.")),
        Err(_) => berth_api::new_gateway_token()?,
    };
    let prefix = format!("http-{}", std::process::id());
    let gateway = berth_api::GatewayHost::start(
        berth.clone(),
        port,
        token.clone(),
        &prefix,
        berth_api::StartingServers::Fixed(servers),
        idle,
    )
    .await?;
    // The token goes to the terminal that asked for it, never to a log.
    println!("Berth gateway on {}", gateway.url());
    println!("Authorization: Bearer {token}");
    wait_for_termination().await;
    gateway.stop().await;
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn wait_for_termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
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

fn sys_locale() -> Option<String> {
    // LANG/LC_ALL as the OS sets them; the desktop app asks the platform API instead.
    ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
}
