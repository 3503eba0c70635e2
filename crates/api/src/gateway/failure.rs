//! A session's failures both ways between the facade's `ApiError` and the gateway's
//! `BackendError`, keeping the code and the message key so the window can show them translated.

use berth_gateway::BackendError;
use serde_json::Value;

use crate::messages::Msg;
use crate::{ApiError, ErrorCode};

/// A backend error with the facade's code in front, so a model (and its user) can tell a
/// missing Docker engine from a bad argument.
pub(crate) fn backend_error(e: ApiError) -> BackendError {
    let code = serde_json::to_value(e.code).ok().and_then(|v| v.as_str().map(str::to_owned));
    BackendError { message: e.message, code, key: e.key, params: e.params }
}

/// A session failure from the dictionaries.
pub(crate) fn said(code: ErrorCode, m: Msg) -> BackendError {
    backend_error(ApiError::msg(code, m))
}

/// The facade's error for a failed session action: the backend's own code (docker_unavailable,
/// …) survives; anything else was refused input.
pub(crate) fn api_error(e: BackendError) -> ApiError {
    let code = e.code.as_deref().and_then(|c| serde_json::from_value(Value::from(c)).ok());
    let mut out = ApiError::new(code.unwrap_or(ErrorCode::Validation), e.message);
    out.key = e.key;
    out.params = e.params;
    out
}
