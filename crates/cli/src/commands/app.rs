//! `berth doctor` and `berth info`: Berth's own health and whereabouts.

use std::process::ExitCode;

use berth_api::{ApiError, Berth};

use crate::output::Output;

/// Every check, each failure with its fix; fails when any check does.
pub async fn doctor(berth: &Berth, out: &Output) -> Result<ExitCode, ApiError> {
    let report = berth.doctor().await;
    out.doctor(&report);
    Ok(if report.ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

pub async fn info(berth: &Berth, out: &Output) -> Result<ExitCode, ApiError> {
    out.info(&berth.app_info().await?);
    Ok(ExitCode::SUCCESS)
}
