//! Image signature verification as the operator controls it: whether it is on (it is unless
//! they turned it off), the trust rules (Docker's `mcp/*` rule ships with Berth), checking one
//! image (`berth trust verify`), and every container start verifying its image first and running
//! the verified digest. Each verification writes one summary line (image, digest, rule, and ok
//! or the failure code) and nothing more.

use berth_servers::{LaunchPlan, LaunchTarget};
use berth_trust::{Rule, SignatureLocation, TrustError, Verifier};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, Berth, ErrorCode, msg};

const VERIFY_SETTING: &str = "trust.verify_signatures";
const RULES_SETTING: &str = "trust.rules";

/// A trust rule as the UI and the CLI show it: never more of a key than its fingerprint.
#[derive(Clone, Debug, Serialize, TS)]
pub struct TrustRuleView {
    pub pattern: String,
    /// `sha256:<hex>` of each key (its DER form), as `cosign public-key | openssl` would show.
    pub keys: Vec<String>,
    /// The repository holding the signatures, when not the image's own.
    pub signatures_repo: Option<String>,
    /// The signatures are Sigstore bundles attached as OCI referrers.
    pub referrers: bool,
    pub rekor: bool,
    pub require_rekor: bool,
}

/// Whether images are verified, and by which rules.
#[derive(Clone, Debug, Serialize, TS)]
pub struct TrustPolicyView {
    pub verify_signatures: bool,
    pub rules: Vec<TrustRuleView>,
}

/// A rule to add (or replace, for the same pattern).
#[derive(Clone, Debug, Default, Deserialize, TS)]
pub struct TrustRuleRequest {
    pub pattern: String,
    /// PEM public keys, as `cosign generate-key-pair` writes `cosign.pub`.
    pub keys: Vec<String>,
    pub signatures_repo: Option<String>,
    /// The signatures are Sigstore bundles attached to the image as OCI referrers.
    #[serde(default)]
    pub referrers: bool,
    pub rekor_key: Option<String>,
    #[serde(default)]
    pub require_rekor: bool,
}

/// An image that verified.
#[derive(Clone, Debug, Serialize, TS)]
pub struct VerifiedImage {
    pub image: String,
    /// The image by its verified digest: what runs.
    pub pinned: String,
    pub digest: String,
    pub rule: String,
    pub rekor: bool,
}

fn view(rule: &Rule) -> TrustRuleView {
    TrustRuleView {
        pattern: rule.pattern.clone(),
        keys: rule.keys.iter().map(|k| berth_trust::fingerprint(k)).collect(),
        signatures_repo: match &rule.signatures {
            SignatureLocation::SameRepository | SignatureLocation::Referrers => None,
            SignatureLocation::Repository(r) => Some(r.clone()),
        },
        referrers: rule.signatures == SignatureLocation::Referrers,
        rekor: rule.rekor_key.is_some(),
        require_rekor: rule.require_rekor,
    }
}

