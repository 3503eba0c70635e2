//! `berth`: the command-line interface over the same `api` facade the desktop app uses.

#[macro_use]
mod output;
mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use berth_api::{ApiError, Berth, BerthOptions, Redactor};
use commands::{
    app, catalog, clients, external, gateway, oauth, remote, secrets, servers, sessions, settings, trust,
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
    Secret(secrets::SecretCommand),
    /// Show or change settings (bare `berth settings` shows them).
    Settings {
        #[command(subcommand)]
        command: Option<settings::SettingsCommand>,
    },
    /// Search the catalog and manage catalog sources.
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
    /// Install, run and inspect MCP servers in hardened containers.
    #[command(subcommand)]
    Server(servers::ServerCommand),
    /// The MCP gateway AI clients connect to.
    #[command(subcommand)]
    Gateway(gateway::GatewayCommand),
    /// External MCP gateways (an E2B sandbox's, another team's) whose tools join gateway
    /// sessions once a health check passes.
    #[command(subcommand, name = "gateway-ext")]
    GatewayExt(external::ExternalCommand),
    /// Connect a stdio-only AI client to one server, a remote one say: stdio on one side, the
    /// server on the other, with no other tools.
    Bridge(remote::BridgeArgs),
    /// A remote server's sign-in: status and revoke.
    #[command(subcommand)]
    Oauth(oauth::OAuthCommand),
    /// Image signature verification: the rules that say which keys sign which images, and
    /// checking an image.
    #[command(subcommand)]
    Trust(trust::TrustCommand),
    /// Gateway client sessions and the servers each added.
    #[command(subcommand)]
    Session(sessions::SessionCommand),
    /// Point an AI client at Berth's gateway.
    #[command(subcommand)]
    Client(clients::ClientCommand),
    /// The tool call log: server, tool, argument names (never values), exit code, duration.
    Calls {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// What happened to servers and sessions: starts, stops, failures, sessions opened and ended.
    Events {
        #[arg(long)]
        server: Option<String>,
        #[arg(long)]
        session: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Gateway(_) | Command::Bridge(_)) {
        quiet_on_closed_output();
    }
    let out = Output { json: cli.json, locale: Default::default() };
    let Some(data_dir) = cli.data_dir.clone().or_else(berth_api::paths::default_data_dir) else {
        out.error(&ApiError::msg(berth_api::ErrorCode::Validation, berth_api::msg!("cli.no_data_dir")));
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
    let options = BerthOptions { system_locale: sys_locale(), ..BerthOptions::new(data_dir, redactor) };
    let berth = Berth::open(options).await?;
    if let Ok(settings) = berth.settings().await {
        let _ = out.locale.set(settings.effective_locale);
    }
    let result = match cli.command {
        Command::Doctor => app::doctor(&berth, out).await,
        Command::Info => app::info(&berth, out).await,
        Command::Secret(command) => secrets::run(&berth, command, out).await,
        Command::Settings { command } => {
            settings::run(&berth, command.unwrap_or(settings::SettingsCommand::Get), out).await
        }
        Command::Catalog(command) => catalog::run(&berth, command, out).await,
        Command::Server(command) => servers::run(&berth, command, out).await,
        Command::Gateway(command) => gateway::run(&berth, command).await,
        Command::GatewayExt(command) => external::run(&berth, command, out).await,
        Command::Bridge(args) => remote::bridge(&berth, args).await,
        Command::Oauth(command) => oauth::run(&berth, command, out).await,
        Command::Session(command) => sessions::run(&berth, command, out).await,
        Command::Trust(command) => trust::run(&berth, command, out).await,
        Command::Client(command) => clients::run(&berth, command, out).await,
        Command::Calls { limit } => sessions::calls(&berth, limit, out).await,
        Command::Events { server, session, limit } => {
            let query = berth_api::EventQuery { server, session, limit: Some(limit) };
            out.events(&berth.events(query).await?);
            Ok(ExitCode::SUCCESS)
        }
    };
    // Whatever this process started ends with it, also when the command failed.
    berth.shutdown().await;
    berth.close().await;
    result
}

fn sys_locale() -> Option<String> {
    // LANG/LC_ALL as the OS sets them; the desktop app asks the platform API instead.
    ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
}

/// Output piped into a reader that stops early (`berth catalog search | head`) ends the command
/// quietly, as it does any Unix tool, instead of a panic on the failed write. A gateway keeps the
/// default: its stdout is an MCP channel, and a client going away must still end its session
/// cleanly.
fn quiet_on_closed_output() {
    #[cfg(unix)]
    // SAFETY: called once at start, before any thread exists; SIG_DFL is always a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
