//! `ApiError`: the one error shape every facade function returns, with a closed set of codes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::messages::{Msg, THEN};
use crate::msg;
use crate::settings::Locale;

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
    /// A remote server asks the user to sign in (HTTP 401 with `WWW-Authenticate`).
    AuthRequired,
    /// A container image has no signature where its trust rule says signatures live.
    SignatureMissing,
    /// A container image's signature does not verify with the keys its rule trusts.
    SignatureWrongKey,
    /// A signature's payload was changed (its bytes, or it is not a signing document).
    SignatureTampered,
    /// A valid signature for another digest than the one the tag points at.
    SignatureDigestMismatch,
    /// No trust rule covers the image.
    SignatureNoRule,
    /// A rule requires a Rekor bundle and the signature has none.
    SignatureRekorMissing,
    /// A signature's Rekor bundle does not verify.
    SignatureRekorInvalid,
    /// The registry holding an image or its signature cannot be reached.
    RegistryUnreachable,
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
            Self::StateMismatch | Self::AuthRequired => 401,
            Self::SignatureMissing
            | Self::SignatureWrongKey
            | Self::SignatureTampered
            | Self::SignatureDigestMismatch
            | Self::SignatureNoRule
            | Self::SignatureRekorMissing
            | Self::SignatureRekorInvalid => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::Unsupported => 501,
            Self::DockerUnavailable
            | Self::KeychainUnavailable
            | Self::Network
            | Self::RegistryUnreachable => 503,
            Self::Timeout => 504,
            Self::Storage | Self::Internal => 500,
        }
    }
}

/// The error every facade function returns. `message` says what happened, why, and what to do
/// next, in English; `key` and `params` are the same message in the shared dictionaries, so the
/// window and the CLI show it in the user's language. `detail` carries the underlying technical
/// cause for logs and "show details".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub detail: Option<String>,
    /// Whether trying the same thing again may succeed without the user changing anything.
    pub retryable: bool,
    /// The message's key, when it has one.
    #[serde(default)]
    pub key: Option<String>,
    /// The values of the message's placeholders.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

impl ApiError {
    /// An error whose message has no key yet; it shows in English in every language.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            detail: None,
            retryable: false,
            key: None,
            params: BTreeMap::new(),
        }
    }

    /// An error with a message from the dictionaries.
    pub fn msg(code: ErrorCode, m: Msg) -> Self {
        Self { message: m.english(), key: Some(m.key.to_owned()), params: m.params, ..Self::new(code, "") }
    }

    /// The message in `locale`.
    pub fn text(&self, locale: Locale) -> String {
        crate::messages::render_message(locale, self.key.as_deref(), &self.params, &self.message)
    }

    /// Puts `m` after the message, in every language (what was not done because of it, say):
    /// the result's key is `msg.then`, whose parameters `a` and `b` name the two parts' keys and
    /// `a_*` and `b_*` carry their parameters.
    pub fn then(mut self, m: Msg) -> Self {
        let mut params: BTreeMap<String, String> = match self.key.take() {
            Some(key) => {
                let mut p: BTreeMap<String, String> = std::mem::take(&mut self.params)
                    .into_iter()
                    .map(|(k, v)| (format!("a_{k}"), v))
                    .collect();
                p.insert("a".into(), key);
                p
            }
            None => BTreeMap::from([("a_text".to_owned(), self.message.clone())]),
        };
        params.extend(m.params.iter().map(|(k, v)| (format!("b_{k}"), v.clone())));
        params.insert("b".into(), m.key.to_owned());
        self.message = format!("{} {}", self.message, m.english());
        self.key = Some(THEN.into());
        self.params = params;
        self
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Validation, message)
    }

    /// Something inside Berth failed that the user cannot fix; `what` names it (in English, for a
    /// report) inside a message that says what to do.
    pub fn internal(what: impl Into<String>) -> Self {
        Self::msg(ErrorCode::Internal, msg!("msg.internal", what = what.into()))
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
            return Self::msg(ErrorCode::Conflict, msg!("msg.store.conflict", what = what));
        }
        let m = match &e {
            E::TooNew { .. } => msg!("msg.store.too_new", reason = &e),
            E::DataDir { .. } | E::Lock { .. } => msg!("msg.store.data_dir", reason = &e),
            _ => msg!("msg.store.failed", reason = &e),
        };
        let mut out = Self::msg(ErrorCode::Storage, m).with_detail(format!("{e:?}"));
        out.retryable = matches!(e, E::Sql(_) | E::Open { .. });
        out
    }
}

