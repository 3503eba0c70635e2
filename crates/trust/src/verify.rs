//! Verifying an image: the rule that covers it, its tag resolved to a digest, the cosign
//! signature for that digest fetched and checked, and the digest to run.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::{IMAGE_MANIFEST_MEDIA_TYPE, OCI_IMAGE_MEDIA_TYPE, OciImageManifest};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use sigstore::crypto::CosignVerificationKey;

use crate::cosign::{BUNDLE_ANNOTATION, SIGNATURE_ANNOTATION, check_bundle, signed_digest, verifies};
use crate::{Rule, SignatureLocation, TrustError};

/// How long the registry may take to connect and to answer each read.
const TIMEOUT: Duration = Duration::from_secs(15);

/// An image whose signature verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The image by its verified digest (`registry/repository@sha256:…`): what runs.
    pub image: String,
    pub digest: String,
    /// The pattern of the rule that trusted it.
    pub rule: String,
    /// Whether a Rekor bundle was checked.
    pub rekor: bool,
}

/// Verifies images against trust rules, talking to their registries anonymously.
#[derive(Clone, Debug, Default)]
pub struct Verifier;

/// Whether `registry` is on this computer, where it may speak plain http.
fn loopback(registry: &str) -> bool {
    let host = match registry.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => registry.rsplit_once(':').map_or(registry, |(h, _)| h),
    };
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The registry client for `registry`, made once per process: making one (its TLS setup) costs
/// more than the few requests a verification sends, and a kept client reuses its connections.
fn client_for(registry: &str) -> Client {
    static CLIENTS: LazyLock<Mutex<HashMap<String, Client>>> = LazyLock::new(Default::default);
    let mut clients = CLIENTS.lock().expect("registry clients");
    let client = clients.entry(registry.to_owned()).or_insert_with(|| {
        let protocol = match loopback(registry) {
            true => ClientProtocol::HttpsExcept(vec![registry.to_owned()]),
            false => ClientProtocol::Https,
        };
        Client::new(ClientConfig {
            protocol,
            read_timeout: Some(TIMEOUT),
            connect_timeout: Some(TIMEOUT),
            ..Default::default()
        })
    });
    client.clone()
}

/// Whether the registry said the thing asked for is not there.
fn not_found(e: &OciDistributionError) -> bool {
    match e {
        OciDistributionError::ImageManifestNotFoundError(_) => true,
        OciDistributionError::ServerError { code, .. } => *code == 404,
        OciDistributionError::RegistryError { envelope, .. } => envelope.errors.iter().any(|e| {
            matches!(
                e.code,
                OciErrorCode::ManifestUnknown
                    | OciErrorCode::NameUnknown
                    | OciErrorCode::NotFound
                    | OciErrorCode::BlobUnknown
            )
        }),
        _ => false,
    }
}

fn unreachable(registry: &str, e: OciDistributionError) -> TrustError {
    let reason = match &e {
        OciDistributionError::RequestError(r) => berth_net::innermost_cause(r),
        other => other.to_string(),
    };
    TrustError::Unreachable { registry: registry.to_owned(), reason }
}

/// The reference of the `.sig` manifest for `digest` of the image `image`.
fn signature_reference(
    image: &Reference,
    location: &SignatureLocation,
    digest: &str,
) -> Result<Reference, TrustError> {
    let tag = format!("{}.sig", digest.replace(':', "-"));
    match location {
        SignatureLocation::SameRepository | SignatureLocation::Referrers => {
            Ok(Reference::with_tag(image.registry().to_owned(), image.repository().to_owned(), tag))
        }
        SignatureLocation::Repository(repo) => {
            let parsed: Reference = repo
                .parse()
                .map_err(|e| TrustError::InvalidReference { image: repo.clone(), reason: format!("{e}") })?;
            Ok(Reference::with_tag(parsed.registry().to_owned(), parsed.repository().to_owned(), tag))
        }
    }
}

