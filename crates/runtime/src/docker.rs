//! The bollard implementation of `ContainerRuntime`.

use std::collections::HashMap;

use async_trait::async_trait;
use bollard::models::{ContainerCreateBody, HostConfig, Mount, MountType};
use bollard::query_parameters::{
    AttachContainerOptions, CreateContainerOptions, CreateImageOptions, ListContainersOptions, LogsOptions,
    RemoveContainerOptions, StopContainerOptions,
};
use futures_util::StreamExt;

use crate::engine::PROBE_TIMEOUT;
use crate::labels::{LABEL_MANAGED, LABEL_OWNER, LABEL_SERVER, LABEL_SESSION};
use crate::{
    ContainerRuntime, DockerEngine, EngineInfo, ManagedContainer, NetworkMode, PullProgress, RunSpec,
    RuntimeError, StdioPipes,
};

/// Splits `repo[:tag]` so a pull asks for one tag; without a tag the API would pull them all.
fn pull_reference(image: &str) -> (String, Option<String>) {
    if image.contains('@') {
        return (image.to_owned(), None);
    }
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].rfind(':') {
        Some(i) => (image[..last_slash + i].to_owned(), Some(image[last_slash + i + 1..].to_owned())),
        None => (image.to_owned(), Some("latest".to_owned())),
    }
}

fn create_body(spec: &RunSpec) -> ContainerCreateBody {
    let mounts = spec
        .mounts
        .iter()
        .map(|m| Mount {
            target: Some(m.container.clone()),
            source: Some(m.host.display().to_string()),
            typ: Some(MountType::BIND),
            read_only: Some(!m.writable),
            ..Default::default()
        })
        .collect();
    let host_config = HostConfig {
        security_opt: Some(vec!["no-new-privileges:true".into()]),
        cap_drop: Some(vec!["ALL".into()]),
        nano_cpus: Some((spec.limits.cpus * 1e9) as i64),
        memory: Some(spec.limits.memory_bytes),
        // No swap beyond the memory limit.
        memory_swap: Some(spec.limits.memory_bytes),
        pids_limit: Some(spec.limits.pids),
        network_mode: Some(match spec.network {
            NetworkMode::None => "none".into(),
            NetworkMode::Bridge => "bridge".into(),
        }),
        mounts: Some(mounts),
        privileged: Some(false),
        // An init process as PID 1 forwards SIGTERM (a server running as PID 1 without its own
        // handler ignores it, so every stop would wait out the grace period) and reaps zombies.
        init: Some(true),
        // A container ends with its owner: when the owning process dies, its attach connection
        // drops, stdin closes (`stdin_once`), the server exits on end of input, and the engine
        // removes what is left. The label reaper is the backstop for servers that ignore EOF.
        auto_remove: Some(true),
        ..Default::default()
    };
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        cmd: (!spec.command.is_empty()).then(|| spec.command.clone()),
        env: Some(spec.env.iter().map(|e| format!("{}={}", e.name, e.value)).collect()),
        labels: Some(spec.labels()),
        user: spec.user.clone(),
        attach_stdin: Some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        open_stdin: Some(true),
        stdin_once: Some(true),
        tty: Some(false),
        network_disabled: Some(spec.network == NetworkMode::None),
        host_config: Some(host_config),
        ..Default::default()
    }
}

#[async_trait]
impl ContainerRuntime for DockerEngine {
    async fn info(&self) -> Result<EngineInfo, RuntimeError> {
        let v = tokio::time::timeout(PROBE_TIMEOUT, self.docker.version())
            .await
            .map_err(|_| RuntimeError::Unavailable {
                host: self.host.clone(),
                reason: format!("no answer within {}s", PROBE_TIMEOUT.as_secs()),
            })?
            .map_err(|e| self.err(e))?;
        Ok(EngineInfo {
            version: v.version.unwrap_or_default(),
            api_version: v.api_version.unwrap_or_default(),
            os: v.os.unwrap_or_default(),
            host: self.host.clone(),
        })
    }

    async fn ensure_image(
        &self,
        image: &str,
        progress: &(dyn Fn(PullProgress) + Send + Sync),
    ) -> Result<(), RuntimeError> {
        match self.docker.inspect_image(image).await {
            Ok(_) => return Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {}
            Err(e) => return Err(self.err(e)),
        }
        let (from_image, tag) = pull_reference(image);
        let options = CreateImageOptions { from_image: Some(from_image), tag, ..Default::default() };
        let mut stream = self.docker.create_image(Some(options), None, None);
        let mut layers: HashMap<String, (u64, u64)> = HashMap::new();
        let pull_err = |reason: String| RuntimeError::Pull { image: image.to_owned(), reason };
        while let Some(item) = stream.next().await {
            let info = match item {
                Ok(info) => info,
                Err(bollard::errors::Error::DockerStreamError { error }) => return Err(pull_err(error)),
                Err(e @ bollard::errors::Error::DockerResponseServerError { .. }) => {
                    return Err(pull_err(self.err(e).to_string()));
                }
                Err(e) => return Err(self.err(e)),
            };
            if let Some(detail) = info.error_detail {
                return Err(pull_err(detail.message.unwrap_or_else(|| "unknown error".into())));
            }
            if let (Some(id), Some(d)) = (&info.id, &info.progress_detail) {
                let entry = layers.entry(id.clone()).or_default();
                entry.0 = d.current.unwrap_or(entry.0 as i64).max(0) as u64;
                entry.1 = d.total.unwrap_or(entry.1 as i64).max(0) as u64;
            }
            let (current, total) = layers.values().fold((0, 0), |(c, t), (lc, lt)| (c + lc, t + lt));
            progress(PullProgress { status: info.status.unwrap_or_default(), current, total });
        }
        // A pull that "finished" without the image means the engine swallowed an error.
        self.docker.inspect_image(image).await.map_err(|e| pull_err(e.to_string()))?;
        Ok(())
    }

