//! A failed image pull in words a user knows: the registry cannot be reached (network, proxy,
//! DNS), the image does not exist or needs a sign-in, or the registry asks to slow down; the
//! engine's own text is kept as the detail.

use berth_runtime::RuntimeError;

use crate::{ApiError, ErrorCode, msg};

/// The registry an image reference names (`docker.io` when it names none).
fn registry(image: &str) -> &str {
    match image.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => first,
        _ => "docker.io",
    }
}

/// Whether an engine's reason reads like `any` of these, ignoring case.
fn says(reason: &str, any: &[&str]) -> bool {
    let reason = reason.to_ascii_lowercase();
    any.iter().any(|s| reason.contains(s))
}

pub(crate) fn pull_error(e: &RuntimeError) -> ApiError {
    let RuntimeError::Pull { image, reason } = e else {
        return ApiError::from_runtime_other(e);
    };
    let registry = registry(image);
    let unreachable = [
        "no such host",
        "server misbehaving",
        "dial tcp",
        "connection refused",
        "i/o timeout",
        "network is unreachable",
        "tls handshake timeout",
        "proxyconnect",
        "timeout exceeded",
        "temporary failure in name resolution",
    ];
    let out = if says(reason, &["toomanyrequests", "rate limit"]) {
        ApiError::msg(ErrorCode::Network, msg!("msg.pull.rate_limited", image = image, registry = registry))
            .retryable()
    } else if says(reason, &["unauthorized", "denied", "authentication required"])
        && !says(reason, &["does not exist"])
    {
        ApiError::msg(ErrorCode::NotFound, msg!("msg.pull.denied", image = image, registry = registry))
    } else if says(reason, &["not found", "manifest unknown", "does not exist", "repository name must"]) {
        ApiError::msg(ErrorCode::NotFound, msg!("msg.pull.not_found", image = image, registry = registry))
    } else if says(reason, &unreachable) {
        ApiError::msg(ErrorCode::Network, msg!("msg.pull.unreachable", image = image, registry = registry))
            .retryable()
    } else {
        ApiError::msg(ErrorCode::Network, msg!("msg.pull.failed", image = image)).retryable()
    };
    out.with_detail(reason.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pull(image: &str, reason: &str) -> ApiError {
        pull_error(&RuntimeError::Pull { image: image.into(), reason: reason.into() })
    }

    #[test]
    fn engine_texts_become_what_happened() {
        let offline = pull(
            "mcp/github:1",
            "Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.53:53: server misbehaving",
        );
        assert_eq!(
            (offline.code, offline.key.as_deref()),
            (ErrorCode::Network, Some("msg.pull.unreachable"))
        );
        assert!(
            offline.message.starts_with("The image registry docker.io cannot be reached"),
            "{}",
            offline.message
        );
        assert!(offline.retryable && offline.detail.unwrap().contains("server misbehaving"));
        let local = pull(
            "127.0.0.1:5000/x/y:1",
            "Get \"http://127.0.0.1:5000/v2/\": dial tcp 127.0.0.1:5000: connect: connection refused",
        );
        assert!(local.message.contains("127.0.0.1:5000"), "{}", local.message);
        let missing = pull(
            "mcp/nope:1",
            "pull access denied for mcp/nope, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
        );
        assert_eq!(missing.key.as_deref(), Some("msg.pull.not_found"));
        let manifest = pull("ghcr.io/a/b:9", "manifest unknown");
        assert_eq!(manifest.key.as_deref(), Some("msg.pull.not_found"));
        assert!(manifest.message.contains("ghcr.io"));
        assert_eq!(
            pull("a/b", "unauthorized: authentication required").key.as_deref(),
            Some("msg.pull.denied")
        );
        assert_eq!(
            pull("a/b", "toomanyrequests: You have reached your pull rate limit").key.as_deref(),
            Some("msg.pull.rate_limited")
        );
        assert_eq!(pull("a/b", "something else").key.as_deref(), Some("msg.pull.failed"));
        for e in [offline.message, missing.message] {
            assert!(e.chars().next().unwrap().is_uppercase(), "{e}");
        }
    }
}
