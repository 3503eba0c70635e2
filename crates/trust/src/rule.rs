//! Trust rules: a registry/repository pattern, the public keys (PEM, as cosign writes them) that
//! may sign images matching it, where their signatures live, and the Rekor key when transparency
//! log bundles are checked.

use serde::{Deserialize, Serialize};

/// The pattern of Docker's MCP images, whose rule ships with Berth.
pub const DOCKER_MCP_PATTERN: &str = "docker.io/mcp/*";

/// Docker's published MCP signing key.
const DOCKER_MCP_KEY: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAETcvGv5qypnoxKkFIQOdXZ+2H6JN8
8kmAQrMkTb6SmJ7BY59OJIOpTwdjD5joLot6zFs1Q7HHDmkF5HOaC8zSnA==
-----END PUBLIC KEY-----
";

/// Where an image's signatures are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "repository")]
pub enum SignatureLocation {
    /// `sha256-<hex>.sig` beside the image, in its own repository (cosign's default before 3).
    SameRepository,
    /// `sha256-<hex>.sig` in a dedicated repository (`registry/name`), as Docker keeps
    /// `mcp/signatures`.
    Repository(String),
    /// Sigstore bundles attached to the image's digest as OCI referrers (cosign 3's default).
    Referrers,
}

/// Which keys sign the images whose `registry/repository` matches `pattern`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// `registry/repository`, with `*` matching within one path segment and `**` across them:
    /// `docker.io/mcp/*`, `ghcr.io/acme/**`, `127.0.0.1:5000/tools/fetch`.
    pub pattern: String,
    /// PEM public keys (ECDSA P-256/P-384, Ed25519 or RSA); a signature by any one is enough.
    pub keys: Vec<String>,
    pub signatures: SignatureLocation,
    /// The Rekor public key (PEM): a bundle on the signature is checked with it.
    #[serde(default)]
    pub rekor_key: Option<String>,
    /// A signature without a valid Rekor bundle is refused.
    #[serde(default)]
    pub require_rekor: bool,
}

impl Rule {
    /// Whether `name` (`registry/repository`) is covered by this rule.
    pub fn matches(&self, name: &str) -> bool {
        let options = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: false,
        };
        glob::Pattern::new(&self.pattern).is_ok_and(|p| p.matches_with(name, options))
    }

    /// Whether `pattern` is one a rule may have: a registry and a repository, wildcards only as
    /// whole `*`/`**` parts of the repository.
    pub fn check_pattern(pattern: &str) -> Result<(), String> {
        let Some((registry, repository)) = pattern.split_once('/') else {
            return Err("it needs a registry and a repository, such as docker.io/mcp/*".into());
        };
        if registry.is_empty()
            || registry.contains('*')
            || !registry.contains(['.', ':']) && registry != "localhost"
        {
            return Err(format!("{registry:?} is not a registry host (such as docker.io or 127.0.0.1:5000)"));
        }
        if repository.is_empty() {
            return Err("the repository part is empty".into());
        }
        for part in repository.split('/') {
            let wild = part.contains('*');
            if part.is_empty() || (wild && part != "*" && part != "**") {
                return Err(format!("{part:?}: a wildcard must be a whole part, * or **"));
            }
            // A repository part as OCI names them: lowercase letters and digits, with `.`, `_` or
            // `-` only between them (so never `.` or `..`).
            let plain = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
            let edges = part.starts_with(plain) && part.ends_with(plain);
            let named = edges && part.chars().all(|c| plain(c) || "._-".contains(c));
            if !wild && !named {
                return Err(format!("{part:?} is not a repository name"));
            }
        }
        glob::Pattern::new(pattern).map(|_| ()).map_err(|e| e.to_string())
    }
}

/// The rule for Docker's `mcp/*` images: Docker's key, signatures in `mcp/signatures`.
pub fn docker_mcp_rule() -> Rule {
    Rule {
        pattern: DOCKER_MCP_PATTERN.into(),
        keys: vec![DOCKER_MCP_KEY.into()],
        signatures: SignatureLocation::Repository("docker.io/mcp/signatures".into()),
        rekor_key: None,
        require_rekor: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(pattern: &str) -> Rule {
        Rule { pattern: pattern.into(), ..docker_mcp_rule() }
    }

    #[test]
    fn a_star_stays_within_one_part_and_two_cross_them() {
        assert!(rule("docker.io/mcp/*").matches("docker.io/mcp/github"));
        assert!(!rule("docker.io/mcp/*").matches("docker.io/mcp/a/b"));
        assert!(!rule("docker.io/mcp/*").matches("docker.io/mcpx/github"));
        assert!(!rule("docker.io/mcp/*").matches("evil.io/docker.io/mcp/github"));
        assert!(rule("ghcr.io/acme/**").matches("ghcr.io/acme/a/b"));
        assert!(rule("127.0.0.1:5000/t/fetch").matches("127.0.0.1:5000/t/fetch"));
        assert!(!rule("127.0.0.1:5000/t/fetch").matches("127.0.0.1:5001/t/fetch"));
    }

    #[test]
    fn patterns_are_checked() {
        for good in ["docker.io/mcp/*", "ghcr.io/acme/**", "127.0.0.1:5000/t/fetch", "localhost/x"] {
            assert!(Rule::check_pattern(good).is_ok(), "{good}");
        }
        for bad in [
            "mcp/*",
            "*/mcp/x",
            "docker.io/",
            "docker.io/mc*p",
            "docker.io//x",
            "docker.io/UP",
            "nohost/x",
            "docker.io/../x",
            "docker.io/a/.",
            "docker.io/-a",
        ] {
            assert!(Rule::check_pattern(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_shipped_key_is_the_one_docker_publishes() {
        let published = berth_testkit::shared_data().join("docker-mcp-gateway/docker-mcp-signing-key.pub");
        match std::fs::read_to_string(&published) {
            Ok(text) => assert_eq!(text.trim(), DOCKER_MCP_KEY.trim()),
            Err(e) if std::env::var_os("BERTH_REQUIRE_SERVICES").is_some() => {
                panic!("required data missing: {}: {e}", published.display())
            }
            Err(e) => eprintln!("skipped: {}: {e}", published.display()),
        }
    }

    #[test]
    fn the_shipped_rule_covers_docker_mcp_images_with_a_usable_key() {
        let rule = docker_mcp_rule();
        assert!(rule.matches("docker.io/mcp/github-official"));
        sigstore::crypto::CosignVerificationKey::try_from_pem(rule.keys[0].as_bytes()).unwrap();
    }
}
