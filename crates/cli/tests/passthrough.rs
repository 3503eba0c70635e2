//! What the conformance suite cannot show with the reference server (its test tools are not in
//! `server-everything`), shown with the server's own demo tools through the HTTP gateway: the
//! client's capabilities reach the server, progress arrives under the client's token, the
//! server's sampling, elicitation and roots requests reach the client and its answers return,
//! log messages follow the client's level, prompts, resources and completions pass through,
//! a cancelled call leaves the session working, and the client ending its session stops the
//! session's server. A stateless client (2026-07-28) gets the server's requests as input-required
//! results and answers them in its retry.
#![allow(deprecated)] // sampling, roots and logging: deprecated by the newest protocol, used by servers

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CallToolResponse, ClientCapabilities, ClientConfig,
    ClientRequest, CreateMessageRequestParams, CreateMessageResult, ElicitRequestParams, ElicitResult,
    ElicitationAction, GetPromptRequestParams, Implementation, ListRootsResult, LoggingLevel,
    LoggingMessageNotificationParam, ProgressNotificationParam, ReadResourceRequestParams, Root,
    SamplingMessage, ServerResult, SetLevelRequestParams,
};
use rmcp::service::{NotificationContext, PeerRequestOptions, RequestContext};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ClientHandler, ErrorData, RoleClient};
use serde_json::json;

#[derive(Clone, Default)]
struct Seen {
    progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
    /// When the first progress notification arrived.
    first_progress: Arc<Mutex<Option<std::time::Instant>>>,
    logs: Arc<Mutex<Vec<LoggingMessageNotificationParam>>>,
    sampled: Arc<Mutex<Vec<CreateMessageRequestParams>>>,
    elicited: Arc<Mutex<Vec<String>>>,
}

/// An AI client that can sample, elicit and list roots, and remembers what it was sent.
struct Client(Seen);

impl ClientHandler for Client {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::builder().enable_roots().enable_sampling().enable_elicitation().build(),
            Implementation::new("passthrough-test", "1.0.0"),
        )
    }

    async fn create_message(
        &self,
        params: CreateMessageRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<CreateMessageResult, ErrorData> {
        self.0.sampled.lock().unwrap().push(params);
        Ok(CreateMessageResult::new(
            SamplingMessage::assistant_text("sampled-by-the-client"),
            "test-model".into(),
        ))
    }

    async fn create_elicitation(
        &self,
        params: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        self.0.elicited.lock().unwrap().push(format!("{params:?}"));
        Ok(ElicitResult::new(ElicitationAction::Accept)
            .with_content(json!({"name": "Ada Lovelace", "check": true})))
    }

    async fn list_roots(&self, _context: RequestContext<RoleClient>) -> Result<ListRootsResult, ErrorData> {
        Ok(ListRootsResult::new(vec![Root::new("file:///home/ada/project")]))
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.0.progress.lock().unwrap().push(params);
        self.0.first_progress.lock().unwrap().get_or_insert_with(std::time::Instant::now);
    }

    async fn on_logging_message(
        &self,
        params: LoggingMessageNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.0.logs.lock().unwrap().push(params);
    }
}

fn text_of(result: &rmcp::model::CallToolResult) -> String {
    result.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect::<Vec<_>>().join("\n")
}

fn args(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    v.as_object().unwrap().clone()
}

/// The server's sampling, elicitation and roots requests reach the client (directly, or through
/// input-required rounds) and the client's answers reach the server: each tool's result shows them.
async fn server_requests_reach_the_client(
    client: &rmcp::service::RunningService<RoleClient, Client>,
    seen: &Seen,
) {
    let sampled = client
        .call_tool(
            CallToolRequestParams::new("trigger-sampling-request")
                .with_arguments(args(json!({"prompt": "hello"}))),
        )
        .await
        .unwrap();
    assert!(text_of(&sampled).contains("sampled-by-the-client"), "{}", text_of(&sampled));
    assert_eq!(seen.sampled.lock().unwrap().len(), 1);

    let elicited = client.call_tool(CallToolRequestParams::new("trigger-elicitation-request")).await.unwrap();
    assert!(text_of(&elicited).contains("Ada Lovelace"), "{}", text_of(&elicited));
    assert_eq!(seen.elicited.lock().unwrap().len(), 1);

    let roots = client.call_tool(CallToolRequestParams::new("get-roots-list")).await.unwrap();
    assert!(text_of(&roots).contains("file:///home/ada/project"), "{}", text_of(&roots));
}

