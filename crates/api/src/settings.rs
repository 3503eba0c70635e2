//! Settings the user changes in the Settings page: the UI language, the client ID metadata
//! document URL Berth offers authorization servers, and whether servers come back at launch.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, Berth};

const LOCALE_KEY: &str = "ui.locale";

/// A language the UI is translated into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    En,
    Ja,
}

/// What the user chose: follow the OS, or a fixed language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum LocalePreference {
    #[default]
    System,
    En,
    Ja,
}

/// The settings as the UI shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
pub struct SettingsView {
    pub locale: LocalePreference,
    /// The language in effect: the preference, or the OS locale when following the system.
    pub effective_locale: Locale,
    pub system_locale: Option<String>,
    /// The URL of Berth's client ID metadata document, offered as its client ID where an
    /// authorization server takes one.
    pub oauth_client_metadata_url: Option<String>,
    /// Servers running when the app quit start again at its next launch.
    pub restore_on_start: bool,
}

/// Maps an OS locale (`ja-JP`, `ja_JP.UTF-8`, `en-US`) to a UI language; English is the fallback.
pub fn locale_from_system(system: Option<&str>) -> Locale {
    match system {
        Some(s) if s.to_ascii_lowercase().starts_with("ja") => Locale::Ja,
        _ => Locale::En,
    }
}

impl Berth {
    pub async fn settings(&self) -> Result<SettingsView, ApiError> {
        let locale = self.store.setting::<LocalePreference>(LOCALE_KEY).await?.unwrap_or_default();
        self.view(locale).await
    }

    /// Saves the language preference and returns the settings now in effect.
    pub async fn set_locale(&self, locale: LocalePreference) -> Result<SettingsView, ApiError> {
        self.store.set_setting(LOCALE_KEY, &locale).await?;
        self.view(locale).await
    }

    /// Sets (or clears) the client ID metadata document URL and returns the settings; a URL
    /// that is not https with a path is refused and the one kept before stays.
    pub async fn set_client_metadata_url(&self, url: Option<String>) -> Result<SettingsView, ApiError> {
        self.set_oauth_client_metadata_url(url).await?;
        self.settings().await
    }

    /// Turns restore on start on or off and returns the settings.
    pub async fn settings_set_restore_on_start(&self, on: bool) -> Result<SettingsView, ApiError> {
        self.set_restore_on_start(on).await?;
        self.settings().await
    }

    async fn view(&self, locale: LocalePreference) -> Result<SettingsView, ApiError> {
        let effective_locale = match locale {
            LocalePreference::En => Locale::En,
            LocalePreference::Ja => Locale::Ja,
            LocalePreference::System => locale_from_system(self.system_locale.as_deref()),
        };
        Ok(SettingsView {
            locale,
            effective_locale,
            system_locale: self.system_locale.clone(),
            oauth_client_metadata_url: self.oauth_client_metadata_url().await?,
            restore_on_start: self.restore_on_start().await?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_locale_mapping() {
        for (sys, want) in [
            (Some("ja-JP"), Locale::Ja),
            (Some("ja_JP.UTF-8"), Locale::Ja),
            (Some("JA"), Locale::Ja),
            (Some("en-US"), Locale::En),
            (Some("de-DE"), Locale::En),
            (None, Locale::En),
        ] {
            assert_eq!(locale_from_system(sys), want, "{sys:?}");
        }
    }
}
