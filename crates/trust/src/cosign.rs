//! cosign's signature layout: the simple-signing payload a signature covers, the annotations of
//! the `.sig` manifest's layers, and the Rekor bundle whose signed entry timestamp vouches that
//! the signature was logged.

use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sigstore::crypto::{CosignVerificationKey, Signature};

/// The layer annotation holding the base64 signature.
pub(crate) const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// The layer annotation holding the Rekor bundle.
pub(crate) const BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";
/// The payload's `critical.type`.
const PAYLOAD_TYPE: &str = "cosign container image signature";

#[derive(Deserialize)]
struct Payload {
    critical: Critical,
}

#[derive(Deserialize)]
struct Critical {
    image: Image,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct Image {
    #[serde(rename = "docker-manifest-digest")]
    digest: String,
}

/// The digest a simple-signing payload signs, or why it is not one.
pub(crate) fn signed_digest(payload: &[u8]) -> Result<String, String> {
    let payload: Payload =
        serde_json::from_slice(payload).map_err(|e| format!("it is not a simple-signing document ({e})"))?;
    if payload.critical.kind != PAYLOAD_TYPE {
        return Err(format!("its type is {:?}", payload.critical.kind));
    }
    Ok(payload.critical.image.digest)
}

/// Whether `signature` (base64) over `payload` verifies with one of `keys`.
pub(crate) fn verifies(keys: &[CosignVerificationKey], signature: &str, payload: &[u8]) -> bool {
    keys.iter()
        .any(|k| k.verify_signature(Signature::Base64Encoded(signature.trim().as_bytes()), payload).is_ok())
}

#[derive(Deserialize)]
struct Bundle {
    #[serde(rename = "SignedEntryTimestamp")]
    signed_entry_timestamp: String,
    #[serde(rename = "Payload")]
    payload: serde_json::Value,
}

#[derive(Deserialize)]
struct Entry {
    spec: EntrySpec,
}

#[derive(Deserialize)]
struct EntrySpec {
    data: EntryData,
    signature: EntrySignature,
}

#[derive(Deserialize)]
struct EntryData {
    hash: EntryHash,
}

#[derive(Deserialize)]
struct EntryHash {
    algorithm: String,
    value: String,
}

#[derive(Deserialize)]
struct EntrySignature {
    content: String,
}

/// Checks a Rekor bundle (`bundle`, JSON) against `rekor`'s key: its signed entry timestamp
/// covers the entry (canonical JSON), and the entry is of this `signature` over this `payload`.
pub(crate) fn check_bundle(
    bundle: &str,
    rekor: &CosignVerificationKey,
    signature: &str,
    payload: &[u8],
) -> Result<(), String> {
    let bundle: Bundle =
        serde_json::from_str(bundle).map_err(|e| format!("it is not a Rekor bundle ({e})"))?;
    let canonical = serde_json_canonicalizer::to_vec(&bundle.payload).map_err(|e| e.to_string())?;
    let set = Signature::Base64Encoded(bundle.signed_entry_timestamp.as_bytes());
    rekor
        .verify_signature(set, &canonical)
        .map_err(|_| "its signed entry timestamp does not verify with the Rekor key".to_owned())?;
    let body = bundle.payload.get("body").and_then(|b| b.as_str()).ok_or("the entry has no body")?;
    let body =
        base64::engine::general_purpose::STANDARD.decode(body).map_err(|e| format!("the entry body: {e}"))?;
    let entry: Entry =
        serde_json::from_slice(&body).map_err(|e| format!("the entry is not a hashedrekord ({e})"))?;
    if entry.spec.signature.content.trim() != signature.trim() {
        return Err("the logged signature is another one".into());
    }
    let hash = hex::encode(Sha256::digest(payload));
    if entry.spec.data.hash.algorithm != "sha256" || !entry.spec.data.hash.value.eq_ignore_ascii_case(&hash) {
        return Err("the logged payload hash is another one".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_names_its_digest_and_anything_else_is_refused() {
        let good = br#"{"critical":{"identity":{"docker-reference":"r/x"},"image":{"docker-manifest-digest":"sha256:ab"},"type":"cosign container image signature"},"optional":null}"#;
        assert_eq!(signed_digest(good).unwrap(), "sha256:ab");
        let other =
            br#"{"critical":{"image":{"docker-manifest-digest":"sha256:ab"},"type":"something else"}}"#;
        assert!(signed_digest(other).unwrap_err().contains("type"));
        assert!(signed_digest(b"not json").is_err());
        assert!(signed_digest(b"{}").is_err());
    }

    #[test]
    fn a_bundle_that_is_not_json_is_refused_with_the_reason() {
        let key = crate::rule::docker_mcp_rule().keys[0].clone();
        let key = CosignVerificationKey::try_from_pem(key.as_bytes()).unwrap();
        assert!(check_bundle("{", &key, "c2ln", b"p").unwrap_err().contains("not a Rekor bundle"));
        let forged = r#"{"SignedEntryTimestamp":"c2ln","Payload":{"body":"e30=","integratedTime":1,"logID":"a","logIndex":1}}"#;
        assert!(check_bundle(forged, &key, "c2ln", b"p").unwrap_err().contains("does not verify"));
    }
}
