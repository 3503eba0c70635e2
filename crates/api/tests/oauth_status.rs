//! A remote server's sign-in as Berth reports it, from what the keychain holds: none, connected
//! (a refresh token renews it), needing a new sign-in (expiring within a day with nothing to
//! renew it), and revoked (the keychain entry is gone). The status never carries a token. The URL
//! of Berth's client ID metadata document is https with a path, or nothing; a hostile OAuth
//! provider configuration is refused and stores nothing.

use std::sync::Arc;

use berth_api::{Berth, BerthOptions, Redactor, SignInState};
use berth_secrets::{MemoryStore, SecretKey, SecretStore, SecretValue};

fn stored(refresh: bool, expires_in: u64, received_at_s: u64) -> String {
    let refresh = if refresh { r#","refresh_token":"refresh-secret-1""# } else { "" };
    format!(
        r#"{{"client_id":"berth-client","token_response":{{"access_token":"access-secret-1","token_type":"bearer","expires_in":{expires_in}{refresh}}},"granted_scopes":["mcp:read"],"token_received_at":{received_at_s}}}"#
    )
}

#[tokio::test]
async fn status_reflects_the_keychain_and_revoke_empties_it() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let b = Berth::open(BerthOptions {
        data_dir: dir.path().to_owned(),
        redactor: Redactor::new(),
        system_locale: None,
        secrets: Some(secrets.clone() as Arc<dyn SecretStore>),
        runtime: None,
        clock: None,
    })
    .await
    .unwrap();
    let key = SecretKey::new("oauth", "notion-remote").unwrap();
    assert_eq!(b.oauth_status("notion-remote").await.unwrap().state, SignInState::NotConnected);

    let now_s = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    secrets.set(&key, &SecretValue::new(stored(true, 3600, now_s))).unwrap();
    let s = b.oauth_status("notion-remote").await.unwrap();
    assert_eq!(
        (s.state, s.refreshable, s.scopes.clone()),
        (SignInState::Connected, true, vec!["mcp:read".into()])
    );
    assert_eq!(s.expires_at_ms, Some((now_s as i64 + 3600) * 1000));
    let shown = serde_json::to_string(&s).unwrap();
    assert!(!shown.contains("secret-1"), "a token in the status: {shown}");

    // An hour left and nothing to renew it with: sign in again.
    secrets.set(&key, &SecretValue::new(stored(false, 3600, now_s))).unwrap();
    assert_eq!(b.oauth_status("notion-remote").await.unwrap().state, SignInState::ReauthRequired);
    // Far from expiry without a refresh token is still fine.
    secrets.set(&key, &SecretValue::new(stored(false, 7 * 24 * 3600, now_s))).unwrap();
    assert_eq!(b.oauth_status("notion-remote").await.unwrap().state, SignInState::Connected);

    assert!(b.oauth_revoke("notion-remote").await.unwrap());
    assert!(secrets.get(&key).unwrap().is_none(), "revoke left the keychain entry");
    assert_eq!(b.oauth_status("notion-remote").await.unwrap().state, SignInState::NotConnected);
    assert!(!b.oauth_revoke("notion-remote").await.unwrap());
    b.close().await;
}

#[tokio::test]
async fn the_client_metadata_document_url_is_https_with_a_path_and_can_be_cleared() {
    let dir = tempfile::tempdir().unwrap();
    let b = Berth::open(BerthOptions {
        data_dir: dir.path().to_owned(),
        redactor: Redactor::new(),
        system_locale: None,
        secrets: Some(Arc::new(MemoryStore::default()) as Arc<dyn SecretStore>),
        runtime: None,
        clock: None,
    })
    .await
    .unwrap();
    assert_eq!(b.oauth_client_metadata_url().await.unwrap(), None);
    let url = "https://berth.example/oauth/client.json".to_owned();
    assert_eq!(b.set_oauth_client_metadata_url(Some(url.clone())).await.unwrap(), Some(url.clone()));
    for bad in [
        "http://berth.example/client.json",
        "https://berth.example/",
        "https://u@berth.example/c",
        "not a url",
    ] {
        let e = b.set_oauth_client_metadata_url(Some(bad.into())).await.unwrap_err();
        assert_eq!(e.code, berth_api::ErrorCode::Validation, "{bad}");
        assert_eq!(b.oauth_client_metadata_url().await.unwrap(), Some(url.clone()), "{bad} changed it");
    }
    assert_eq!(b.set_oauth_client_metadata_url(None).await.unwrap(), None);
    assert_eq!(b.oauth_client_metadata_url().await.unwrap(), None);
    b.close().await;
}

/// A provider configuration is refused, with nothing stored, unless both endpoints are https (or
/// http on this computer) URLs, a client ID is given and the name can be a keychain entry's.
#[tokio::test]
async fn hostile_oauth_provider_configurations_are_refused_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let b = Berth::open(BerthOptions {
        data_dir: dir.path().to_owned(),
        redactor: Redactor::new(),
        system_locale: None,
        secrets: Some(Arc::new(MemoryStore::default()) as Arc<dyn SecretStore>),
        runtime: None,
        clock: None,
    })
    .await
    .unwrap();
    let config = |name: &str, authorize: &str, token: &str, client: &str| berth_api::ProviderConfig {
        name: name.into(),
        issuer: None,
        authorization_endpoint: authorize.into(),
        token_endpoint: token.into(),
        client_id: client.into(),
        scopes: Vec::new(),
    };
    let good = "https://idp.example/authorize";
    for bad in [
        config("idp", "http://idp.example/authorize", "https://idp.example/token", "c"),
        config("idp", good, "http://169.254.169.254/token", "c"),
        config("idp", "javascript:alert(1)", "https://idp.example/token", "c"),
        config("idp", "not a url", "https://idp.example/token", "c"),
        config("idp", good, "https://idp.example/token", "  "),
        config("../evil", good, "https://idp.example/token", "c"),
        config("", good, "https://idp.example/token", "c"),
        // A provider Berth does not know needs its endpoints.
        config("unknown", "", "", "c"),
    ] {
        let name = bad.name.clone();
        assert!(b.oauth_provider_set(bad).await.is_err(), "{name} was accepted");
    }
    assert!(b.oauth_providers().await.unwrap().is_empty(), "a refused configuration was stored");
    // Known endpoints fill in; a local one may be plain http.
    let github = b.oauth_provider_set(config("github", "", "", "client-1")).await.unwrap();
    assert!(github.authorization_endpoint.starts_with("https://github.com/"));
    b.oauth_provider_set(config("local", "http://127.0.0.1:9/auth", "http://localhost:9/token", "c"))
        .await
        .unwrap();
    assert_eq!(b.oauth_providers().await.unwrap().len(), 2);
    assert!(b.oauth_provider_remove("local").await.unwrap());
    b.close().await;
}