/// The error for a refused image, with what to do next.
pub(crate) fn refused(e: TrustError) -> ApiError {
    let detail = e.to_string();
    let error = match e {
        TrustError::InvalidReference { image, reason } => ApiError::msg(
            ErrorCode::Validation,
            msg!("msg.trust.invalid_reference", image = image, reason = reason),
        ),
        TrustError::NoRule { name } => {
            ApiError::msg(ErrorCode::SignatureNoRule, msg!("msg.trust.no_rule", name = name))
        }
        TrustError::Unsigned { image, location } => ApiError::msg(
            ErrorCode::SignatureMissing,
            msg!("msg.trust.unsigned", image = image, location = location),
        ),
        TrustError::WrongKey { image, rule } => ApiError::msg(
            ErrorCode::SignatureWrongKey,
            msg!("msg.trust.wrong_key", image = image, rule = rule),
        ),
        TrustError::Tampered { image, reason } => ApiError::msg(
            ErrorCode::SignatureTampered,
            msg!("msg.trust.tampered", image = image, reason = reason),
        ),
        TrustError::DigestMismatch { image, signed, actual } => ApiError::msg(
            ErrorCode::SignatureDigestMismatch,
            msg!("msg.trust.digest_mismatch", image = image, signed = signed, actual = actual),
        ),
        TrustError::RekorMissing { image, rule } => ApiError::msg(
            ErrorCode::SignatureRekorMissing,
            msg!("msg.trust.rekor_missing", image = image, rule = rule),
        ),
        TrustError::RekorInvalid { image, reason } => ApiError::msg(
            ErrorCode::SignatureRekorInvalid,
            msg!("msg.trust.rekor_invalid", image = image, reason = reason),
        ),
        TrustError::BadKey { rule, reason } => {
            ApiError::msg(ErrorCode::Validation, msg!("msg.trust.bad_key", rule = rule, reason = reason))
        }
        TrustError::NotFound { image } => {
            ApiError::msg(ErrorCode::NotFound, msg!("msg.trust.not_found", image = image))
        }
        TrustError::Unreachable { registry, reason } => ApiError::msg(
            ErrorCode::RegistryUnreachable,
            msg!("msg.trust.unreachable", registry = registry, reason = reason),
        )
        .retryable(),
    };
    error.with_detail(detail)
}

/// Whether `pem` is a public key a rule can use: a private key is refused outright, so it is
/// never stored.
fn check_key(pem: &str) -> Result<(), ApiError> {
    let invalid =
        |reason: &str| ApiError::msg(ErrorCode::Validation, msg!("msg.trust.key_invalid", reason = reason));
    if pem.contains("PRIVATE KEY") {
        return Err(invalid("it is a private key; give the public key (cosign.pub)"));
    }
    if !pem.contains("-----BEGIN PUBLIC KEY-----") {
        return Err(invalid("it is not a PEM public key (-----BEGIN PUBLIC KEY-----)"));
    }
    berth_trust::check_key(pem).map_err(|e| invalid(&e))
}

impl Berth {
    /// Whether container images are verified before they run (on unless turned off).
    pub async fn verify_signatures(&self) -> Result<bool, ApiError> {
        Ok(self.store.setting::<bool>(VERIFY_SETTING).await?.unwrap_or(true))
    }

    /// Turns verification on or off. The caller has asked the user before turning it off.
    pub async fn set_verify_signatures(&self, on: bool) -> Result<TrustPolicyView, ApiError> {
        self.store.set_setting(VERIFY_SETTING, &on).await?;
        tracing::warn!(on, "image signature verification changed");
        self.trust_policy().await
    }

    /// The trust rules: what the operator set, or Docker's rule until they change any.
    pub(crate) async fn trust_rules(&self) -> Result<Vec<Rule>, ApiError> {
        Ok(self
            .store
            .setting::<Vec<Rule>>(RULES_SETTING)
            .await?
            .unwrap_or_else(|| vec![berth_trust::docker_mcp_rule()]))
    }

    pub async fn trust_policy(&self) -> Result<TrustPolicyView, ApiError> {
        Ok(TrustPolicyView {
            verify_signatures: self.verify_signatures().await?,
            rules: self.trust_rules().await?.iter().map(view).collect(),
        })
    }

