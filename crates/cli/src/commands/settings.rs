//! `berth settings`: show the settings, choose the UI language.

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};

use berth_api::{ApiError, Berth, LocalePreference};

use crate::output::Output;

#[derive(Subcommand)]
pub enum SettingsCommand {
    /// Show the settings.
    Get,
    /// Choose the UI language.
    SetLocale { locale: LocaleArg },
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
    }
    Ok(ExitCode::SUCCESS)
}
