//! Signatures as OCI referrers: Sigstore bundles (v0.3) attached to the image's digest, as cosign 3
//! writes them by default: a DSSE envelope around an in-toto statement whose subject is the image.
//! The registry's referrers API is asked first, its tag schema (`sha256-<hex>`) after.

use base64::Engine;
use oci_client::manifest::{OCI_IMAGE_MEDIA_TYPE, OciImageManifest};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use serde::Deserialize;
use sigstore::crypto::{CosignVerificationKey, Signature};

use crate::{Rule, TrustError};

/// The artifact type (and layer media type) of a Sigstore bundle.
pub(crate) const BUNDLE_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bundle {
    dsse_envelope: Option<Envelope>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    payload: String,
    payload_type: String,
    signatures: Vec<EnvelopeSignature>,
}

#[derive(Deserialize)]
struct EnvelopeSignature {
    sig: String,
}

#[derive(Deserialize)]
struct Statement {
    subject: Vec<Subject>,
}

#[derive(Deserialize)]
struct Subject {
    digest: std::collections::BTreeMap<String, String>,
}

/// DSSE's pre-authentication encoding of `payload` of `kind`: what the signature covers.
fn pae(kind: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!("DSSEv1 {} {kind} {} ", kind.len(), payload.len()).into_bytes();
    out.extend_from_slice(payload);
    out
}

/// Checks one bundle: the reason it fails, or nothing.
fn check(
    bundle: &[u8],
    keys: &[CosignVerificationKey],
    image: &str,
    rule: &Rule,
    digest: &str,
) -> Result<(), TrustError> {
    let tampered = |reason: String| TrustError::Tampered { image: image.to_owned(), reason };
    let bundle: Bundle =
        serde_json::from_slice(bundle).map_err(|e| tampered(format!("the bundle cannot be read ({e})")))?;
    let envelope =
        bundle.dsse_envelope.ok_or_else(|| tampered("the bundle holds no DSSE envelope".into()))?;
    let payload = base64::engine::general_purpose::STANDARD
        .decode(envelope.payload.trim())
        .map_err(|e| tampered(format!("its payload is not base64 ({e})")))?;
    let statement: Statement = serde_json::from_slice(&payload)
        .map_err(|e| tampered(format!("its payload is not an in-toto statement ({e})")))?;
    let hex = digest.trim_start_matches("sha256:");
    if !statement.subject.iter().any(|s| s.digest.get("sha256").is_some_and(|d| d.eq_ignore_ascii_case(hex)))
    {
        let signed =
            statement.subject.first().and_then(|s| s.digest.get("sha256")).map(|d| format!("sha256:{d}"));
        return Err(TrustError::DigestMismatch {
            image: image.to_owned(),
            signed: signed.unwrap_or_else(|| "nothing".into()),
            actual: digest.to_owned(),
        });
    }
    let message = pae(&envelope.payload_type, &payload);
    let verified = envelope.signatures.iter().any(|s| {
        keys.iter()
            .any(|k| k.verify_signature(Signature::Base64Encoded(s.sig.trim().as_bytes()), &message).is_ok())
    });
    if !verified {
        return Err(TrustError::WrongKey { image: image.to_owned(), rule: rule.pattern.clone() });
    }
    if rule.require_rekor {
        // The log entries of a bundle are not checked: a rule that requires them refuses it.
        return Err(TrustError::RekorMissing { image: image.to_owned(), rule: rule.pattern.clone() });
    }
    Ok(())
}

/// Verifies the image `subject` (by digest) through the bundles that refer to it.
pub(crate) async fn verify(
    client: &Client,
    subject: &Reference,
    image: &str,
    keys: &[CosignVerificationKey],
    rule: &Rule,
    unreachable: impl Fn(oci_client::errors::OciDistributionError) -> TrustError,
) -> Result<(), TrustError> {
    let digest = subject.digest().unwrap_or_default().to_owned();
    let index = client.pull_referrers(subject, Some(BUNDLE_TYPE)).await.map_err(&unreachable)?;
    let mut refused = None;
    for entry in &index.manifests {
        let at = Reference::with_digest(
            subject.registry().to_owned(),
            subject.repository().to_owned(),
            entry.digest.clone(),
        );
        let (raw, _) = client
            .pull_manifest_raw(&at, &RegistryAuth::Anonymous, &[OCI_IMAGE_MEDIA_TYPE])
            .await
            .map_err(&unreachable)?;
        let tampered = |reason: String| TrustError::Tampered { image: image.to_owned(), reason };
        let manifest: OciImageManifest = serde_json::from_slice(&raw)
            .map_err(|e| tampered(format!("a bundle's manifest cannot be read ({e})")))?;
        let Some(layer) = manifest.layers.iter().find(|l| l.media_type == BUNDLE_TYPE) else { continue };
        let mut bundle = Vec::new();
        if let Err(e) = client.pull_blob(&at, layer, &mut bundle).await {
            let error = match e {
                oci_client::errors::OciDistributionError::DigestError(d) => {
                    tampered(format!("its bytes do not match their digest ({d})"))
                }
                e => unreachable(e),
            };
            refused.get_or_insert(error);
            continue;
        }
        match check(&bundle, keys, image, rule, &digest) {
            Ok(()) => return Ok(()),
            Err(e) => {
                refused.get_or_insert(e);
            }
        }
    }
    Err(refused.unwrap_or_else(|| TrustError::Unsigned {
        image: image.to_owned(),
        location: format!("the OCI referrers of {}", subject.whole()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pre_authentication_encoding_is_dsse_v1() {
        assert_eq!(
            pae("application/vnd.in-toto+json", b"{}"),
            b"DSSEv1 28 application/vnd.in-toto+json 2 {}".to_vec()
        );
    }
}