/// The gateway with `server-everything` as a server every session starts with, over a fresh
/// data folder; `None` (the test skips, or fails under `BERTH_REQUIRE_SERVICES`) without Docker,
/// a Secret Service or the reference peers.
struct Everything {
    _work: tempfile::TempDir,
    server: String,
    gateway: berth_testkit::CliGateway,
}

fn everything_gateway(test: &str, name: &str) -> Option<Everything> {
    let ready = berth_testkit::docker_available() && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if !berth_testkit::require(test, ready, "needs a running Docker engine and a Secret Service") {
        return None;
    }
    let peers = match berth_testkit::peers() {
        Ok(p) => p,
        Err(why) => {
            berth_testkit::require(test, false, &why);
            return None;
        }
    };
    let work = tempfile::tempdir().unwrap();
    let server = format!("{name}{}", std::process::id());
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), work.path());
    berth.add_catalog(&berth_testkit::catalog_entry(&server, "Everything", &peers.everything_image));
    let gateway = berth.http_gateway(&["--server", &server]);
    Some(Everything { _work: work, server, gateway })
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_notifications_and_server_requests_pass_through_the_gateway() {
    let Some(Everything { _work, server, mut gateway }) = everything_gateway("passthrough", "everything")
    else {
        return;
    };
    let (url, token) = (gateway.url.clone(), gateway.token.clone());

    let seen = Seen::default();
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.as_str()).auth_header(token),
    );
    let client = rmcp::serve_client(Client(seen.clone()), transport).await.expect("MCP over HTTP");

    // The server offers its sampling, elicitation and roots tools only to clients that can
    // answer them: the gateway announced this client's capabilities.
    let tools: Vec<String> =
        client.list_all_tools().await.unwrap().into_iter().map(|t| t.name.to_string()).collect();
    for expected in
        ["mcp-add", "echo", "trigger-sampling-request", "trigger-elicitation-request", "get-roots-list"]
    {
        assert!(tools.iter().any(|t| t == expected), "{expected} missing from {tools:?}");
    }

    // Progress, under the token this client chose.
    let request = ClientRequest::CallToolRequest(CallToolRequest::new(
        CallToolRequestParams::new("trigger-long-running-operation")
            .with_arguments(args(json!({"duration": 1, "steps": 4}))),
    ));
    let handle = client.send_cancellable_request(request, PeerRequestOptions::no_options()).await.unwrap();
    let token = handle.progress_token.clone();
    let done = handle.await_response().await.unwrap();
    let answered = std::time::Instant::now();
    assert!(
        matches!(done, ServerResult::CallToolResult(ref r) if text_of(r).contains("completed")),
        "{done:?}"
    );
    // Progress streams as it happens: the call's stream is not held back until its answer.
    let first = seen.first_progress.lock().unwrap().expect("progress arrived");
    assert!(answered - first >= std::time::Duration::from_millis(500), "{:?}", answered - first);
    let progress = seen.progress.lock().unwrap().clone();
    assert_eq!(progress.len(), 4, "{progress:?}");
    assert!(progress.iter().all(|p| p.progress_token == token));
    assert_eq!(progress.last().unwrap().progress, 4.0);

    server_requests_reach_the_client(&client, &seen).await;

    // Structured content and annotations are kept.
    let structured = client
        .call_tool(
            CallToolRequestParams::new("get-structured-content")
                .with_arguments(args(json!({"location": "New York"}))),
        )
        .await
        .unwrap();
    assert!(structured.structured_content.is_some(), "{structured:?}");

    // Prompts, resources and completion.
    let prompts = client.list_all_prompts().await.unwrap();
    assert!(prompts.iter().any(|p| p.name == "simple-prompt"), "{prompts:?}");
    let prompt = client.get_prompt(GetPromptRequestParams::new("simple-prompt")).await.unwrap();
    assert!(!prompt.messages.is_empty());
    let resources = client.list_all_resources().await.unwrap();
    assert!(!resources.is_empty());
    let read = client.read_resource(ReadResourceRequestParams::new(resources[0].uri.clone())).await.unwrap();
    assert!(!read.contents.is_empty());
    let templates = client.list_all_resource_templates().await.unwrap();
    assert!(!templates.is_empty());

    // Log messages at the level the client chose.
    client.set_level(SetLevelRequestParams::new(LoggingLevel::Debug)).await.unwrap();
    client.call_tool(CallToolRequestParams::new("toggle-simulated-logging")).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while seen.logs.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no log message reached the client");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A cancelled call: the session goes on.
    let request = ClientRequest::CallToolRequest(CallToolRequest::new(
        CallToolRequestParams::new("trigger-long-running-operation")
            .with_arguments(args(json!({"duration": 30, "steps": 30}))),
    ));
    let handle = client.send_cancellable_request(request, PeerRequestOptions::no_options()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    handle.cancel(Some("changed my mind".into())).await.unwrap();
    let echoed = client
        .call_tool(CallToolRequestParams::new("echo").with_arguments(args(json!({"message": "still here"}))))
        .await
        .unwrap();
    assert!(text_of(&echoed).contains("still here"), "{}", text_of(&echoed));

    // The client ending its session (DELETE) stops the session's server, gateway still running.
    client.cancel().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while berth_testkit::containers(&format!("label=berth.server={server}")) > 0 {
        assert!(Instant::now() < deadline, "the session's container outlived the session");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gateway.process.is_running(), "the gateway is still serving");
    gateway.process.terminate(Duration::from_secs(30));
    assert_eq!(berth_testkit::containers(&format!("label=berth.server={server}")), 0);
}

