//! Signing in with a real authorization server (oidc-provider, `tests/peers/oauth-mcp.mjs`) in
//! front of an MCP server that takes only its tokens, from the command line, with the tokens in
//! the real Secret Service:
//! - `berth server test NAME --login` signs in through the browser (`tests/fixtures/browser.sh`)
//!   and the loopback redirect, and calls a tool;
//! - tokens that live 30 seconds are renewed for three minutes of calls through an HTTP gateway
//!   and two bridges at once (three processes sharing one sign-in) without one failed call, and
//!   the processes renew them one at a time: the authorization server rotates refresh tokens and
//!   revokes the whole grant when one is used twice, so two processes refreshing at once would
//!   break every one of them;
//! - a refresh token the authorization server has revoked makes exactly one re-authorization
//!   event, whatever the number of processes and calls, and the status says so;
//! - `berth oauth revoke` revokes at the authorization server (RFC 7009) and leaves no keychain
//!   entry;
//! - no access or refresh token is in the data folder (database, logs) or any process's arguments;
//! - a container server whose catalog entry names an OAuth provider signs in with it (`berth
//!   oauth provider set`, `berth oauth login`) and gets its access token as the one environment
//!   variable the entry asks for: in `docker inspect` exactly there, the refresh token nowhere.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rmcp::model::CallToolRequestParams;
use serde_json::Value;

type Client = rmcp::service::RunningService<rmcp::RoleClient, ()>;

/// An MCP client on `berth bridge NAME`'s stdio.
async fn bridge(data: &std::path::Path, name: &str) -> (Client, u32) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["bridge", name])
        .env("BERTH_DATA_DIR", data)
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    let transport = (child.stdout.take().unwrap(), child.stdin.take().unwrap());
    std::mem::forget(child);
    (rmcp::serve_client((), transport).await.expect("MCP handshake with the bridge"), pid)
}

async fn gateway_client(gateway: &berth_testkit::CliGateway) -> Client {
    let mut auth = reqwest::header::HeaderMap::new();
    auth.insert("authorization", format!("Bearer {}", gateway.token).parse().unwrap());
    let http = reqwest::Client::builder().default_headers(auth).build().unwrap();
    let config = rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig::with_uri(
        gateway.url.clone(),
    );
    let transport = rmcp::transport::StreamableHttpClientTransport::with_client(http, config);
    rmcp::serve_client((), transport).await.expect("MCP handshake with the gateway")
}

/// Calls `whoami`; the text, or why it failed.
async fn whoami(client: &Client) -> Result<String, String> {
    let r = client.call_tool(CallToolRequestParams::new("whoami")).await.map_err(|e| e.to_string())?;
    let text: String = r.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect();
    if r.is_error == Some(true) { Err(text) } else { Ok(text) }
}

async fn hook(server: &berth_testkit::OAuthServer, method: reqwest::Method, path: &str) -> Value {
    let url = format!("{}/test/{path}", server.issuer);
    reqwest::Client::new().request(method, url).send().await.unwrap().json().await.unwrap()
}

