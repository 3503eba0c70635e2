//! Every text Berth's backend shows a person (errors, the system check, progress, the tray, the
//! Logs page) has a stable key and parameters, written `msg!("msg.server.not_installed", name =
//! n)`. The texts for each language live in one place, the UI's dictionaries
//! (`ui/src/i18n/{en,ja}.json`), which the window, the tray and the CLI all read; a test fails
//! when a key used here lacks its English or Japanese text.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use crate::settings::Locale;

static EN: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../../ui/src/i18n/en.json")).expect("en.json parses")
});
static JA: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../../ui/src/i18n/ja.json")).expect("ja.json parses")
});

/// A message: its key and the values of its `{placeholders}` (names, paths, commands).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Msg {
    pub key: &'static str,
    pub params: BTreeMap<String, String>,
}

/// `msg!(<key literal>, name = value, ...)`: a [`Msg`] whose parameters are the named values.
#[macro_export]
macro_rules! msg {
    ($key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::messages::Msg::new($key)$(.with(stringify!($name), $value))*
    };
}

impl Msg {
    pub fn new(key: &'static str) -> Self {
        Self { key, params: BTreeMap::new() }
    }

    pub fn with(mut self, name: &str, value: impl std::fmt::Display) -> Self {
        self.params.insert(name.to_owned(), value.to_string());
        self
    }

    /// The text in `locale`.
    pub fn text(&self, locale: Locale) -> String {
        render(locale, self.key, &self.params)
    }

    /// The text in English, which logs and `ApiError::message` carry.
    pub fn english(&self) -> String {
        self.text(Locale::En)
    }
}

/// The text of `key` in `locale` (else English, else the key) with `params` filled in.
pub fn render(locale: Locale, key: &str, params: &BTreeMap<String, String>) -> String {
    let table = match locale {
        Locale::Ja => &*JA,
        Locale::En => &*EN,
    };
    // A count of one uses the key's `.one` text where there is one, as the window does.
    let one = (params.get("count").map(String::as_str) == Some("1")).then(|| format!("{key}.one"));
    let lookup = |k: &str| table.get(k).or_else(|| EN.get(k)).map(String::as_str);
    let text = one.as_deref().and_then(lookup).or_else(|| lookup(key)).unwrap_or(key);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if after[..close].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                let name = &after[..close];
                match params.get(name) {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The key of a message made of two (`ApiError::then`): its parameters `a` and `b` name the two
/// parts' keys (or `a_text` holds a first part that has none), `a_*` and `b_*` their parameters.
pub const THEN: &str = "msg.then";

/// A message in `locale` from its key (two-part messages included) and parameters, or its
/// English text when it has no key.
pub fn render_message(
    locale: Locale,
    key: Option<&str>,
    params: &BTreeMap<String, String>,
    english: &str,
) -> String {
    match key {
        Some(THEN) => {
            let part = |side: &str| {
                let prefix = format!("{side}_");
                let own: BTreeMap<String, String> = params
                    .iter()
                    .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|k| (k.to_owned(), v.clone())))
                    .collect();
                match params.get(side) {
                    Some(key) => render(locale, key, &own),
                    None => own.get("text").cloned().unwrap_or_default(),
                }
            };
            format!("{} {}", part("a"), part("b"))
        }
        Some(key) => render(locale, key, params),
        None => english.to_owned(),
    }
}

/// Whether both languages have a text for `key`.
pub fn known(key: &str) -> bool {
    EN.contains_key(key) && JA.contains_key(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_in_either_language() {
        let m = Msg::new("logs.files").with("dir", "/tmp/x");
        assert_eq!(m.english(), "Log files are written to /tmp/x.");
        assert!(m.text(Locale::Ja).contains("/tmp/x"));
        assert_ne!(m.text(Locale::Ja), m.english());
        assert_eq!(render(Locale::En, "no.such.key", &BTreeMap::new()), "no.such.key");
        let one = Msg::new("catalog.results").with("count", 1);
        assert_eq!(one.english(), "1 server");
        assert_eq!(Msg::new("catalog.results").with("count", 2).english(), "2 servers");
        // Unknown placeholders and stray braces stay as written.
        let mut p = BTreeMap::new();
        p.insert("x".into(), "1".into());
        assert_eq!(render(Locale::En, "{x} {y} {not a name}", &p), "1 {y} {not a name}");
    }
}
