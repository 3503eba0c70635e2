//! `LaunchPlan`: a catalog item, the user's configuration and secrets, resolved into the exact
//! container to run.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use berth_catalog::{CatalogItem, Launch};
use berth_runtime::{BindMount, EnvVar, Limits, NetworkMode, Owner, RunSpec};
use serde_json::Value;

use crate::{ServerError, ServerKey, ServerSettings};

/// What a plan runs: a container, a connection to a remote endpoint, or a local program speaking
/// MCP on its stdio (Docker's MCP Toolkit running the server).
#[derive(Clone, Debug)]
pub enum LaunchTarget {
    Container(RunSpec),
    Remote(crate::RemoteTarget),
    Process(crate::process::ProcessTarget),
}

/// Everything needed to start one server.
#[derive(Clone, Debug)]
pub struct LaunchPlan {
    /// The key the supervisor runs it under.
    pub key: ServerKey,
    pub target: LaunchTarget,
}

/// What a start is built from: the catalog entry, the user's configuration, settings and
/// secrets, and who it runs for; the rest has defaults, set with the builder methods.
#[derive(Clone, Debug)]
pub struct LaunchRequest<'a> {
    item: &'a CatalogItem,
    config: &'a Value,
    secrets: Option<&'a HashMap<String, String>>,
    settings: Option<&'a ServerSettings>,
    owner: Option<Owner>,
    session: Option<String>,
}

impl<'a> LaunchRequest<'a> {
    pub fn new(item: &'a CatalogItem, config: &'a Value) -> Self {
        Self { item, config, secrets: None, settings: None, owner: None, session: None }
    }

    /// Secret values by catalog secret name.
    pub fn secrets(mut self, secrets: &'a HashMap<String, String>) -> Self {
        self.secrets = Some(secrets);
        self
    }

    /// Resource settings; the hardened defaults otherwise.
    pub fn settings(mut self, settings: &'a ServerSettings) -> Self {
        self.settings = Some(settings);
        self
    }

    /// The process the server belongs to; this one otherwise.
    pub fn owner(mut self, owner: Owner) -> Self {
        self.owner = Some(owner);
        self
    }

    /// The gateway session that adds the server.
    pub fn session(mut self, session: impl Into<String>) -> Self {
        self.session = Some(session.into());
        self
    }
}

/// Checks `config` against the item's JSON Schema; every problem is reported, with its path.
pub fn validate_config(item: &CatalogItem, config: &Value) -> Result<(), ServerError> {
    let Some(schema) = &item.config_schema else {
        return match config {
            Value::Null => Ok(()),
            Value::Object(m) if m.is_empty() => Ok(()),
            _ => Err(ServerError::InvalidConfig(vec![format!("{} takes no configuration", item.name)])),
        };
    };
    let validator = jsonschema::validator_for(schema).map_err(|e| {
        ServerError::InvalidConfig(vec![format!("the catalog's schema for {} is broken: {e}", item.name)])
    })?;
    let config = if config.is_null() { Value::Object(Default::default()) } else { config.clone() };
    let errors: Vec<String> = validator
        .iter_errors(&config)
        .map(|e| {
            let path = e.instance_path().to_string();
            if path.is_empty() { e.to_string() } else { format!("{path}: {e}") }
        })
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(ServerError::InvalidConfig(errors)) }
}

/// Replaces `{{server.a.b}}` with the configured value at `a.b`.
fn expand(template: &str, item: &str, config: &Value) -> Result<String, ServerError> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| ServerError::Template(format!("unclosed {{{{ in {template:?} of {item}")))?;
        let expr = after[..end].trim();
        if expr.contains('|') {
            return Err(ServerError::Template(format!(
                "{item} uses the template {{{{{expr}}}}}, whose filters Berth does not support yet"
            )));
        }
        // The first segment names the server (`{{filesystem.path}}`); the rest is the config path.
        let path: Vec<&str> = expr.split('.').skip(1).collect();
        let mut v = config;
        for seg in &path {
            v = v.get(seg).unwrap_or(&Value::Null);
        }
        // Required values were enforced by the schema; an optional one that is absent is empty.
        let text = match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Array(a) => a
                .iter()
                .map(|x| x.as_str().map(str::to_owned).unwrap_or(x.to_string()))
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        out.push_str(&text);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn container_name(server: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let clean: String = server
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
        .take(40)
        .collect();
    // Unique per engine without a clock: random bits, this process and a counter.
    let mut random = [0u8; 4];
    let _ = getrandom::fill(&mut random);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("berth-{clean}-{:08x}{:x}", u32::from_le_bytes(random), std::process::id() as u64 * 1000 + n)
}