    async fn create(&self, spec: &RunSpec) -> Result<String, RuntimeError> {
        spec.validate()?;
        let options = CreateContainerOptions { name: Some(spec.name.clone()), ..Default::default() };
        let created =
            self.docker.create_container(Some(options), create_body(spec)).await.map_err(|e| self.err(e))?;
        Ok(created.id)
    }

    async fn attach(&self, id: &str) -> Result<StdioPipes, RuntimeError> {
        let options = AttachContainerOptions {
            stdin: true,
            stdout: true,
            stderr: true,
            stream: true,
            logs: false,
            detach_keys: None,
        };
        let results = self.docker.attach_container(id, Some(options)).await.map_err(|e| self.err(e))?;
        Ok(StdioPipes::from_attach(results))
    }

    async fn start(&self, id: &str) -> Result<(), RuntimeError> {
        self.docker.start_container(id, None).await.map_err(|e| self.err(e))
    }

    async fn stop_and_remove(&self, id: &str, grace_secs: u32) -> Result<(), RuntimeError> {
        let stop = StopContainerOptions { t: Some(grace_secs as i32), signal: None };
        match self.docker.stop_container(id, Some(stop)).await {
            // 304: already stopped; 404: already gone.
            Ok(())
            | Err(bollard::errors::Error::DockerResponseServerError { status_code: 304 | 404, .. }) => {}
            Err(e) => return Err(self.err(e)),
        }
        let remove = RemoveContainerOptions { force: true, v: true, link: false };
        match self.docker.remove_container(id, Some(remove)).await {
            // 404: gone.
            Ok(()) | Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {
                Ok(())
            }
            // 409: the engine is already removing it (auto-remove after the stop); a stop means
            // gone, so wait for that to finish.
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 409, .. }) => {
                self.wait_gone(id).await
            }
            Err(e) => Err(self.err(e)),
        }
    }

    async fn list_managed(&self) -> Result<Vec<ManagedContainer>, RuntimeError> {
        let filters = HashMap::from([("label".to_owned(), vec![format!("{LABEL_MANAGED}=true")])]);
        let options = ListContainersOptions { all: true, filters: Some(filters), ..Default::default() };
        let list = self.docker.list_containers(Some(options)).await.map_err(|e| self.err(e))?;
        Ok(list
            .into_iter()
            .map(|c| {
                let labels = c.labels.unwrap_or_default();
                ManagedContainer {
                    id: c.id.unwrap_or_default(),
                    name: c
                        .names
                        .and_then(|n| n.first().cloned())
                        .unwrap_or_default()
                        .trim_start_matches('/')
                        .to_owned(),
                    server: labels.get(LABEL_SERVER).cloned().unwrap_or_default(),
                    session: labels.get(LABEL_SESSION).cloned(),
                    owner: labels.get(LABEL_OWNER).cloned(),
                    state: c.state.map(|s| s.to_string()).unwrap_or_default(),
                }
            })
            .collect())
    }

    async fn logs(&self, id: &str, tail: usize) -> Result<Vec<String>, RuntimeError> {
        let options =
            LogsOptions { stdout: true, stderr: true, tail: tail.to_string(), ..Default::default() };
        let mut stream = self.docker.logs(id, Some(options));
        let mut lines = Vec::new();
        while let Some(item) = stream.next().await {
            // Filter on the frame too: not every engine honours `stdout=false`.
            if let bollard::container::LogOutput::StdErr { message } = item.map_err(|e| self.err(e))? {
                lines.extend(String::from_utf8_lossy(&message).lines().map(str::to_owned));
            }
        }
        Ok(lines)
    }
}

/// How long a removal the engine has begun may take before Berth reports it.
const REMOVAL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

impl DockerEngine {
    /// Waits until the container no longer exists.
    async fn wait_gone(&self, id: &str) -> Result<(), RuntimeError> {
        let deadline = tokio::time::Instant::now() + REMOVAL_TIMEOUT;
        loop {
            match self.docker.inspect_container(id, None).await {
                Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {
                    return Ok(());
                }
                Err(e) => return Err(self.err(e)),
                Ok(_) if tokio::time::Instant::now() > deadline => {
                    return Err(RuntimeError::Engine(format!(
                        "container {id} was still being removed after {} s",
                        REMOVAL_TIMEOUT.as_secs()
                    )));
                }
                Ok(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pulls_ask_for_one_tag() {
        assert_eq!(pull_reference("mcp/time"), ("mcp/time".into(), Some("latest".into())));
        assert_eq!(
            pull_reference("127.0.0.1:5000/ns/img:1"),
            ("127.0.0.1:5000/ns/img".into(), Some("1".into()))
        );
        assert_eq!(
            pull_reference("localhost:5000/img"),
            ("localhost:5000/img".into(), Some("latest".into()))
        );
        assert_eq!(pull_reference("mcp/x@sha256:abc"), ("mcp/x@sha256:abc".into(), None));
    }
}
