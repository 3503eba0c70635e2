//! Container image signature verification: the operator's trust rules (which keys sign which
//! registry/repository patterns, and where the signatures live), a tag resolved to its digest
//! first, the cosign signature for that digest fetched from the registry and checked, and the
//! verified digest handed back to run, so a tag re-pushed after the check cannot slip in.
//!
//! The registry protocol is `oci-client`'s and the signature crypto `sigstore`'s; this crate
//! reads cosign's layouts (the `sha256-<hex>.sig` manifest, its simple-signing payload and the
//! optional Rekor bundle; or Sigstore bundles attached as OCI referrers, as cosign 3 writes them)
//! and says precisely why an image is refused.

mod bundle;
mod cosign;
mod error;
mod rule;
mod verify;

pub use error::TrustError;
pub use rule::{DOCKER_MCP_PATTERN, Rule, SignatureLocation, docker_mcp_rule};
pub use verify::{Verified, Verifier};

/// Whether `pem` is a public key a rule can use (ECDSA, Ed25519 or RSA, PEM-encoded SPKI).
pub fn check_key(pem: &str) -> Result<(), String> {
    sigstore::crypto::CosignVerificationKey::try_from_pem(pem.as_bytes())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// `sha256:<hex>` of a PEM key's DER contents: how a key is shown, never the key itself.
pub fn fingerprint(pem: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(body.trim()).unwrap_or_default();
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(der)))
}

/// A repository given by the user (`mcp/signatures`, `ghcr.io/acme/sigs`) as
/// `registry/repository`; a tag or digest is refused.
pub fn repository(repo: &str) -> Result<String, String> {
    let parsed: oci_client::Reference = repo.parse().map_err(|e| format!("{e}"))?;
    let last = repo.rsplit('/').next().unwrap_or_default();
    if last.contains(':') || parsed.digest().is_some() {
        return Err("name a repository, without a tag or digest".into());
    }
    Ok(format!("{}/{}", parsed.registry(), parsed.repository()))
}