/// A host folder a server would see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostMount {
    /// The real path on the host, normalised.
    pub host: PathBuf,
    /// Where the container sees it.
    pub container: String,
    /// Whether the catalog named this host path itself, rather than taking it from the user's
    /// configuration (a volume whose host part is one `{{...}}` reference). The user must see
    /// such a path before the server is installed.
    pub from_catalog: bool,
    pub writable: bool,
}

/// Whether a volume's host part comes whole from the user's configuration: the entry starts with
/// one `{{...}}` reference that ends where the host part ends.
fn host_from_config(volume: &str) -> bool {
    volume.strip_prefix("{{").and_then(|rest| rest.split_once("}}")).is_some_and(|(reference, after)| {
        !reference.contains("{{") && (after.is_empty() || after.starts_with(':'))
    })
}

/// The top-level configuration fields whose value becomes a host folder (the `path` of a volume
/// `{{filesystem.path}}:/projects`), so a form can offer a folder picker for them.
pub fn folder_fields(item: &CatalogItem) -> Vec<String> {
    let Launch::Container(c) = &item.launch else { return Vec::new() };
    let mut fields: Vec<String> = c
        .volumes
        .iter()
        .filter(|v| host_from_config(v))
        .filter_map(|v| v.strip_prefix("{{")?.split_once("}}").map(|(reference, _)| reference.trim()))
        .filter_map(|reference| reference.split('|').next()?.split('.').nth(1).map(str::to_owned))
        .collect();
    fields.dedup();
    fields
}

/// The entry's bind mounts for `config`: templates expanded, each host folder normalised and
/// checked, read-only unless the user allowed writes.
fn mounts(
    item: &CatalogItem,
    volumes: &[String],
    config: &Value,
    settings: &ServerSettings,
) -> Result<Vec<HostMount>, ServerError> {
    let mut mounts = Vec::new();
    for raw in volumes {
        let v = expand(raw, &item.name, config)?;
        let parts: Vec<&str> = v.split(':').collect();
        let (host, container, mode) = match parts.as_slice() {
            [h, c] => (*h, *c, None),
            [h, c, m] => (*h, *c, Some(*m)),
            _ => return Err(ServerError::Template(format!("{} has an invalid volume {v:?}", item.name))),
        };
        // Checked as the path it really is: `..` applied and symbolic links followed.
        let host = berth_runtime::host_path::normalize(&PathBuf::from(host))
            .map_err(|problem| ServerError::Folder { name: item.name.clone(), problem })?;
        if let Some(problem) = berth_runtime::host_path::refusal(&host) {
            return Err(ServerError::Folder { name: item.name.clone(), problem });
        }
        let writable = mode == Some("rw") && settings.allow_writable_mounts;
        mounts.push(HostMount {
            host,
            container: container.to_owned(),
            from_catalog: !host_from_config(raw),
            writable,
        });
    }
    Ok(mounts)
}

/// The host folders `item` would share with `config`, checked before anything is stored: a mount
/// Berth refuses is refused at install, not only at start.
pub fn host_mounts(item: &CatalogItem, config: &Value) -> Result<Vec<HostMount>, ServerError> {
    match &item.launch {
        Launch::Container(c) => mounts(item, &c.volumes, config, &ServerSettings::default()),
        _ => Ok(Vec::new()),
    }
}

impl LaunchPlan {
    /// Resolves a request for a start.
    pub fn build(request: LaunchRequest<'_>) -> Result<Self, ServerError> {
        let LaunchRequest { item, config, secrets, settings, owner, session } = request;
        let no_secrets = HashMap::new();
        let secrets = secrets.unwrap_or(&no_secrets);
        let default_settings = ServerSettings::default();
        let settings = settings.unwrap_or(&default_settings);
        let owner = owner.unwrap_or_else(Owner::current);
        if let Launch::Remote(r) = &item.launch {
            validate_config(item, config)?;
            let target = crate::remote::target(item, r, secrets, settings)?;
            let key = ServerKey { session, server: item.name.clone() };
            return Ok(Self { key, target: LaunchTarget::Remote(target) });
        }
        let Launch::Container(c) = &item.launch else {
            let reason = "it is only published as a package (npm, PyPI, ...), not as a container image";
            return Err(ServerError::NotRunnable { name: item.name.clone(), reason: reason.into() });
        };
        validate_config(item, config)?;
        let mut env = Vec::new();
        for e in &c.env {
            let value = expand(&e.value, &item.name, config)?;
            // A variable whose template names an unset optional value is left out, not set empty.
            if value.is_empty() && e.value.contains("{{") {
                continue;
            }
            env.push(EnvVar { name: e.name.clone(), value, secret: false });
        }
        for s in &item.secrets {
            match secrets.get(&s.name) {
                Some(v) => env.push(EnvVar { name: s.env.clone(), value: v.clone(), secret: true }),
                None if s.required => {
                    return Err(ServerError::Template(format!(
                        "{} needs the secret {} (${}); store it with `berth secret set berth/server/{}/{}` or in the install form",
                        item.name, s.name, s.env, item.name, s.name
                    )));
                }
                None => {}
            }
        }
        let command =
            c.command.iter().map(|a| expand(a, &item.name, config)).collect::<Result<Vec<_>, _>>()?;
        let mounts = mounts(item, &c.volumes, config, settings)?
            .into_iter()
            .map(|m| BindMount { host: m.host, container: m.container, writable: m.writable })
            .collect();
        let spec = RunSpec {
            name: container_name(&item.name),
            image: c.image.clone(),
            command,
            env,
            mounts,
            limits: Limits {
                cpus: settings.cpus,
                memory_bytes: settings.memory_mb as i64 * 1024 * 1024,
                ..Limits::default()
            },
            network: if c.network.disabled { NetworkMode::None } else { NetworkMode::Bridge },
            user: c.user.clone(),
            server: item.name.clone(),
            session: session.clone(),
            owner,
        };
        spec.validate()?;
        let key = ServerKey { session, server: item.name.clone() };
        Ok(Self { key, target: LaunchTarget::Container(spec) })
    }

