//! `RunSpec`: everything needed to create one hardened MCP server container.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use crate::labels::{LABEL_MANAGED, LABEL_OWNER, LABEL_SERVER, LABEL_SESSION};
use crate::{Owner, RuntimeError};

/// An environment variable for the container. Secret values are marked so no `Debug` or log line
/// ever shows them; they reach the engine only in the create call.
#[derive(Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
    pub secret: bool,
}

impl fmt::Debug for EnvVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = if self.secret { "[redacted]" } else { self.value.as_str() };
        write!(f, "{}={value}", self.name)
    }
}

/// A host folder shared with the container; read-only unless the user made it writable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindMount {
    pub host: PathBuf,
    pub container: String,
    pub writable: bool,
}

/// Resource limits; every container has them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    pub cpus: f64,
    pub memory_bytes: i64,
    pub pids: i64,
}

impl Default for Limits {
    /// One CPU and 2 GiB, as Docker's own MCP gateway gives its servers, and a process cap that
    /// stops fork bombs.
    fn default() -> Self {
        Self { cpus: 1.0, memory_bytes: 2 * 1024 * 1024 * 1024, pids: 512 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkMode {
    /// No network interface but loopback.
    None,
    /// The engine's default bridge network.
    Bridge,
}

/// A container to create. There are no knobs to weaken the hardening: no privileged mode, no
/// added capabilities, no host network.
#[derive(Clone, Debug)]
pub struct RunSpec {
    /// The container name; unique per engine.
    pub name: String,
    pub image: String,
    pub command: Vec<String>,
    pub env: Vec<EnvVar>,
    pub mounts: Vec<BindMount>,
    pub limits: Limits,
    pub network: NetworkMode,
    pub user: Option<String>,
    /// The installed server this container runs.
    pub server: String,
    pub session: Option<String>,
    pub owner: Owner,
}

impl RunSpec {
    pub fn validate(&self) -> Result<(), RuntimeError> {
        let bad = |m: String| Err(RuntimeError::InvalidSpec(m));
        if self.image.trim().is_empty() || self.image.contains(char::is_whitespace) {
            return bad(format!("image reference {:?} is not valid", self.image));
        }
        if self.name.is_empty() || !self.name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        {
            return bad(format!("container name {:?} is not valid", self.name));
        }
        for e in &self.env {
            if e.name.is_empty() || e.name.contains('=') || e.name.contains('\0') || e.value.contains('\0') {
                return bad(format!("environment variable {:?} is not valid", e.name));
            }
        }
        for m in &self.mounts {
            if !m.host.is_absolute() || !m.container.starts_with('/') {
                return bad(format!("mount {} → {} must use absolute paths", m.host.display(), m.container));
            }
            // The last check before the engine sees the spec: whoever built it, a protected or
            // unnormalised host path does not get through.
            if let Some(why) = crate::host_path::refusal(&m.host) {
                return bad(why.to_string());
            }
        }
        if !(self.limits.cpus > 0.0 && self.limits.memory_bytes > 0 && self.limits.pids > 0) {
            return bad("CPU, memory and process limits must be positive".into());
        }
        for (k, v) in self.labels() {
            if self
                .env
                .iter()
                .any(|e| e.secret && !e.value.is_empty() && (v.contains(&e.value) || k.contains(&e.value)))
            {
                return bad("a label would contain a secret value".into());
            }
        }
        Ok(())
    }

    /// The labels Berth puts on the container; never a secret (checked by `validate`).
    pub fn labels(&self) -> HashMap<String, String> {
        let mut labels = HashMap::from([
            (LABEL_MANAGED.to_owned(), "true".to_owned()),
            (LABEL_SERVER.to_owned(), self.server.clone()),
            (LABEL_OWNER.to_owned(), self.owner.to_string()),
        ]);
        if let Some(s) = &self.session {
            labels.insert(LABEL_SESSION.to_owned(), s.clone());
        }
        labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> RunSpec {
        RunSpec {
            name: "berth-echo-1".into(),
            image: "example/echo:1".into(),
            command: vec![],
            env: vec![EnvVar { name: "TOKEN".into(), value: "s3cr3t-value".into(), secret: true }],
            mounts: vec![],
            limits: Limits::default(),
            network: NetworkMode::None,
            user: None,
            server: "echo".into(),
            session: None,
            owner: Owner::current(),
        }
    }

    #[test]
    fn debug_never_shows_secret_env() {
        let s = format!("{:?}", spec());
        assert!(!s.contains("s3cr3t-value") && s.contains("TOKEN=[redacted]"), "{s}");
    }

    #[test]
    fn rejects_unsafe_specs() {
        assert!(spec().validate().is_ok());
        let mut s = spec();
        s.mounts.push(BindMount { host: "/".into(), container: "/host".into(), writable: false });
        assert!(s.validate().is_err());
        let mut s = spec();
        s.mounts.push(BindMount { host: "relative".into(), container: "/x".into(), writable: false });
        assert!(s.validate().is_err());
        for host in ["/..", "/etc/..", "/var/run/docker.sock", "/etc", "/tmp/../proc"] {
            let mut s = spec();
            s.mounts.push(BindMount { host: host.into(), container: "/x".into(), writable: false });
            assert!(s.validate().is_err(), "{host}");
        }
        let mut s = spec();
        s.mounts.push(BindMount { host: "/srv/data".into(), container: "/x".into(), writable: false });
        assert!(s.validate().is_ok());
        let mut s = spec();
        s.server = "echo-s3cr3t-value".into();
        assert!(s.validate().is_err(), "a secret in a label is refused");
        let mut s = spec();
        s.limits.memory_bytes = 0;
        assert!(s.validate().is_err());
    }
}
