//! `berth settings`: show the settings, choose the UI language, turn image signature
//! verification on or off (off only after a yes).

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};

use berth_api::{ApiError, Berth, ErrorCode, LocalePreference, msg};

use crate::output::Output;

#[derive(Subcommand)]
pub enum SettingsCommand {
    /// Show the settings.
    Get,
    /// Choose the UI language.
    SetLocale { locale: LocaleArg },
    /// Change a setting: `verify-signatures on|off`. Turning verification off asks first.
    Set {
        name: SettingName,
        value: OnOff,
        /// Turn verification off without asking.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SettingName {
    /// Verify container image signatures before pull or run.
    VerifySignatures,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
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
            if value == OnOff::Off && !yes && !confirmed(out)? {
                out.done(&false, &out.said(msg!("cli.trust.kept_on")));
                return Ok(ExitCode::FAILURE);
            }
            out.trust_policy(&berth.set_verify_signatures(value == OnOff::On).await?);
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