    /// The container this plan creates, if it runs one.
    pub fn container(&self) -> Option<&RunSpec> {
        match &self.target {
            LaunchTarget::Container(spec) => Some(spec),
            LaunchTarget::Remote(_) | LaunchTarget::Process(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn settings_outside_the_limits_are_refused() {
        assert!(ServerSettings::default().check().is_ok());
        let with = |cpus: f64, memory_mb: u32| ServerSettings { cpus, memory_mb, ..Default::default() };
        assert!(with(0.1, 64).check().is_ok() && with(64.0, 262_144).check().is_ok());
        for bad in [with(0.0, 2048), with(-1.0, 2048), with(f64::NAN, 2048), with(65.0, 2048)] {
            assert!(bad.check().unwrap_err().contains("CPUs"), "{bad:?}");
        }
        for bad in [with(1.0, 63), with(1.0, 300_000)] {
            assert!(bad.check().unwrap_err().contains("Memory"), "{bad:?}");
        }
    }
    use super::*;

    fn item(yaml: &str) -> CatalogItem {
        berth_catalog::import_bytes(yaml.as_bytes(), None).unwrap().items.remove(0)
    }

    const FS: &str = "registry:\n  fs:\n    image: mcp/filesystem\n    disableNetwork: true\n    command: ['{{fs.path}}']\n    volumes: ['{{fs.path}}:/projects:rw']\n    secrets: [{name: fs.token, env: FS_TOKEN}]\n    env: [{name: MODE, value: '{{fs.mode}}'}]\n    config:\n      - name: fs\n        type: object\n        properties:\n          path: {type: string}\n          mode: {type: string, enum: [ro, rw]}\n        required: [path, mode]\n";

    #[test]
    fn builds_a_hardened_plan_from_config_and_secrets() {
        let item = item(FS);
        let config = serde_json::json!({"path": "/srv/data", "mode": "ro"});
        let secrets = HashMap::from([("fs.token".to_owned(), "tok-abcdef".to_owned())]);
        let plan = LaunchPlan::build(LaunchRequest::new(&item, &config).secrets(&secrets)).unwrap();
        let s = plan.container().unwrap();
        assert_eq!(s.command, ["/srv/data"]);
        assert_eq!(s.network, NetworkMode::None);
        assert_eq!(s.mounts[0].host, PathBuf::from("/srv/data"));
        assert!(!s.mounts[0].writable, "read-only unless the user allows writable mounts");
        assert!(s.env.iter().any(|e| e.name == "MODE" && e.value == "ro" && !e.secret));
        assert!(s.env.iter().any(|e| e.name == "FS_TOKEN" && e.secret));
        let writable = ServerSettings { allow_writable_mounts: true, ..Default::default() };
        let plan =
            LaunchPlan::build(LaunchRequest::new(&item, &config).secrets(&secrets).settings(&writable))
                .unwrap();
        assert!(plan.container().unwrap().mounts[0].writable);
    }

    #[test]
    fn hostile_mounts_never_reach_a_spec() {
        for volume in [
            "/..:/host",
            "/etc/..:/host",
            "/:/host",
            "/var/run/docker.sock:/var/run/docker.sock",
            "/run/docker.sock:/s",
            "/var/lib/docker:/d",
            "/proc:/p",
            "/etc/ssh:/keys:ro",
            "/tmp/../../etc:/e",
            "/usr:/u",
        ] {
            let entry = format!("registry:\n  m:\n    image: x/y\n    volumes: ['{volume}']\n");
            let item = item(&entry);
            let e = LaunchPlan::build(LaunchRequest::new(&item, &Value::Null)).unwrap_err();
            assert!(matches!(e, ServerError::Folder { .. }), "{volume}: {e}");
            assert!(host_mounts(&item, &Value::Null).is_err(), "{volume}");
        }
        // Where the host path comes from: the user's configuration only when the host part is one
        // reference, whole.
        for (volume, from_catalog) in [
            ("{{m.path}}:/data", false),
            ("{{m.path}}", false),
            ("{{m.path}}/../x:/data", true),
            ("/srv/{{m.path}}:/data", true),
            ("{{m.a}}{{m.b}}:/data", true),
            ("/srv/data:/data", true),
        ] {
            assert_eq!(host_from_config(volume), !from_catalog, "{volume}");
            let entry = format!("registry:\n  m:\n    image: x/y\n    volumes: ['{volume}']\n");
            let picked = if from_catalog { Vec::<String>::new() } else { vec!["path".to_owned()] };
            assert_eq!(folder_fields(&item(&entry)), picked, "{volume}");
        }
        // Through the user's own configuration too.
        let item = item(FS);
        let secrets = HashMap::from([("fs.token".to_owned(), "tok-abcdef".to_owned())]);
        let config = serde_json::json!({"path": "/srv/../", "mode": "ro"});
        let e = LaunchPlan::build(LaunchRequest::new(&item, &config).secrets(&secrets)).unwrap_err();
        assert!(e.to_string().contains("root folder"), "{e}");
        let fine = serde_json::json!({"path": "/srv/data/../projects", "mode": "ro"});
        let plan = LaunchPlan::build(LaunchRequest::new(&item, &fine).secrets(&secrets)).unwrap();
        assert_eq!(plan.container().unwrap().mounts[0].host, PathBuf::from("/srv/projects"));
    }

    #[test]
    fn optional_values_left_out_are_not_set() {
        let item = item(
            "registry:\n  e:\n    image: x/y\n    config:\n      - name: e\n        type: object\n        properties:\n          greeting: {type: string}\n    env: [{name: GREETING, value: '{{e.greeting}}'}]\n",
        );
        let plan = LaunchPlan::build(LaunchRequest::new(&item, &Value::Null)).unwrap();
        assert!(
            !plan.container().unwrap().env.iter().any(|e| e.name == "GREETING"),
            "{:?}",
            plan.container().unwrap().env
        );
        let config = serde_json::json!({"greeting": "hi"});
        let plan = LaunchPlan::build(LaunchRequest::new(&item, &config)).unwrap();
        assert!(plan.container().unwrap().env.iter().any(|e| e.name == "GREETING" && e.value == "hi"));
        let in_session = LaunchPlan::build(LaunchRequest::new(&item, &config).session("s1")).unwrap();
        assert_eq!(in_session.key, ServerKey::in_session("s1", "e"));
        assert_eq!(in_session.container().unwrap().session.as_deref(), Some("s1"));
    }

    #[test]
    fn explains_what_is_missing_or_wrong() {
        let item = item(FS);
        let secrets = HashMap::from([("fs.token".to_owned(), "tok-abcdef".to_owned())]);
        let bad = serde_json::json!({"path": 3});
        let e = LaunchPlan::build(LaunchRequest::new(&item, &bad).secrets(&secrets)).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("/path") && msg.contains("mode"), "{msg}");
        let good = serde_json::json!({"path": "/x", "mode": "ro"});
        let e = LaunchPlan::build(LaunchRequest::new(&item, &good)).unwrap_err();
        assert!(e.to_string().contains("berth secret set berth/server/fs/fs.token"), "{e}");
        let relative = serde_json::json!({"path": "relative", "mode": "ro"});
        let e = LaunchPlan::build(LaunchRequest::new(&item, &relative).secrets(&secrets)).unwrap_err();
        assert!(e.to_string().contains("absolute"), "{e}");
        // A remote entry plans a connection; one on plain http to another computer is refused.
        let remote =
            self::item("registry:\n  r:\n    type: remote\n    remote: {url: 'https://x.example/mcp'}\n");
        let plan = LaunchPlan::build(LaunchRequest::new(&remote, &Value::Null)).unwrap();
        assert!(matches!(plan.target, LaunchTarget::Remote(_)) && plan.container().is_none());
        let plain =
            self::item("registry:\n  r:\n    type: remote\n    remote: {url: 'http://x.example/mcp'}\n");
        assert!(matches!(
            LaunchPlan::build(LaunchRequest::new(&plain, &Value::Null)),
            Err(ServerError::NotRunnable { .. })
        ));
    }
}
