//! A server's failures (configuration, refusals, handshake, transport, the engine) as the
//! facade's errors, by message key.

use berth_runtime::host_path::FolderProblem;
use berth_servers::ServerError;

use crate::{ApiError, ErrorCode};

impl From<ServerError> for ApiError {
    fn from(e: ServerError) -> Self {
        use crate::msg;
        let text = e.to_string();
        match e {
            ServerError::InvalidConfig(problems) => ApiError::msg(
                ErrorCode::Validation,
                msg!("msg.server.config_invalid", problems = problems.join("; ")),
            ),
            ServerError::Template(reason) => {
                ApiError::msg(ErrorCode::Validation, msg!("msg.server.template", reason = reason))
            }
            ServerError::NotRunnable { name, reason } => ApiError::msg(
                ErrorCode::Unsupported,
                msg!("msg.server.not_runnable", name = name, reason = reason),
            ),
            ServerError::Folder { name, problem } => {
                ApiError::msg(ErrorCode::Validation, folder_msg(&name, problem))
            }
            ServerError::AlreadyRunning(name) => {
                ApiError::msg(ErrorCode::Conflict, msg!("msg.server.already_running", name = name))
            }
            ServerError::NotRunning(name) => {
                ApiError::msg(ErrorCode::Conflict, msg!("msg.server.not_running", name = name))
            }
            ServerError::Cancelled(name) => {
                ApiError::msg(ErrorCode::Conflict, msg!("msg.server.cancelled", name = name))
            }
            ServerError::Handshake { name, reason, stderr } => {
                let m = if stderr.is_empty() {
                    msg!("msg.server.handshake", name = name, reason = reason)
                } else {
                    msg!(
                        "msg.server.handshake_output",
                        name = name,
                        reason = reason,
                        output = stderr.join(" | ")
                    )
                };
                ApiError::msg(ErrorCode::Internal, m).with_detail(text)
            }
            ServerError::InsufficientScope { name, .. } => {
                ApiError::msg(ErrorCode::AuthRequired, msg!("msg.server.insufficient_scope", name = name))
            }
            ServerError::NeedsAuth { name, .. } => {
                ApiError::msg(ErrorCode::AuthRequired, msg!("msg.server.needs_auth", name = name))
            }
            ServerError::Transport { name, reason } => {
                ApiError::msg(ErrorCode::Network, msg!("msg.server.transport", name = name, reason = reason))
                    .retryable()
            }
            ServerError::Engine { name, reason, stderr, .. } => {
                crate::engine::toolkit_failed(&name, &reason, &stderr)
            }
            ServerError::Runtime(r) => r.into(),
        }
    }
}

/// A refused host folder, one key per reason.
fn folder_msg(name: &str, problem: FolderProblem) -> crate::messages::Msg {
    use crate::msg;
    match problem {
        FolderProblem::Relative(path) => msg!("msg.folder.relative", name = name, path = path.display()),
        FolderProblem::Root => msg!("msg.folder.root", name = name),
        FolderProblem::NotNormalised(path) => {
            msg!("msg.folder.not_normalised", name = name, path = path.display())
        }
        FolderProblem::EngineSocket(path) => {
            msg!("msg.folder.engine_socket", name = name, path = path.display())
        }
        FolderProblem::EngineConfig(path) => {
            msg!("msg.folder.engine_config", name = name, path = path.display())
        }
        FolderProblem::Protected { path, protected } => {
            msg!("msg.folder.protected", name = name, path = path.display(), protected = protected.display())
        }
    }
}
