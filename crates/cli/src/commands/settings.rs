//! `berth settings`: show the settings, choose the UI language, turn image signature
//! verification on or off (off only after a yes), and pick the engine that runs containers.

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};

use berth_api::{ApiError, Berth, Engine, ErrorCode, LocalePreference, msg};

use crate::output::Output;

#[derive(Subcommand)]
pub enum SettingsCommand {
    /// Show the settings.
    Get,
    /// Choose the UI language.
    SetLocale { locale: LocaleArg },
    /// Change a setting: `verify-signatures on|off` (turning it off asks first), or
    /// `engine berth|docker-mcp` (Docker's MCP Toolkit runs container servers; needs its plugin).
    Set {
        name: SettingName,
        value: String,
        /// Turn verification off without asking.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SettingName {
    /// Verify container image signatures before pull or run: on or off.
    VerifySignatures,
    /// What runs container servers: berth or docker-mcp.
    Engine,
    /// Start the servers running at the desktop app's quit again at its next launch: on or off.
    RestoreOnStart,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LocaleArg {
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

pub async fn run(berth: &Berth, command: SettingsCommand, out: &Output) -> Result<ExitCode, ApiError> {
    match command {
        SettingsCommand::Get => out.settings(&berth.settings().await?),
        SettingsCommand::SetLocale { locale } => out.settings(&berth.set_locale(locale.into()).await?),
        SettingsCommand::Set { name: SettingName::VerifySignatures, value, yes } => {
            let on = match value.as_str() {
                "on" => true,
                "off" => false,
                _ => return Err(invalid("verify-signatures", &value, "on, off")),
            };
            if !on && !yes && !confirmed(out)? {
                out.done(&false, &out.said(msg!("cli.trust.kept_on")));
                return Ok(ExitCode::FAILURE);
            }
            out.trust_policy(&berth.set_verify_signatures(on).await?);
        }
        SettingsCommand::Set { name: SettingName::RestoreOnStart, value, .. } => {
            let on = match value.as_str() {
                "on" => true,
                "off" => false,
                _ => return Err(invalid("restore-on-start", &value, "on, off")),
            };
            out.settings(&berth.settings_set_restore_on_start(on).await?);
        }
        SettingsCommand::Set { name: SettingName::Engine, value, .. } => {
            let engine = match value.as_str() {
                "berth" => Engine::Berth,
                "docker-mcp" => Engine::DockerMcp,
                _ => return Err(invalid("engine", &value, "berth, docker-mcp")),
            };
            let engine = berth.set_engine(engine).await?;
            out.done(&engine, &format!("engine: {value}"));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks on the terminal whether to turn verification off; without a terminal to ask on, the
/// answer must come as `--yes`.
fn confirmed(out: &Output) -> Result<bool, ApiError> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return Err(ApiError::msg(ErrorCode::Validation, msg!("cli.trust.confirm_needed")));
    }
    eprint!("{} ", out.said(msg!("cli.trust.confirm_off")));
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

/// A value the setting `name` does not take.
fn invalid(name: &str, value: &str, choices: &str) -> ApiError {
    ApiError::msg(
        ErrorCode::Validation,
        msg!("cli.settings.invalid", name = name, value = value, choices = choices),
    )
}
