//! Which client a sign-in presents to an authorization server when none was registered by hand:
//! the one Berth registered there before for the same redirect, else a client ID metadata
//! document where the server takes one, else a new registration (RFC 7591) that is remembered
//! once a sign-in with it comes back.

use async_trait::async_trait;
use rmcp::transport::auth::{AuthError, AuthorizationManager, AuthorizationMetadata};

use crate::oauth::Preregistered;

/// The clients Berth registered itself as, by authorization server and redirect.
#[async_trait]
pub trait Registrations: Send + Sync {
    /// Takes the client ID kept under `key`, if any. Taken, not read: a sign-in with it that
    /// never comes back (the authorization server forgot the client and shows the user an
    /// error page instead of redirecting) is not tried again; the next sign-in registers anew.
    async fn take(&self, key: &str) -> Option<String>;
    /// Keeps `client_id` under `key` for the next sign-in.
    async fn keep(&self, key: &str, client_id: &str);
}

/// A client chosen for a sign-in, and the key to keep it under once the sign-in comes back.
pub(crate) struct Chosen {
    pub client: Preregistered,
    pub keep_as: Option<String>,
}

/// The key a registration at the authorization server of `metadata` for `redirect_uri` is kept
/// under.
fn key(metadata: &AuthorizationMetadata, redirect_uri: &str) -> String {
    let issuer = metadata.issuer.as_deref().unwrap_or(&metadata.authorization_endpoint);
    format!("{issuer} {redirect_uri}")
}

/// The client to sign in as at the authorization server `manager` has discovered: a remembered
/// registration, or a new one. `None` when the server takes `client_metadata_url` instead, or
/// offers no registration (then the sign-in reports why).
pub(crate) async fn choose(
    manager: &mut AuthorizationManager,
    metadata: &AuthorizationMetadata,
    registrations: &dyn Registrations,
    redirect_uri: &str,
    client_metadata_url: Option<&str>,
) -> Result<Option<Chosen>, AuthError> {
    let key = key(metadata, redirect_uri);
    if let Some(client_id) = registrations.take(&key).await {
        return Ok(Some(Chosen {
            client: Preregistered { client_id, client_secret: None },
            keep_as: Some(key),
        }));
    }
    let takes_document = metadata
        .additional_fields
        .get("client_id_metadata_document_supported")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    if (client_metadata_url.is_some() && takes_document) || metadata.registration_endpoint.is_none() {
        return Ok(None);
    }
    // Registered without scopes: a client limited to the first sign-in's scopes could not be
    // reused for a wider one.
    let config = manager.register_client("Berth", redirect_uri, &[]).await?;
    // A confidential client's secret is not kept outside the keychain: such a registration is
    // used for this sign-in only.
    let keep_as = config.client_secret.is_none().then_some(key);
    Ok(Some(Chosen {
        client: Preregistered { client_id: config.client_id, client_secret: config.client_secret },
        keep_as,
    }))
}
