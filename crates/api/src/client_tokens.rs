//! Tokens issued to AI clients for the HTTP gateway: the token in the keychain (so its entry can
//! be shown again), its SHA-256 in the store (so the gateway recognises it without the keychain).

use berth_secrets::SecretKey;
use sha2::{Digest, Sha256};

use crate::{ApiError, Berth, ClientKind, TokenPolicy, new_gateway_token};

fn key(client: ClientKind) -> SecretKey {
    SecretKey::new("client", client.id()).expect("client ids are valid key parts")
}

/// What the store keeps of a token: its SHA-256, hex. Tokens are 192 random bits, so a fast hash
/// cannot be reversed by guessing.
pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Berth {
    /// `client`'s gateway token: the one it has, or a new one when it has none or `renew` is set
    /// (the old one stops working at once).
    pub async fn client_token(&self, client: ClientKind, policy: TokenPolicy) -> Result<String, ApiError> {
        if policy == TokenPolicy::Keep {
            let k = key(client);
            let kept = self.with_secrets(move |s| s.get(&k)).await?;
            let recorded = self.store.client_token_hash(client.id()).await?;
            if let (Some(token), Some(hash)) = (kept, recorded)
                && token_hash(token.expose()) == hash
            {
                return Ok(token.expose().to_owned());
            }
        }
        let token = new_gateway_token()?;
        // Keychain first: a token the store recognises must always be one Berth can show again.
        self.set_secret(&key(client).to_string(), token.clone()).await?;
        self.store.put_client_token(client.id(), &token_hash(&token)).await?;
        tracing::info!(client = client.id(), "gateway token issued");
        Ok(token)
    }

    /// Ends `client`'s gateway token; true when it had one.
    pub async fn revoke_client_token(&self, client: ClientKind) -> Result<bool, ApiError> {
        let in_store = self.store.delete_client_token(client.id()).await?;
        let in_keychain = self.delete_secret(&key(client).to_string()).await?;
        if in_store {
            tracing::info!(client = client.id(), "gateway token revoked");
        }
        Ok(in_store || in_keychain)
    }

    /// The client `token` was issued to, if any.
    pub async fn client_for_token(&self, token: &str) -> Result<Option<String>, ApiError> {
        Ok(self.store.client_for_token(&token_hash(token)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
