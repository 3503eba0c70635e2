//! Passing a client's request on to one server as it is: the `_meta` the server should see,
//! progress and cancellation carried across, and a retry of a call Berth parked taken apart.

// Logging and resource subscriptions are deprecated by the newest protocol version and used on
// the older ones, which the gateway serves as well.
#![allow(deprecated)]

use berth_servers::{STATE_PREFIX, service_error};
use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CancelledNotificationParam, ClientRequest, CompleteRequest,
    CompleteRequestParams, GetPromptRequest, GetPromptRequestParams, InputResponses, ReadResourceRequest,
    ReadResourceRequestParams, RequestMetaObject, ServerResult, SetLevelRequest, SetLevelRequestParams,
    SubscribeRequest, SubscribeRequestParams, UnsubscribeRequest, UnsubscribeRequestParams,
};
use rmcp::service::{PeerRequestOptions, RequestContext};
use rmcp::{ErrorData, Peer, RoleClient, RoleServer};

use crate::{GatewaySession, SessionBackend};

/// The client's `_meta` as the server should see it: the progress token is replaced by the
/// relay's own, and per-request protocol fields describe the client's connection, not Berth's.
fn forwarded_meta(meta: &RequestMetaObject) -> Option<RequestMetaObject> {
    let mut meta = meta.clone();
    meta.0.retain(|k, _| k != "progressToken" && !k.starts_with("io.modelcontextprotocol/"));
    if meta.0.is_empty() { None } else { Some(meta) }
}

/// A retry of a call Berth parked: its state (one Berth issued, not a server's own) and the
/// client's answers, taken out of the request so the server never sees them.
fn parked_retry(
    state: &mut Option<String>,
    answers: &mut Option<InputResponses>,
) -> Option<(String, InputResponses)> {
    if !state.as_deref().is_some_and(|s| s.starts_with(STATE_PREFIX)) {
        return None;
    }
    Some((state.take()?, answers.take().unwrap_or_default()))
}

pub(crate) fn unexpected(result: ServerResult) -> ErrorData {
    ErrorData::internal_error(format!("the server answered with an unexpected result: {result:?}"), None)
}

pub(crate) async fn forward_to(
    relay: &berth_servers::Relay,
    peer: Peer<RoleClient>,
    request: ClientRequest,
    context: &RequestContext<RoleServer>,
) -> Result<ServerResult, ErrorData> {
    let mut options = PeerRequestOptions::no_options();
    if let Some(meta) = forwarded_meta(&context.meta) {
        options = options.with_meta(meta);
    }
    let handle = peer.send_cancellable_request(request, options).await.map_err(service_error)?;
    let progress = context
        .meta
        .get_progress_token()
        .map(|token| relay.route_progress(handle.progress_token.clone(), context.peer.clone(), token));
    let (id, server) = (handle.id.clone(), handle.peer.clone());
    tokio::select! {
        result = handle.await_response() => {
            if progress.is_some() {
                relay.settle().await;
            }
            result.map_err(service_error)
        }
        _ = context.ct.cancelled() => {
            let _ = server
                .notify_cancelled(CancelledNotificationParam::new(
                    Some(id),
                    Some("the client cancelled the request".into()),
                ))
                .await;
            Err(ErrorData::internal_error("the request was cancelled", None))
        }
    }
}

/// A client request the gateway passes to one server. Its `_meta` is the gateway's to rewrite
/// (progress is re-keyed, protocol fields describe the client's own connection), and for a
/// request during which the server may ask the client something, a retry of a call Berth parked
/// brings Berth's state and the client's answers, which the server never sees.
pub(crate) trait Passed: Sized {
    /// Whether the server may send the client requests (sampling, elicitation, roots) while it
    /// answers, so that a stateless client gets them as an input-required result.
    const MAY_ASK: bool;
    /// Takes out what the server must not see; returns a retry of a parked call, if it is one.
    fn strip(&mut self) -> Option<(String, InputResponses)>;
    fn into_request(self) -> ClientRequest;
}

macro_rules! passed {
    ($params:ty, $request:ident, $variant:ident, asking) => {
        impl Passed for $params {
            const MAY_ASK: bool = true;
            fn strip(&mut self) -> Option<(String, InputResponses)> {
                self.meta = None;
                parked_retry(&mut self.request_state, &mut self.input_responses)
            }
            fn into_request(self) -> ClientRequest {
                ClientRequest::$variant($request::new(self))
            }
        }
    };
    ($params:ty, $request:ident, $variant:ident) => {
        impl Passed for $params {
            const MAY_ASK: bool = false;
            fn strip(&mut self) -> Option<(String, InputResponses)> {
                self.meta = None;
                None
            }
            fn into_request(self) -> ClientRequest {
                ClientRequest::$variant($request::new(self))
            }
        }
    };
}

passed!(CallToolRequestParams, CallToolRequest, CallToolRequest, asking);
passed!(GetPromptRequestParams, GetPromptRequest, GetPromptRequest, asking);
passed!(ReadResourceRequestParams, ReadResourceRequest, ReadResourceRequest, asking);
passed!(SubscribeRequestParams, SubscribeRequest, SubscribeRequest);
passed!(UnsubscribeRequestParams, UnsubscribeRequest, UnsubscribeRequest);
passed!(CompleteRequestParams, CompleteRequest, CompleteRequest);
passed!(SetLevelRequestParams, SetLevelRequest, SetLevelRequest);

impl<B: SessionBackend> GatewaySession<B> {
    /// Passes `params` to `server` (the route already applied): stripped of what the server must
    /// not see, as a retry of a parked call when it is one, with the client's input asked for
    /// through input-required rounds when the client is stateless.
    pub(crate) async fn pass<P: Passed>(
        &self,
        server: &str,
        mut params: P,
        context: &RequestContext<RoleServer>,
    ) -> Result<ServerResult, ErrorData> {
        let retry = params.strip();
        let request = params.into_request();
        if P::MAY_ASK {
            self.forward_asking(server, request, retry, context).await
        } else {
            self.forward(server, request, context).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn forwarded_meta_drops_the_progress_token_and_protocol_fields() {
        let mut meta = RequestMetaObject::default();
        meta.0.insert("progressToken".into(), Value::from(7));
        meta.0.insert("io.modelcontextprotocol/protocolVersion".into(), Value::from("2026-07-28"));
        meta.0.insert("trace".into(), Value::from("abc"));
        let out = forwarded_meta(&meta).expect("keeps the rest");
        assert_eq!(out.0.keys().collect::<Vec<_>>(), ["trace"]);
        meta.0.remove("trace");
        assert!(forwarded_meta(&meta).is_none());
    }
}
