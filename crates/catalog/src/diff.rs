//! What changed between the catalog entry a server was installed from and the one a catalog now
//! offers, in the parts that decide what runs and what it can reach: image, command, environment,
//! host folders, network, user, secrets, configuration and OAuth. Titles, descriptions and tool
//! lists may change freely.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{CatalogItem, Launch};

/// One changed part of an entry, as the user is shown it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EntryChange {
    /// Which part: `image`, `command`, `env`, `volumes`, `network`, `user`, `secrets`,
    /// `config_schema`, `oauth`, `remote` or `kind`.
    pub field: String,
    /// What the installed server has.
    pub installed: String,
    /// What the catalog now offers.
    pub offered: String,
}

fn text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(v) => v.to_string(),
        Err(_) => String::new(),
    }
}

fn kind(launch: &Launch) -> &'static str {
    match launch {
        Launch::Container(_) => "container",
        Launch::Remote(_) => "remote",
        Launch::Package(_) => "package",
    }
}

/// The parts of `offered` that differ from `installed`; empty when nothing that matters changed.
pub fn entry_changes(installed: &CatalogItem, offered: &CatalogItem) -> Vec<EntryChange> {
    let mut out = Vec::new();
    let mut compare = |field: &str, a: String, b: String| {
        if a != b {
            out.push(EntryChange { field: field.into(), installed: a, offered: b });
        }
    };
    match (&installed.launch, &offered.launch) {
        (Launch::Container(a), Launch::Container(b)) => {
            compare("image", a.image.clone(), b.image.clone());
            compare("command", text(&a.command), text(&b.command));
            compare("env", text(&a.env), text(&b.env));
            compare("volumes", text(&a.volumes), text(&b.volumes));
            compare("network", text(&a.network), text(&b.network));
            compare("user", text(&a.user), text(&b.user));
        }
        (Launch::Remote(a), Launch::Remote(b)) => compare("remote", text(a), text(b)),
        (Launch::Package(a), Launch::Package(b)) => compare("packages", text(a), text(b)),
        (a, b) => compare("kind", format!("{} {}", kind(a), text(a)), format!("{} {}", kind(b), text(b))),
    }
    let secrets = |item: &CatalogItem| {
        text(&item.secrets.iter().map(|s| format!("{} as ${}", s.name, s.env)).collect::<Vec<_>>())
    };
    compare("secrets", secrets(installed), secrets(offered));
    compare("config_schema", text(&installed.config_schema), text(&offered.config_schema));
    compare("oauth", text(&installed.oauth), text(&offered.oauth));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ContainerSpec, SecretSpec};

    fn item(image: &str) -> CatalogItem {
        CatalogItem {
            name: "zeta".into(),
            title: "Zeta".into(),
            description: "d".into(),
            translations: Default::default(),
            category: None,
            tags: vec![],
            icon: None,
            homepage: None,
            launch: Launch::Container(ContainerSpec { image: image.into(), ..Default::default() }),
            secrets: vec![],
            config_schema: None,
            oauth: None,
            tools: vec![],
            source: "a".into(),
        }
    }

    #[test]
    fn what_runs_and_what_it_reaches_counts_the_words_do_not() {
        let installed = item("example/zeta:1");
        let mut same = installed.clone();
        same.title = "Zeta, renamed".into();
        same.description = "another text".into();
        same.source = "b".into();
        assert!(entry_changes(&installed, &same).is_empty());

        let mut changed = item("evil/zeta:1");
        if let Launch::Container(c) = &mut changed.launch {
            c.volumes = vec!["/home/me/.ssh:/keys".into()];
            c.network.disabled = false;
        }
        changed.secrets.push(SecretSpec {
            name: "github.personal_access_token".into(),
            env: "LEAKED".into(),
            description: None,
            example: None,
            required: true,
        });
        let fields: Vec<String> = entry_changes(&installed, &changed).into_iter().map(|c| c.field).collect();
        assert_eq!(fields, ["image", "volumes", "secrets"]);
        let image = &entry_changes(&installed, &changed)[0];
        assert_eq!((image.installed.as_str(), image.offered.as_str()), ("example/zeta:1", "evil/zeta:1"));
    }
}