/// A stateless client (protocol 2026-07-28, no session) cannot be sent the server's requests:
/// they come back to it as input-required results, its SDK answers them and retries, and the
/// server, which speaks an older protocol, gets its answers as if it had asked directly.
#[tokio::test(flavor = "multi_thread")]
async fn a_stateless_client_answers_server_requests_through_input_required_rounds() {
    let Some(Everything { _work, server, mut gateway }) =
        everything_gateway("stateless rounds", "everythingmrtr")
    else {
        return;
    };
    let (url, token) = (gateway.url.clone(), gateway.token.clone());

    let seen = Seen::default();
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.as_str()).auth_header(token),
    );
    let lifecycle = rmcp::service::ClientLifecycleMode::Discover {
        preferred_versions: vec![rmcp::model::ProtocolVersion::V_2026_07_28],
    };
    let client = rmcp::service::serve_client_with_lifecycle(Client(seen.clone()), transport, lifecycle)
        .await
        .expect("stateless MCP over HTTP");
    assert_eq!(
        client.peer_info().map(|i| i.protocol_version.clone()),
        Some(rmcp::model::ProtocolVersion::V_2026_07_28)
    );
    let names: Vec<String> =
        client.list_all_tools().await.unwrap().into_iter().map(|t| t.name.to_string()).collect();
    assert!(names.iter().any(|n| n == "trigger-sampling-request"), "{names:?}");

    // One round by hand: the server's sampling request comes back as an input-required result
    // with a state Berth issued; the retry carries the answer and gets the tool's result.
    let sample = || {
        CallToolRequestParams::new("trigger-sampling-request")
            .with_arguments(args(json!({"prompt": "hello"})))
    };
    let CallToolResponse::InputRequired(asked) = client.peer().call_tool_once(sample()).await.unwrap() else {
        panic!("a stateless client is asked through an input-required result");
    };
    let state = asked.request_state.clone().unwrap();
    assert!(state.starts_with(berth_servers::STATE_PREFIX), "{state}");
    let requests = asked.input_requests.unwrap();
    let (id, question) = requests.iter().next().unwrap();
    assert_eq!(serde_json::to_value(question).unwrap()["method"], "sampling/createMessage");
    let mut retry = sample();
    retry.request_state = Some(state);
    retry.input_responses = Some(
        [(
            id.clone(),
            json!({"role": "assistant", "content": {"type": "text", "text": "answered-by-hand"}, "model": "m"}),
        )]
        .into(),
    );
    let CallToolResponse::Complete(done) = client.peer().call_tool_once(retry).await.unwrap() else {
        panic!("the retry completes the call");
    };
    assert!(text_of(&done).contains("answered-by-hand"), "{}", text_of(&done));

    // The SDK drives the rounds itself: the client's own handlers answer.
    server_requests_reach_the_client(&client, &seen).await;

    // A state Berth never issued is refused with a clear error, and nothing reaches the server.
    let mut forged = sample();
    forged.request_state = Some(format!("{}999", berth_servers::STATE_PREFIX));
    let refused = client.peer().call_tool_once(forged).await.unwrap_err();
    assert!(format!("{refused}").contains("requestState"), "{refused}");
    assert_eq!(seen.sampled.lock().unwrap().len(), 1);

    drop(client);
    let status = gateway.process.terminate(Duration::from_secs(30));
    assert!(status.success(), "{status:?}");
    assert_eq!(berth_testkit::containers(&format!("label=berth.server={server}")), 0);
}
