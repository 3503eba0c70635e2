//! The HTTP client of a connection to a server that signs in: rmcp's `AuthClient` (bearer token,
//! one refresh and retry on a 401), given the token `oauth::current_token` keeps fresh (renewed
//! shortly before it expires under the refresh lock the app, CLI gateways and bridges share);
//! the same token, and a renewal after a 401, for the HTTP+SSE transport.

use std::collections::HashMap;
use std::sync::Arc;

use http::{HeaderName, HeaderValue};
use rmcp::model::ClientJsonRpcMessage;
use rmcp::transport::auth::AuthClient;
use rmcp::transport::streamable_http_client::{
    SseError, StreamableHttpClient, StreamableHttpError, StreamableHttpPostResponse,
};

use crate::oauth::SharedCredentials;

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
        Ok(crate::oauth::current_token(&self.auth.auth_manager, &self.credentials).await?)
    }
}

impl SignedIn {
    /// The access token to send now (renewed first when about to expire), for transports rmcp's
    /// client does not serve.
    pub(crate) async fn bearer(&self) -> Option<String> {
        crate::oauth::current_token(&self.auth.auth_manager, &self.credentials).await.ok().flatten()
    }

    /// A token to replace `rejected`, which the server refused (401): the one another process
    /// renewed meanwhile, or a fresh one. `None` when no refresh is possible.
    pub(crate) async fn renewed(&self, rejected: &str) -> Option<String> {
        use oauth2::TokenResponse;
        let manager = self.auth.auth_manager.lock().await;
        let _lock = self.credentials.exclusive().await.ok()?;
        let stored = self.credentials.load_fresh().await.ok().flatten()?.token_response?;
        if stored.access_token().secret() != rejected {
            return Some(stored.access_token().secret().to_owned());
        }
        match manager.refresh_token().await {
            Ok(fresh) => Some(fresh.access_token().secret().to_owned()),
            Err(e) => {
                tracing::warn!("the token the server refused could not be renewed: {e}");
                None
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
