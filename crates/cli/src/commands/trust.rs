//! `berth trust`: the rules that say which keys sign which images, and checking one image.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use berth_api::{ApiError, Berth, ErrorCode, TrustRuleRequest, msg};

use crate::output::Output;

#[derive(Subcommand)]
pub enum TrustCommand {
    /// Whether images are verified, and the rules (key fingerprints, where signatures live).
    Ls,
    /// Trust images matching PATTERN (registry/repository, `*` within a part, `**` across) when
    /// signed by the key in FILE; replaces a rule with the same pattern.
    Add {
        pattern: String,
        /// A PEM public key, as `cosign generate-key-pair` writes `cosign.pub` (repeatable).
        #[arg(long = "key", required = true)]
        keys: Vec<PathBuf>,
        /// The repository holding the signatures, when not the image's own (Docker keeps
        /// `mcp/signatures`).
        #[arg(long, conflicts_with = "referrers")]
        signatures_repo: Option<String>,
        /// The signatures are Sigstore bundles attached to the image as OCI referrers (cosign
        /// 3's default).
        #[arg(long)]
        referrers: bool,
        /// Rekor's public key: a transparency-log bundle on the signature is checked with it.
        #[arg(long)]
        rekor_key: Option<PathBuf>,
        /// Refuse signatures without a valid Rekor bundle.
        #[arg(long, requires = "rekor_key")]
        require_rekor: bool,
    },
    /// Remove the rule with PATTERN.
    Rm { pattern: String },
    /// Verify IMAGE by the rules now: exit 0 only when its signature verifies; otherwise the
    /// error code and the reason.
    Verify { image: String },
}

fn read_key(path: &PathBuf) -> Result<String, ApiError> {
    std::fs::read_to_string(path).map_err(|e| {
        ApiError::msg(ErrorCode::Validation, msg!("msg.trust.key_file", path = path.display(), reason = e))
    })
}

pub async fn run(berth: &Berth, command: TrustCommand, out: &Output) -> Result<ExitCode, ApiError> {
    match command {
        TrustCommand::Ls => out.trust_policy(&berth.trust_policy().await?),
        TrustCommand::Add { pattern, keys, signatures_repo, referrers, rekor_key, require_rekor } => {
            let keys = keys.iter().map(read_key).collect::<Result<Vec<_>, _>>()?;
            let rekor_key = rekor_key.as_ref().map(read_key).transpose()?;
            let req =
                TrustRuleRequest { pattern, keys, signatures_repo, referrers, rekor_key, require_rekor };
            out.trust_policy(&berth.trust_add(req).await?)
        }
        TrustCommand::Rm { pattern } => out.trust_policy(&berth.trust_remove(&pattern).await?),
        TrustCommand::Verify { image } => match berth.trust_verify(&image).await {
            Ok(verified) => out.verified(&verified),
            Err(e) => {
                out.refused(&e);
                return Ok(ExitCode::FAILURE);
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}
