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
        if s.env.is_empty() || !s.env.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("secret {:?} has an invalid environment variable name {:?}", s.name, s.env));
        }
    }
    Ok(())
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
    Ok(())
}

/// Converts a YAML value (a config schema) to JSON; YAML-only constructs are rejected.
pub fn yaml_to_json(v: serde_yaml_ng::Value) -> Result<serde_json::Value, String> {
    serde_json::to_value(v).map_err(|e| format!("the config schema cannot be expressed as JSON: {e}"))
}