fn run(berth: &berth_testkit::Berth, args: &[&str]) -> (bool, String) {
    let out = berth
        .command()
        .args(args)
        .env("BROWSER", berth_testkit::workspace_root().join("tests/fixtures/browser.sh"))
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn status(berth: &berth_testkit::Berth, name: &str) -> Value {
    let (ok, text) = run(berth, &["oauth", "status", name, "--json"]);
    assert!(ok, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sign_in_lasts_through_renewals_is_asked_for_once_when_refused_and_leaves_nothing_behind() {
    let peers = berth_testkit::node_peers();
    let why = peers.as_ref().err().cloned().unwrap_or_default();
    if !berth_testkit::require("OAuth with a real authorization server", peers.is_ok(), &why) {
        return;
    }
    let server = berth_testkit::oauth_server(30).expect("the OAuth fixture starts");
    let data = tempfile::tempdir().unwrap();
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    let name = format!("secure-{}", std::process::id());

    let (ok, text) = run(&berth, &["server", "add", "--url", &server.mcp, "--name", &name]);
    assert!(ok, "{text}");
    // Not signed in yet: the server asks for it.
    let (_, text) = run(&berth, &["server", "test", &name]);
    assert!(text.contains("sign in"), "{text}");
    assert_eq!(status(&berth, &name)["state"], "not_connected");

    let (ok, text) = run(&berth, &["server", "test", &name, "--login", "--call", "whoami"]);
    assert!(ok && text.contains("operator #"), "{text}");
    let signed_in = status(&berth, &name);
    assert_eq!(signed_in["state"], "connected", "{signed_in}");
    assert_eq!(signed_in["refreshable"], true, "{signed_in}");
    assert_eq!(signed_in["authorization_server"], server.issuer.as_str(), "{signed_in}");
    assert!(berth_testkit::in_keychain(&format!("oauth/{name}")), "the tokens are in the Secret Service");

    // Three processes share the sign-in: an HTTP gateway and two bridges.
    let gateway = berth.http_gateway(&["--server", &name]);
    let through_gateway = gateway_client(&gateway).await;
    let (first, first_pid) = bridge(data.path(), &name).await;
    let (second, second_pid) = bridge(data.path(), &name).await;
    let clients = [("gateway", &through_gateway), ("bridge 1", &first), ("bridge 2", &second)];
    let before = hook(&server, reqwest::Method::GET, "stats").await;
    let started = Instant::now();
    let (mut calls, mut failures) = (0, Vec::new());
    let mut args_checked = false;
    while started.elapsed() < Duration::from_secs(180) {
        let results = futures_util::future::join_all(clients.iter().map(|(_, c)| whoami(c))).await;
        for ((label, _), r) in clients.iter().zip(results) {
            calls += 1;
            if let Err(e) = r {
                failures.push(format!("{label} at {:?}: {e}", started.elapsed()));
            }
        }
        if !args_checked && started.elapsed() > Duration::from_secs(40) {
            // After a renewal: no token in any process's arguments.
            let tokens = hook(&server, reqwest::Method::GET, "tokens").await;
            for pid in [gateway.process.0.id(), first_pid, second_pid] {
                let args = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                for t in
                    tokens["access"].as_array().unwrap().iter().chain(tokens["refresh"].as_array().unwrap())
                {
                    assert!(!contains(&args, t.as_str().unwrap()), "a token in the arguments of {pid}");
                }
            }
            args_checked = true;
        }
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    let after = hook(&server, reqwest::Method::GET, "stats").await;
    let refreshes = after["grants"]["refresh_token"].as_u64().unwrap_or(0)
        - before["grants"]["refresh_token"].as_u64().unwrap_or(0);
    println!(
        "3 minutes, 30-second tokens: {calls} calls through a gateway and two bridges, {} failed, {refreshes} refreshes",
        failures.len()
    );
    assert!(failures.is_empty(), "failed calls: {failures:#?}");
    assert!(calls >= 3 * 150, "{calls} calls");
    // Renewed about every 23 seconds, once for all three processes (each on its own would
    // make three times as many, and a refresh token used twice ends the grant).
    assert!((5..=12).contains(&refreshes), "{refreshes} refreshes in 3 minutes");

    // An administrator revokes the refresh tokens: once the access token expires, the calls
    // fail asking for a sign-in, and the user is asked once, not once per process or call.
    hook(&server, reqwest::Method::POST, "revoke-refresh").await;
    let revoked = Instant::now();
    let mut refused = 0;
    while revoked.elapsed() < Duration::from_secs(45) {
        for (_, c) in &clients {
            if whoami(c).await.is_err() {
                refused += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(refused > 0, "calls still succeed 45 s after the refresh tokens were revoked");
    let (ok, text) = run(&berth, &["events", "--json", "--server", &name, "--limit", "2000"]);
    assert!(ok, "{text}");
    let events: Vec<Value> = serde_json::from_str(&text).unwrap();
    let prompts = events.iter().filter(|e| e["kind"] == "reauth_required").count();
    println!("refresh token revoked: {refused} refused calls, {prompts} re-authorization prompt");
    assert_eq!(prompts, 1, "{events:#?}");
    assert_eq!(status(&berth, &name)["state"], "reauth_required");

    // The tokens went nowhere they should not: the data folder holds neither kind.
    let tokens = hook(&server, reqwest::Method::GET, "tokens").await;
    let all: Vec<String> = tokens["access"]
        .as_array()
        .unwrap()
        .iter()
        .chain(tokens["refresh"].as_array().unwrap())
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    assert!(all.len() >= 10, "{tokens}");
    drop((through_gateway, first, second));
    let mut gateway = gateway;
    gateway.process.terminate(Duration::from_secs(20));
    let needles: Vec<&str> = all.iter().map(String::as_str).collect();
    let found = berth_testkit::files_containing(data.path(), &needles);
    assert!(
        found.is_empty(),
        "tokens in the data folder: {:?}",
        found.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );

    // Signing in again mends it; revoking asks the authorization server to forget the tokens
    // and leaves no keychain entry.
    let (ok, text) = run(&berth, &["server", "test", &name, "--login", "--call", "whoami"]);
    assert!(ok && text.contains("operator #"), "{text}");
    assert_eq!(status(&berth, &name)["state"], "connected");
    let revocations = hook(&server, reqwest::Method::GET, "stats").await["revocations"].as_u64().unwrap();
    let (ok, text) = run(&berth, &["oauth", "revoke", &name]);
    assert!(ok, "{text}");
    let after = hook(&server, reqwest::Method::GET, "stats").await["revocations"].as_u64().unwrap();
    assert!(after > revocations, "no RFC 7009 revocation reached the authorization server");
    assert_eq!(status(&berth, &name)["state"], "not_connected");
    assert!(!berth_testkit::in_keychain(&format!("oauth/{name}")), "a keychain entry is left after revoke");
    let (ok, text) = run(&berth, &["server", "rm", &name]);
    assert!(ok, "{text}");
}

/// A container server whose catalog entry names an OAuth provider (Docker's `oauth.providers`)
/// gets the provider's access token as the one variable the entry asks for, and nowhere else.
#[test]
fn a_container_server_gets_its_providers_token_in_its_environment_and_nowhere_else() {
    let peers = berth_testkit::node_peers();
    let why = peers.as_ref().err().cloned().unwrap_or_default();
    if !berth_testkit::require("OAuth provider for a container", peers.is_ok(), &why)
        || !berth_testkit::require(
            "OAuth provider for a container",
            berth_testkit::docker_available(),
            "needs a running Docker engine",
        )
    {
        return;
    }
    let server = berth_testkit::oauth_server(300).expect("the OAuth fixture starts");
    let data = tempfile::tempdir().unwrap();
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    let name = format!("provtest{}", std::process::id());
    let provider = format!("testidp{}", std::process::id());
    let image = berth_testkit::fixture_image();
    berth.add_catalog(&format!(
        "  {name}:\n    title: Provider test\n    image: {image}\n    disableNetwork: true\n    oauth:\n      - provider: {provider}\n        env: TEST_TOKEN\n"
    ));
    let (ok, text) = run(&berth, &["server", "add", &name]);
    assert!(ok, "{text}");
    let issuer = server.issuer.as_str();
    let (authorize, token) = (format!("{issuer}/auth"), format!("{issuer}/token"));
    let set = [
        "oauth",
        "provider",
        "set",
        &provider,
        "--client-id",
        "berth-provider-test",
        "--authorize",
        &authorize,
        "--token",
        &token,
        "--issuer",
        issuer,
        "--scope",
        "mcp",
        "--scope",
        "offline_access",
    ];
    let (ok, text) = run(&berth, &set);
    assert!(ok, "{text}");

    // Not signed in: the start stops and says how to sign in.
    let (ok, text) = run(&berth, &["server", "start", &name]);
    assert!(!ok && text.contains("berth oauth login"), "{text}");
    assert_eq!(berth_testkit::containers(&format!("label=berth.server={name}")), 0);

    let (ok, text) = run(&berth, &["oauth", "login", &name]);
    assert!(ok, "{text}");
    assert_eq!(status(&berth, &name)["state"], "connected");
    assert!(berth_testkit::in_keychain(&format!("provider/{provider}")));

    // Inside the container the variable is set.
    let call = ["server", "start", &name, "--call", "env_present={\"name\":\"TEST_TOKEN\"}"];
    let (ok, text) = run(&berth, &call);
    assert!(ok && text.contains("set ("), "{text}");
    // Started in the foreground (the container lives as long as this command): what Docker shows.
    let mut child = berth
        .command()
        .args(["server", "start", &name])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line)
        .unwrap();
    assert!(line.contains("is running"), "{line}");
    let mut child = berth_testkit::Process(child);
    let ids = Command::new("docker")
        .args(["ps", "-q", "--filter", &format!("label=berth.server={name}")])
        .output()
        .unwrap();
    let id = String::from_utf8_lossy(&ids.stdout).trim().to_owned();
    assert!(!id.is_empty(), "no container for {name}");
    let inspect = Command::new("docker").args(["inspect", &id]).output().unwrap();
    let inspect = String::from_utf8_lossy(&inspect.stdout).to_string();
    let (access, refresh) = server.tokens();
    let (access, refresh): (Vec<&str>, Vec<&str>) =
        (access.iter().map(String::as_str).collect(), refresh.iter().map(String::as_str).collect());
    let in_env: Vec<&&str> = access.iter().filter(|t| inspect.contains(&format!("TEST_TOKEN={t}"))).collect();
    assert_eq!(in_env.len(), 1, "the access token is the container's TEST_TOKEN");
    assert_eq!(inspect.matches(*in_env[0]).count(), 1, "the token appears once in docker inspect");
    for t in &refresh {
        assert!(!inspect.contains(t), "a refresh token in docker inspect");
    }
    let needles: Vec<&str> = access.iter().chain(&refresh).copied().collect();
    let found = berth_testkit::files_containing(data.path(), &needles);
    assert!(
        found.is_empty(),
        "tokens in the data folder: {:?}",
        found.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );

    child.terminate(Duration::from_secs(30));
    assert_eq!(berth_testkit::containers(&format!("label=berth.server={name}")), 0);
    let (ok, text) = run(&berth, &["server", "rm", &name]);
    assert!(ok, "{text}");
    let (ok, text) = run(&berth, &["oauth", "provider", "rm", &provider]);
    assert!(ok, "{text}");
    assert!(
        !berth_testkit::in_keychain(&format!("provider/{provider}")),
        "the provider's sign-in is left in the keychain"
    );
}
