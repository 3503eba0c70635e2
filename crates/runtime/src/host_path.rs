//! Host folders a container may see: normalised before any check (no `.` or `..`, symbolic links
//! resolved), and never the root, the engine's socket or state, or the system's own folders,
//! whatever a catalog asks for.

use std::path::{Component, Path, PathBuf};

/// Why a host folder may not be shared with a server. The text is English for logs and the CLI's
/// fallback; the facade shows each kind by its own message key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FolderProblem {
    #[error("the folder {} must be an absolute path", .0.display())]
    Relative(PathBuf),
    #[error("the host's root folder cannot be shared with a server")]
    Root,
    #[error("{} is not a normalised path", .0.display())]
    NotNormalised(PathBuf),
    #[error("{} controls a container engine and is never shared with a server", .0.display())]
    EngineSocket(PathBuf),
    #[error(
        "{} holds a container engine's configuration and credentials, which are never shared with a server",
        .0.display()
    )]
    EngineConfig(PathBuf),
    #[error(
        "{} is or holds a system or container-engine folder ({}), which is never shared with a server",
        .path.display(),
        .protected.display()
    )]
    Protected { path: PathBuf, protected: PathBuf },
}

/// Folders a server never gets, nor any folder inside or above one of them: the system's own
/// files, the kernel's views, and the container engines' state and sockets.
const PROTECTED: &[&str] = &[
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/proc",
    "/run",
    "/sbin",
    "/sys",
    "/usr",
    "/var/run",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/containers",
    "/private/etc",
    "/private/var/run",
    "/System",
    "/Library",
];

/// Sockets that hand out control of a container engine; refused wherever they are.
const ENGINE_SOCKETS: &[&str] =
    &["docker.sock", "containerd.sock", "podman.sock", "crio.sock", "dockershim.sock", "buildkitd.sock"];

/// `path` with `.` and `..` applied, without touching the file system; `..` above the root stays at
/// the root, as the kernel reads it.
pub fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Prefix(p) => out.push(p.as_os_str()),
            Component::RootDir => out.push(Component::RootDir.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
        }
    }
    out
}

/// The real path a bind mount of `path` would share: absolute, `.` and `..` applied, and every
/// symbolic link along the part that exists resolved.
pub fn normalize(path: &Path) -> Result<PathBuf, FolderProblem> {
    if !path.is_absolute() {
        return Err(FolderProblem::Relative(path.to_owned()));
    }
    let plain = lexical(path);
    // Resolve the longest part that exists; a missing rest is appended as written.
    let mut existing = plain.clone();
    let mut rest = Vec::new();
    loop {
        match std::fs::canonicalize(&existing) {
            Ok(real) => {
                let mut out = real;
                for part in rest.iter().rev() {
                    out.push(part);
                }
                return Ok(lexical(&out));
            }
            Err(_) => match (existing.file_name().map(|n| n.to_owned()), existing.parent()) {
                (Some(name), Some(parent)) => {
                    rest.push(name);
                    existing = parent.to_owned();
                }
                _ => return Ok(plain),
            },
        }
    }
}

/// Why `path` (normalised) may not be shared with a server, if it may not.
pub fn refusal(path: &Path) -> Option<FolderProblem> {
    if path.parent().is_none() {
        return Some(FolderProblem::Root);
    }
    if path.components().any(|c| matches!(c, Component::CurDir | Component::ParentDir)) {
        return Some(FolderProblem::NotNormalised(path.to_owned()));
    }
    if let Some(name) = path.file_name().and_then(|n| n.to_str())
        && ENGINE_SOCKETS.contains(&name)
    {
        return Some(FolderProblem::EngineSocket(path.to_owned()));
    }
    // A user's engine configuration: registry credentials and the contexts that reach engines.
    if path.components().any(|c| matches!(c.as_os_str().to_str(), Some(".docker" | ".containerd"))) {
        return Some(FolderProblem::EngineConfig(path.to_owned()));
    }
    for protected in PROTECTED.iter().map(Path::new) {
        if path.starts_with(protected) || protected.starts_with(path) {
            return Some(FolderProblem::Protected { path: path.to_owned(), protected: protected.to_owned() });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_system_folders_are_refused() {
        let refused = |p: &str| refusal(&normalize(Path::new(p)).unwrap()).is_some();
        for bad in [
            "/",
            "/..",
            "/../..",
            "/etc/..",
            "/tmp/../",
            "/tmp/./../etc/ssh",
            "/var/run/docker.sock",
            "/run/docker.sock",
            "/var/run",
            "/var",
            "/var/lib/docker/volumes",
            "/proc/self",
            "/sys",
            "/dev/sda",
            "/etc/shadow",
            "/usr/bin",
            "/home/me/.local/share/docker.sock",
            "/home/me/.docker",
            "/home/me/.docker/config.json",
            "/boot",
        ] {
            assert!(refused(bad), "{bad} was allowed");
        }
        for good in ["/tmp/project", "/srv/data", "/home/me/code", "/tmp/a/../b"] {
            assert!(!refused(good), "{good} was refused");
        }
        assert!(normalize(Path::new("relative/path")).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_are_followed_before_the_check() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("innocent");
        std::os::unix::fs::symlink("/etc", &link).unwrap();
        let real = normalize(&link.join("ssh")).unwrap();
        assert_eq!(real, PathBuf::from("/etc/ssh"));
        assert!(refusal(&real).is_some());
        let to_root = dir.path().join("up");
        std::os::unix::fs::symlink("/", &to_root).unwrap();
        assert!(refusal(&normalize(&to_root).unwrap()).is_some());
        // A folder that does not exist yet keeps its name under the real parent.
        let later = normalize(&dir.path().join("not-yet/../made")).unwrap();
        assert!(later.ends_with("made") && refusal(&later).is_none(), "{}", later.display());
    }
}