impl Verifier {
    /// Verifies `image` by the most specific of `rules` that covers it.
    pub async fn verify(&self, image: &str, rules: &[Rule]) -> Result<Verified, TrustError> {
        let reference: Reference = image
            .parse()
            .map_err(|e| TrustError::InvalidReference { image: image.to_owned(), reason: format!("{e}") })?;
        let name = format!("{}/{}", reference.registry(), reference.repository());
        // The most specific rule that covers it: fewest wildcards, then the longest pattern.
        let rule = rules
            .iter()
            .filter(|r| r.matches(&name))
            .min_by_key(|r| (r.pattern.matches('*').count(), std::cmp::Reverse(r.pattern.len())))
            .ok_or_else(|| TrustError::NoRule { name: name.clone() })?;
        let bad_key = |e: sigstore::errors::SigstoreError| TrustError::BadKey {
            rule: rule.pattern.clone(),
            reason: e.to_string(),
        };
        let keys = rule
            .keys
            .iter()
            .map(|pem| CosignVerificationKey::try_from_pem(pem.as_bytes()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(bad_key)?;
        if keys.is_empty() {
            return Err(TrustError::BadKey { rule: rule.pattern.clone(), reason: "it has no key".into() });
        }
        let rekor = rule
            .rekor_key
            .as_ref()
            .map(|pem| CosignVerificationKey::try_from_pem(pem.as_bytes()))
            .transpose()
            .map_err(bad_key)?;
        if rule.require_rekor && rekor.is_none() {
            return Err(TrustError::BadKey {
                rule: rule.pattern.clone(),
                reason: "it requires Rekor bundles but has no Rekor key".into(),
            });
        }

        let registry = reference.registry().to_owned();
        let digest = match reference.digest() {
            Some(d) => d.to_owned(),
            None => client_for(&registry)
                .fetch_manifest_digest(&reference, &RegistryAuth::Anonymous)
                .await
                .map_err(|e| match not_found(&e) {
                true => TrustError::NotFound { image: image.to_owned() },
                false => unreachable(&registry, e),
            })?,
        };
        if rule.signatures == SignatureLocation::Referrers {
            let (repository, client) = (reference.repository().to_owned(), client_for(&registry));
            let subject = Reference::with_digest(registry.clone(), repository, digest.clone());
            crate::bundle::verify(&client, &subject, image, &keys, rule, |e| unreachable(&registry, e))
                .await?;
            let pinned = format!("{}/{}@{}", reference.registry(), reference.repository(), digest);
            return Ok(Verified { image: pinned, digest, rule: rule.pattern.clone(), rekor: false });
        }
        let signatures = signature_reference(&reference, &rule.signatures, &digest)?;
        let client = client_for(signatures.registry());
        let accepted = [OCI_IMAGE_MEDIA_TYPE, IMAGE_MANIFEST_MEDIA_TYPE];
        let (raw, _) = client
            .pull_manifest_raw(&signatures, &RegistryAuth::Anonymous, &accepted)
            .await
            .map_err(|e| match not_found(&e) {
                true => TrustError::Unsigned { image: image.to_owned(), location: signatures.whole() },
                false => unreachable(signatures.registry(), e),
            })?;
        let tampered = |reason: String| TrustError::Tampered { image: image.to_owned(), reason };
        let manifest: OciImageManifest = serde_json::from_slice(&raw)
            .map_err(|e| tampered(format!("the signature manifest cannot be read ({e})")))?;

        let mut refused = None;
        for layer in &manifest.layers {
            let annotations = layer.annotations.clone().unwrap_or_default();
            let Some(signature) = annotations.get(SIGNATURE_ANNOTATION) else { continue };
            let mut payload = Vec::new();
            if let Err(e) = client.pull_blob(&signatures, layer, &mut payload).await {
                let error = match e {
                    OciDistributionError::DigestError(d) => {
                        tampered(format!("its bytes do not match their digest ({d})"))
                    }
                    e if not_found(&e) => tampered("the payload is missing from the registry".into()),
                    e => unreachable(signatures.registry(), e),
                };
                refused.get_or_insert(error);
                continue;
            }
            let signed = match signed_digest(&payload) {
                Ok(d) => d,
                Err(reason) => {
                    refused.get_or_insert(tampered(reason));
                    continue;
                }
            };
            if signed != digest {
                refused.get_or_insert(TrustError::DigestMismatch {
                    image: image.to_owned(),
                    signed,
                    actual: digest.clone(),
                });
                continue;
            }
            if !verifies(&keys, signature, &payload) {
                refused.get_or_insert(TrustError::WrongKey {
                    image: image.to_owned(),
                    rule: rule.pattern.clone(),
                });
                continue;
            }
            let logged = match (&rekor, annotations.get(BUNDLE_ANNOTATION)) {
                (Some(key), Some(bundle)) => match check_bundle(bundle, key, signature, &payload) {
                    Ok(()) => true,
                    Err(reason) => {
                        refused.get_or_insert(TrustError::RekorInvalid { image: image.to_owned(), reason });
                        continue;
                    }
                },
                _ if rule.require_rekor => {
                    refused.get_or_insert(TrustError::RekorMissing {
                        image: image.to_owned(),
                        rule: rule.pattern.clone(),
                    });
                    continue;
                }
                _ => false,
            };
            let pinned = format!("{}/{}@{}", reference.registry(), reference.repository(), digest);
            return Ok(Verified { image: pinned, digest, rule: rule.pattern.clone(), rekor: logged });
        }
        Err(refused.unwrap_or_else(|| TrustError::Unsigned {
            image: image.to_owned(),
            location: signatures.whole(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_registry_on_this_computer_speaks_plain_http() {
        for local in ["127.0.0.1:5000", "localhost:5000", "localhost", "[::1]:5000"] {
            assert!(loopback(local), "{local}");
        }
        for remote in ["docker.io", "ghcr.io", "10.0.0.1:5000", "127.0.0.1.nip.io:5000"] {
            assert!(!loopback(remote), "{remote}");
        }
    }
}
