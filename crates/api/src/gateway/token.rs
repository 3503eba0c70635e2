//! The bearer tokens of the gateway: a new random one, and the rule for one a user supplies.

use crate::ApiError;

/// The shortest token a user may supply (`BERTH_GATEWAY_TOKEN`): anything shorter is guessable.
const MIN_SUPPLIED_LEN: usize = 16;

/// A new gateway token: 192 random bits as hex.
pub fn new_gateway_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::internal("no randomness for the gateway token").with_detail(e.to_string()))?;
    Ok(hex::encode(bytes))
}

/// The token a CLI gateway requires: the one the user supplied, if it is long enough, or a new one.
pub fn cli_gateway_token(supplied: Option<String>) -> Result<String, ApiError> {
    match supplied {
        Some(t) if t.len() >= MIN_SUPPLIED_LEN => Ok(t),
        Some(_) => Err(ApiError::msg(
            crate::ErrorCode::Validation,
            crate::msg!("msg.gateway.short_token", min = MIN_SUPPLIED_LEN),
        )),
        None => new_gateway_token(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supplied_tokens_must_be_long_enough() {
        assert_eq!(cli_gateway_token(Some("0123456789abcdef".into())).unwrap(), "0123456789abcdef");
        assert!(cli_gateway_token(Some("short".into())).unwrap_err().message.contains("16 characters"));
        let fresh = cli_gateway_token(None).unwrap();
        assert_eq!(fresh.len(), 48);
        assert_ne!(fresh, cli_gateway_token(None).unwrap());
    }
}