    /// Adds a rule, or replaces the one with the same pattern; anything invalid changes nothing.
    pub async fn trust_add(&self, req: TrustRuleRequest) -> Result<TrustPolicyView, ApiError> {
        let pattern = req.pattern.trim().to_owned();
        Rule::check_pattern(&pattern).map_err(|reason| {
            ApiError::msg(
                ErrorCode::Validation,
                msg!("msg.trust.pattern_invalid", pattern = &pattern, reason = reason),
            )
        })?;
        if req.keys.is_empty() {
            return Err(ApiError::msg(
                ErrorCode::Validation,
                msg!("msg.trust.key_invalid", reason = "no key was given"),
            ));
        }
        for key in req.keys.iter().chain(&req.rekor_key) {
            check_key(key)?;
        }
        if req.require_rekor && req.rekor_key.is_none() {
            return Err(ApiError::msg(ErrorCode::Validation, msg!("msg.trust.rekor_key_needed")));
        }
        let signatures = match req.signatures_repo.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            None if req.referrers => SignatureLocation::Referrers,
            Some(_) if req.referrers => {
                return Err(ApiError::msg(ErrorCode::Validation, msg!("msg.trust.referrers_or_repo")));
            }
            None => SignatureLocation::SameRepository,
            Some(repo) => SignatureLocation::Repository(berth_trust::repository(repo).map_err(|reason| {
                ApiError::msg(
                    ErrorCode::Validation,
                    msg!("msg.trust.repo_invalid", repo = repo, reason = reason),
                )
            })?),
        };
        let rule = Rule {
            pattern: pattern.clone(),
            keys: req.keys.iter().map(|k| k.trim().to_owned() + "\n").collect(),
            signatures,
            rekor_key: req.rekor_key.map(|k| k.trim().to_owned() + "\n"),
            require_rekor: req.require_rekor,
        };
        let mut rules = self.trust_rules().await?;
        rules.retain(|r| r.pattern != pattern);
        rules.push(rule);
        self.store.set_setting(RULES_SETTING, &rules).await?;
        tracing::info!(pattern, "trust rule saved");
        self.trust_policy().await
    }

    /// Removes the rule with `pattern`.
    pub async fn trust_remove(&self, pattern: &str) -> Result<TrustPolicyView, ApiError> {
        let mut rules = self.trust_rules().await?;
        let before = rules.len();
        rules.retain(|r| r.pattern != pattern);
        if rules.len() == before {
            return Err(ApiError::msg(
                ErrorCode::NotFound,
                msg!("msg.trust.no_such_rule", pattern = pattern),
            ));
        }
        self.store.set_setting(RULES_SETTING, &rules).await?;
        self.trust_policy().await
    }

    /// Verifies `image` by the rules (whether or not starts verify), writing its summary line.
    pub async fn trust_verify(&self, image: &str) -> Result<VerifiedImage, ApiError> {
        let rules = self.trust_rules().await?;
        let verified = Verifier.verify(image, &rules).await;
        self.summarise(image, None, &verified).await;
        let verified = verified.map_err(refused)?;
        Ok(VerifiedImage {
            image: image.to_owned(),
            pinned: verified.image,
            digest: verified.digest,
            rule: verified.rule,
            rekor: verified.rekor,
        })
    }

    /// `plan` with its container image verified and pinned to the verified digest, while
    /// verification is on; a refused image stops the start before anything is pulled or created.
    pub(crate) async fn verified_plan(&self, mut plan: LaunchPlan) -> Result<LaunchPlan, ApiError> {
        let LaunchTarget::Container(spec) = &mut plan.target else { return Ok(plan) };
        if !self.verify_signatures().await? {
            return Ok(plan);
        }
        let rules = self.trust_rules().await?;
        let verified = Verifier.verify(&spec.image, &rules).await;
        self.summarise(&spec.image, Some(&plan.key.server), &verified).await;
        spec.image = verified.map_err(refused)?.image;
        Ok(plan)
    }

    /// The one line a verification leaves: image, digest, rule, and ok or the failure code.
    async fn summarise(
        &self,
        image: &str,
        server: Option<&str>,
        verified: &Result<berth_trust::Verified, TrustError>,
    ) {
        match verified {
            Ok(v) => {
                tracing::info!(image, digest = %v.digest, rule = %v.rule, result = "ok", "image signature verified");
                let m = msg!("msg.event.signature_ok", image = image, digest = &v.digest, rule = &v.rule);
                self.record_event("signature_verified", server, None, &m).await;
            }
            Err(e) => {
                tracing::warn!(image, result = e.code(), "image signature refused");
                let m = msg!("msg.event.signature_refused", image = image, code = e.code());
                self.record_event("signature_refused", server, None, &m).await;
            }
        }
    }
}
