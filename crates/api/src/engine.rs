//! Which engine runs container servers: Berth itself (the hardened containers it creates), or
//! Docker's MCP Toolkit (`docker mcp gateway run`) when the user picks it and the `docker mcp`
//! plugin is installed. With the toolkit the image check is the toolkit's, always asked for with
//! `--verify-signatures` while Berth's verification is on; its failures come back as Berth's
//! errors.

use berth_catalog::CatalogItem;
use berth_servers::process::ProcessTarget;
use berth_servers::{LaunchPlan, LaunchTarget};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, Berth, ErrorCode, msg};

const ENGINE_SETTING: &str = "runtime.engine";

/// What runs container servers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    /// Berth creates and supervises the containers.
    #[default]
    Berth,
    /// Docker's MCP Toolkit runs each server (`docker mcp gateway run --servers NAME`).
    DockerMcp,
}

/// Whether the `docker mcp` plugin answers.
async fn toolkit_installed() -> bool {
    let version = tokio::process::Command::new("docker")
        .args(["mcp", "version"])
        .stdin(std::process::Stdio::null())
        .output()
        .await;
    version.is_ok_and(|o| o.status.success())
}

fn no_toolkit() -> ApiError {
    ApiError::msg(ErrorCode::Unsupported, msg!("msg.engine.no_toolkit"))
}

/// The error for a server the toolkit did not start: a refused image (its reason names the
/// signature) or another failure, with the toolkit's own last words.
pub(crate) fn toolkit_failed(name: &str, reason: &str, stderr: &[String]) -> ApiError {
    let said =
        stderr.iter().rev().find(|l| !l.trim().is_empty()).cloned().unwrap_or_else(|| reason.to_owned());
    let said = crate::text::visible(&said);
    let error = match said.to_ascii_lowercase().contains("signature") {
        true => ApiError::msg(
            ErrorCode::SignatureWrongKey,
            msg!("msg.engine.refused", name = name, reason = said),
        ),
        false => {
            ApiError::msg(ErrorCode::DockerUnavailable, msg!("msg.engine.failed", name = name, reason = said))
        }
    };
    error.with_detail(stderr.join("\n"))
}

impl Berth {
    pub async fn engine(&self) -> Result<Engine, ApiError> {
        Ok(self.store.setting::<Engine>(ENGINE_SETTING).await?.unwrap_or_default())
    }

    /// Picks the engine; the toolkit only when its plugin is installed.
    pub async fn set_engine(&self, engine: Engine) -> Result<Engine, ApiError> {
        if engine == Engine::DockerMcp && !toolkit_installed().await {
            return Err(no_toolkit());
        }
        self.store.set_setting(ENGINE_SETTING, &engine).await?;
        tracing::info!(?engine, "engine chosen");
        Ok(engine)
    }

    /// `plan` for a container server as the toolkit runs it, when the user picked the toolkit;
    /// `None` when Berth runs it.
    pub(crate) async fn toolkit_plan(
        &self,
        item: &CatalogItem,
        plan: &LaunchPlan,
    ) -> Result<Option<LaunchPlan>, ApiError> {
        if !matches!(plan.target, LaunchTarget::Container(_)) || self.engine().await? != Engine::DockerMcp {
            return Ok(None);
        }
        if !toolkit_installed().await {
            return Err(no_toolkit());
        }
        let mut args: Vec<String> =
            ["mcp", "gateway", "run", "--transport", "stdio", "--servers"].map(str::to_owned).into();
        args.push(item.name.clone());
        if self.verify_signatures().await? {
            args.push("--verify-signatures".into());
        }
        let target = ProcessTarget { program: "docker".into(), args };
        Ok(Some(LaunchPlan { key: plan.key.clone(), target: LaunchTarget::Process(target) }))
    }
}
