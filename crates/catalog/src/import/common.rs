//! Checks every importer applies before an item enters the catalog.

use crate::{CatalogItem, Launch};

/// Validates an assembled item; `Err` holds the reason it is rejected.
pub fn validate(item: &CatalogItem) -> Result<(), String> {
    validate_name(&item.name)?;
    match &item.launch {
        Launch::Container(c) => {
            if c.image.trim().is_empty() {
                return Err("no image and no remote endpoint: an item needs one of them".into());
            }
            if c.image.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
                return Err(format!("image reference {:?} contains whitespace", c.image));
            }
            // Docker reads an argument that starts with `-` as an option, not an image.
            if c.image.starts_with('-')
                || !c.image.chars().all(|ch| ch.is_ascii_alphanumeric() || "._-/:@".contains(ch))
            {
                return Err(format!(
                    "image reference {:?} is not a registry/name:tag or name@digest reference",
                    c.image
                ));
            }
            for e in &c.env {
                if !is_env_name(&e.name) {
                    return Err(format!("environment variable name {:?} is invalid", e.name));
                }
            }
            let texts = c.env.iter().map(|e| &e.value).chain(&c.command).chain(&c.volumes);
            if let Some(t) =
                texts.into_iter().find(|t| t.chars().any(|ch| ch.is_control() && !"\t\n\r".contains(ch)))
            {
                return Err(format!("{t:?} holds control characters"));
            }
        }
        Launch::Remote(r) => {
            let url =
                url::Url::parse(&r.url).map_err(|e| format!("remote URL {:?} is not a URL: {e}", r.url))?;
            if !matches!(url.scheme(), "https" | "http") {
                return Err(format!("remote URL {:?} must be http(s)", r.url));
            }
            if url.host_str().is_none_or(str::is_empty) {
                return Err(format!("remote URL {:?} has no host", r.url));
            }
        }
        Launch::Package(p) => {
            if p.packages.is_empty() {
                return Err("no image, no remote endpoint and no package".into());
            }
        }
    }
    for s in &item.secrets {
        if !is_env_name(&s.env) {
            return Err(format!("secret {:?} has an invalid environment variable name {:?}", s.name, s.env));
        }
        // A secret's name becomes part of its keychain key; it cannot climb out of its server's.
        if s.name.split('/').any(|part| part.is_empty() || part.starts_with('.'))
            || !s.name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
        {
            return Err(format!(
                "secret name {:?} is invalid; use letters, digits and . _ - /, with no part starting with .",
                s.name
            ));
        }
    }
    Ok(())
}

/// A shell-style variable name: a letter or `_`, then letters, digits and `_`.
fn is_env_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the entry has no name".into());
    }
    if name.len() > 200 {
        return Err("the name is longer than 200 characters".into());
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')))
    {
        return Err(format!("the name contains {c:?}; use letters, digits and - _ . /"));
    }
    // Names become parts of paths, keys and container names: no `.` or `..` part, no empty part,
    // nothing an argument parser would take for an option.
    if name.starts_with('-') || name.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
        return Err(format!("the name {name:?} has an empty, . or .. part or starts with -"));
    }
    Ok(())
}

/// Converts a YAML value (a config schema) to JSON; YAML-only constructs are rejected.
pub fn yaml_to_json(v: serde_yaml_ng::Value) -> Result<serde_json::Value, String> {
    serde_json::to_value(v).map_err(|e| format!("the config schema cannot be expressed as JSON: {e}"))
}