impl From<berth_secrets::SecretError> for ApiError {
    fn from(e: berth_secrets::SecretError) -> Self {
        use berth_secrets::SecretError as E;
        match e {
            E::Unavailable { reason, fix } => {
                Self::msg(ErrorCode::KeychainUnavailable, msg!("msg.keychain.unavailable", fix = fix))
                    .with_detail(reason)
                    .retryable()
            }
            E::InvalidKey { key, reason } => {
                Self::msg(ErrorCode::Validation, msg!("msg.secret.invalid_key", key = key, reason = reason))
            }
            E::Backend { key, reason } => {
                Self::msg(ErrorCode::KeychainUnavailable, msg!("msg.keychain.refused", key = key))
                    .with_detail(reason)
                    .retryable()
            }
        }
    }
}

impl ApiError {
    /// A runtime error other than a failed pull.
    pub(crate) fn from_runtime_other(e: &berth_runtime::RuntimeError) -> Self {
        Self::msg(ErrorCode::DockerUnavailable, msg!("msg.docker.engine", reason = &e))
    }
}

impl From<berth_runtime::RuntimeError> for ApiError {
    fn from(e: berth_runtime::RuntimeError) -> Self {
        use berth_runtime::RuntimeError as E;
        match &e {
            E::Unavailable { host, .. } => {
                Self::msg(ErrorCode::DockerUnavailable, msg!("msg.docker.unavailable", host = host))
                    .with_detail(e.to_string())
                    .retryable()
            }
            E::Engine(_) => Self::msg(ErrorCode::DockerUnavailable, msg!("msg.docker.engine", reason = &e))
                .with_detail(e.to_string()),
            E::Pull { .. } => crate::pull_error::pull_error(&e),
            E::NoSuchContainer(_) => {
                Self::msg(ErrorCode::NotFound, msg!("msg.docker.no_container", reason = &e))
            }
            E::InvalidSpec(_) => {
                Self::msg(ErrorCode::Validation, msg!("msg.docker.invalid_spec", reason = &e))
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
        expect_test::expect![[r#"{"code":"state_mismatch","message":"The sign-in link does not match.","detail":"state unknown","retryable":true,"key":null,"params":{}}"#]]
            .assert_eq(&serde_json::to_string(&e).unwrap());
        let plain = ApiError::validation("bad");
        expect_test::expect![[
            r#"{"code":"validation","message":"bad","detail":null,"retryable":false,"key":null,"params":{}}"#
        ]]
        .assert_eq(&serde_json::to_string(&plain).unwrap());
        let keyed = ApiError::msg(ErrorCode::NotFound, msg!("msg.server.not_installed", name = "zeta"));
        expect_test::expect![[r#"{"code":"not_found","message":"No server named zeta is installed. `berth server ls` lists them.","detail":null,"retryable":false,"key":"msg.server.not_installed","params":{"name":"zeta"}}"#]]
            .assert_eq(&serde_json::to_string(&keyed).unwrap());
        assert!(keyed.text(Locale::Ja).contains("zeta"));
        assert_ne!(keyed.text(Locale::Ja), keyed.message);
    }

    #[test]
    fn every_code_serialises_as_snake_case() {
        let codes = [
            (ErrorCode::DockerUnavailable, "docker_unavailable"),
            (ErrorCode::KeychainUnavailable, "keychain_unavailable"),
            (ErrorCode::SignatureMissing, "signature_missing"),
            (ErrorCode::SignatureDigestMismatch, "signature_digest_mismatch"),
            (ErrorCode::RegistryUnreachable, "registry_unreachable"),
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
