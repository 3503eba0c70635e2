//! The HTTP client of a connection to a server that signs in: rmcp's `AuthClient` (bearer token,
//! one refresh and retry on a 401), with the token renewed shortly before it expires under the
//! shared refresh lock. A process that finds the token already renewed by another (the app, a CLI
//! gateway, a bridge) uses that one instead of refreshing again, and a refresh that fails for a
//! passing reason is tried again before a request gives up.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderName, HeaderValue};
use oauth2::TokenResponse;
use rmcp::model::ClientJsonRpcMessage;
use rmcp::transport::auth::{AuthClient, AuthError, CredentialStore, StoredCredentials};
use rmcp::transport::streamable_http_client::{
    SseError, StreamableHttpClient, StreamableHttpError, StreamableHttpPostResponse,
};

use crate::oauth::{SharedCredentials, due};

/// Refresh attempts when the authorization server cannot be reached or answers 5xx.
const REFRESH_ATTEMPTS: u32 = 3;

#[derive(Clone)]
pub(crate) struct SignedIn {
    pub(crate) auth: AuthClient<reqwest::Client>,
    pub(crate) credentials: SharedCredentials,
}

type Failure = StreamableHttpError<reqwest::Error>;

impl SignedIn {
    /// The access token to send, renewed first when it is about to expire. rmcp's client is
    /// given it, so its own margin (thirty seconds, all of a short-lived token's life) does
    /// not renew it on every request; it still refreshes once on a 401.
    async fn token(&self, given: Option<String>) -> Result<Option<String>, Failure> {
        if given.is_some() {
            return Ok(given);
        }
        let access = |c: Option<StoredCredentials>| {
            c.and_then(|c| c.token_response).map(|t| t.access_token().secret().to_owned())
        };
        let stored = self.credentials.load().await.map_err(Failure::from)?;
        if !stored.as_ref().is_some_and(due) {
            return Ok(access(stored));
        }
        let manager = self.auth.auth_manager.lock().await;
        let _lock = self.credentials.exclusive().await.map_err(Failure::from)?;
        // Another process may have renewed it while this one waited for the lock.
        let stored = self.credentials.load_fresh().await.map_err(Failure::from)?;
        if !stored.as_ref().is_some_and(due) {
            tracing::debug!("the token was renewed elsewhere; using that one");
            return Ok(access(stored));
        }
        let mut attempt = 0;
        loop {
            match manager.refresh_token().await {
                Ok(fresh) => {
                    tracing::info!("access token renewed");
                    return Ok(Some(fresh.access_token().secret().to_owned()));
                }
                Err(AuthError::TokenRefreshFailed(e)) if attempt + 1 < REFRESH_ATTEMPTS => {
                    attempt += 1;
                    tracing::warn!(attempt, "token refresh failed, trying again: {e}");
                    tokio::time::sleep(Duration::from_millis(500 << attempt)).await;
                }
                // No refresh token, or the server refused it: the request goes out without one
                // and the server's 401 asks for a new sign-in.
                Err(AuthError::AuthorizationRequired | AuthError::TokenRefreshRejected(_)) => {
                    return Ok(None);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

impl StreamableHttpClient for SignedIn {
    type Error = reqwest::Error;

    async fn post_message(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<StreamableHttpPostResponse, Failure> {
        let token = self.token(auth_header).await?;
        self.auth.post_message(uri, message, session_id, token, custom_headers).await
    }

    async fn post_message_with_max_sse_event_size(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        max_sse_event_size: usize,
    ) -> Result<StreamableHttpPostResponse, Failure> {
        let token = self.token(auth_header).await?;
        self.auth
            .post_message_with_max_sse_event_size(
                uri,
                message,
                session_id,
                token,
                custom_headers,
                max_sse_event_size,
            )
            .await
    }

    async fn delete_session(
        &self,
        uri: Arc<str>,
        session_id: Arc<str>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<(), Failure> {
        let token = self.token(auth_header).await?;
        self.auth.delete_session(uri, session_id, token, custom_headers).await
    }

    async fn get_stream(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<futures_util::stream::BoxStream<'static, Result<sse_stream::Sse, SseError>>, Failure> {
        let token = self.token(auth_header).await?;
        self.auth.get_stream(uri, session_id, last_event_id, token, custom_headers).await
    }

    async fn get_stream_with_max_sse_event_size(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        max_sse_event_size: usize,
    ) -> Result<futures_util::stream::BoxStream<'static, Result<sse_stream::Sse, SseError>>, Failure> {
        let token = self.token(auth_header).await?;
        self.auth
            .get_stream_with_max_sse_event_size(
                uri,
                session_id,
                last_event_id,
                token,
                custom_headers,
                max_sse_event_size,
            )
            .await
    }
}
