//! `ApiError`: the one error shape every facade function returns, with a closed set of codes.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What kind of failure an [`ApiError`] is. The UI branches on this and localises the text; it
/// never parses messages. New codes are added here, deliberately, never made up at call sites.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Input was rejected; the message names the field and the rule.
    Validation,
    /// The named thing does not exist.
    NotFound,
    /// The thing exists already or changed underneath.
    Conflict,
    /// The Docker engine cannot be reached.
    DockerUnavailable,
    /// The OS keychain cannot be used.
    KeychainUnavailable,
    /// The database could not be opened, migrated or written.
    Storage,
    /// An OAuth callback whose `state` is unknown, expired or used (HTTP 401 semantics).
    StateMismatch,
    /// A container image failed signature verification.
    SignatureInvalid,
    /// A URL failed scheme, allowlist or private-range checks.
    UrlNotAllowed,
    /// A network peer could not be reached or dropped the connection.
    Network,
    /// An operation ran out of time.
    Timeout,
    /// The request is understood but not supported (yet, or on this platform).
    Unsupported,
    /// A bug: something Berth did not expect. The message says where to report it.
    Internal,
}

impl ErrorCode {
    /// The HTTP status this error maps to where one is needed (loopback callbacks, the gateway).
    pub fn http_status(self) -> u16 {
        match self {
            Self::Validation | Self::UrlNotAllowed => 400,
            Self::StateMismatch => 401,
            Self::SignatureInvalid => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::Unsupported => 501,
            Self::DockerUnavailable | Self::KeychainUnavailable | Self::Network => 503,
            Self::Timeout => 504,
            Self::Storage | Self::Internal => 500,
        }
    }
}

/// The error every facade function returns. `message` says what happened, why, and what to do
/// next; `detail` carries the underlying technical cause for logs and "show details".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub detail: Option<String>,
    /// Whether trying the same thing again may succeed without the user changing anything.
    pub retryable: bool,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), detail: None, retryable: false }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Validation, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn retryable(mut self) -> Self {
        self.retryable = true;
        self
    }
}

impl From<berth_store::StoreError> for ApiError {
    fn from(e: berth_store::StoreError) -> Self {
        use berth_store::StoreError as E;
        if let E::Conflict(what) = &e {
            return Self::new(
                ErrorCode::Conflict,
                format!("{what}. Use a different name or location, or remove the existing one first."),
            );
        }
        let message = match &e {
            E::TooNew { .. } => format!("{e}."),
            E::DataDir { .. } => {
                format!("{e}. Check that the folder is writable or set BERTH_DATA_DIR to another one.")
            }
            _ => format!(
                "Berth could not read or write its database. Close other Berth windows or commands \
                 that may hold it and try again; `berth doctor` checks it. ({e})"
            ),
        };
        let retryable = matches!(e, E::Sql(_) | E::Open { .. });
        Self { code: ErrorCode::Storage, message, detail: Some(format!("{e:?}")), retryable }
    }
}

impl From<berth_secrets::SecretError> for ApiError {
    fn from(e: berth_secrets::SecretError) -> Self {
        use berth_secrets::SecretError as E;
        match e {
            E::Unavailable { reason, fix } => Self {
                code: ErrorCode::KeychainUnavailable,
                message: format!(
                    "The OS keychain is not available, so Berth cannot store or read secrets. {fix}"
                ),
                detail: Some(reason),
                retryable: true,
            },
            E::InvalidKey { key, reason } => {
                Self::validation(format!("{key:?} is not a valid secret name: {reason}."))
            }
            E::Backend { key, reason } => Self {
                code: ErrorCode::KeychainUnavailable,
                message: format!(
                    "The OS keychain refused the operation on {key}. Unlock the keychain and try again."
                ),
                detail: Some(reason),
                retryable: true,
            },
        }
    }
}

impl From<berth_runtime::RuntimeError> for ApiError {
    fn from(e: berth_runtime::RuntimeError) -> Self {
        use berth_runtime::RuntimeError as E;
        match &e {
            E::Unavailable { host, .. } => Self {
                code: ErrorCode::DockerUnavailable,
                message: format!(
                    "The Docker engine at {host} is not reachable, so containers cannot run. Start \
                     Docker (Docker Desktop, or `sudo systemctl start docker` on Linux) or set \
                     DOCKER_HOST to your engine, then retry. Catalogs and remote servers keep working."
                ),
                detail: Some(e.to_string()),
                retryable: true,
            },
            E::Engine(_) => Self::new(ErrorCode::DockerUnavailable, format!("{e}. Check `docker info`."))
                .with_detail(e.to_string()),
            E::Pull { .. } => Self::new(
                ErrorCode::NotFound,
                format!("{e}. Check the image name and that its registry is reachable, then try again."),
            )
            .retryable(),
            E::NoSuchContainer(_) => Self::new(
                ErrorCode::NotFound,
                format!("{e}; it was probably removed outside Berth. Start the server again."),
            ),
            E::InvalidSpec(_) => {
                Self::validation(format!("{e}. Fix the server's configuration and try again."))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_is_stable() {
        let e = ApiError::new(ErrorCode::StateMismatch, "The sign-in link does not match.")
            .with_detail("state unknown")
            .retryable();
        expect_test::expect![[r#"{"code":"state_mismatch","message":"The sign-in link does not match.","detail":"state unknown","retryable":true}"#]]
            .assert_eq(&serde_json::to_string(&e).unwrap());
        let plain = ApiError::validation("bad");
        expect_test::expect![[r#"{"code":"validation","message":"bad","detail":null,"retryable":false}"#]]
            .assert_eq(&serde_json::to_string(&plain).unwrap());
    }

    #[test]
    fn every_code_serialises_as_snake_case() {
        let codes = [
            (ErrorCode::DockerUnavailable, "docker_unavailable"),
            (ErrorCode::KeychainUnavailable, "keychain_unavailable"),
            (ErrorCode::SignatureInvalid, "signature_invalid"),
            (ErrorCode::UrlNotAllowed, "url_not_allowed"),
            (ErrorCode::StateMismatch, "state_mismatch"),
            (ErrorCode::NotFound, "not_found"),
        ];
        for (code, text) in codes {
            assert_eq!(serde_json::to_value(code).unwrap(), text);
        }
        assert_eq!(ErrorCode::StateMismatch.http_status(), 401);
    }
}
