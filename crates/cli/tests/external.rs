//! External gateways from the command line (`berth gateway-ext`) against real local HTTP servers
//! (`tests/peers/ext-gateway.mjs`): health checks that pass (200) and fail each way (401, 500, a
//! timeout, a self-signed certificate, a redirect to a host not allowlisted), external mode
//! turned on by a pass and off by a later failure, the gateway's tools reached through Berth's
//! own gateway, and a table of hostile addresses, each refused with its reason and nothing stored,
//! run in a network namespace of its own whose `/etc/hosts` points names at private ranges.

use std::process::{Command, Output};

use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_berth");

fn run(berth: &berth_testkit::Berth, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = berth
        .command()
        .args(args)
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    })
}

fn said(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn keychain() -> bool {
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
}

#[tokio::test(flavor = "multi_thread")]
async fn health_checks_against_real_servers_and_the_tools_of_one_that_passes() {
    let dir = tempfile::tempdir().unwrap();
    let token = format!("ext-token-{}", std::process::id());
    let started =
        berth_testkit::external::ext_gateways(&token, "https://sandbox.example.org/healthcheck", dir.path());
    let why = started.as_ref().err().cloned().unwrap_or_else(|| "no keychain".into());
    if !berth_testkit::require("external gateways", started.is_ok() && keychain(), &why) {
        return;
    }
    let mut fixture = started.unwrap();
    let data = tempfile::tempdir().unwrap();
    let berth = berth_testkit::Berth::verifying(BIN, data.path());
    let allowed = run(&berth, &["gateway-ext", "allow", "add", "127.0.0.1"], None);
    assert!(allowed.status.success(), "{}", said(&allowed));
    let id = std::process::id();
    let name = |role: &str| format!("{role}-{id}");
    let cases = [
        ("ok", fixture.gateway.clone(), token.as_str(), None, None),
        ("bad-token", fixture.gateway.clone(), "not-the-token", Some("unauthorized"), Some(401)),
        ("failing", fixture.failing.clone(), token.as_str(), Some("server_error"), Some(500)),
        ("hanging", fixture.hanging.clone(), token.as_str(), Some("timeout"), None),
        ("tls", fixture.tls.clone(), token.as_str(), Some("tls"), None),
        ("redirect", fixture.redirect.clone(), token.as_str(), Some("policy"), None),
    ];
    println!("{:<10} {:<8} {:<14} {:<7} latency/reason", "gateway", "exit", "failure", "status");
    for (role, url, secret, failure, status) in &cases {
        let added = run(&berth, &["gateway-ext", "add", &name(role), url], Some(secret));
        assert!(added.status.success(), "{role}: {}", said(&added));
        let started = std::time::Instant::now();
        let tested = run(&berth, &["--json", "gateway-ext", "test", &name(role), "--timeout", "1.5"], None);
        let g = json_of(&tested);
        let check = &g["last_test"];
        println!(
            "{role:<10} {:<8} {:<14} {:<7} {}",
            tested.status.code().unwrap_or(-1),
            check["failure"].as_str().unwrap_or("-"),
            check["status"].as_u64().map(|s| s.to_string()).unwrap_or("-".into()),
            check["latency_ms"]
                .as_u64()
                .map(|l| format!("{l} ms"))
                .unwrap_or_else(|| check["error"]["message"].as_str().unwrap_or("").to_owned()),
        );
        assert!(check["tested_at"].as_i64().unwrap() > 0, "{role}: the result keeps its time");
        match failure {
            None => {
                assert!(tested.status.success(), "{role}: {}", said(&tested));
                assert_eq!(check["ok"], true, "{role}");
                assert_eq!(check["status"], 200, "{role}");
                assert!(check["latency_ms"].as_u64().is_some(), "{role}");
                assert_eq!(g["external_mode"], true, "{role}: a pass turns external mode on");
            }
            Some(kind) => {
                assert_eq!(tested.status.code(), Some(1), "{role}: {}", said(&tested));
                assert_eq!(check["ok"], false, "{role}");
                assert_eq!(check["failure"], *kind, "{role}: {check}");
                assert!(!check["error"]["message"].as_str().unwrap().is_empty(), "{role}: a reason");
                if let Some(s) = status {
                    assert_eq!(check["status"], *s, "{role}");
                }
                assert_eq!(g["external_mode"], false, "{role}: a failure leaves external mode off");
            }
        }
        if *role == "hanging" {
            assert!(started.elapsed() < std::time::Duration::from_secs(10), "the timeout was kept");
        }
        if *role == "redirect" {
            let reason = check["error"]["message"].as_str().unwrap();
            assert!(
                reason.contains("sandbox.example.org") && reason.contains("not in the allowed hosts"),
                "{reason}"
            );
        }
    }
    // The token is in the keychain; the database and the logs hold only its reference.
    assert!(berth_testkit::in_keychain(&format!("gateway-ext/{}", name("ok"))));
    assert!(berth_testkit::files_containing(data.path(), &[&token]).is_empty(), "the token is on disk");
    let listed = json_of(&run(&berth, &["--json", "gateway-ext", "ls"], None));
    assert_eq!(listed.as_array().unwrap().len(), cases.len());
    let on: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["external_mode"] == true)
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(on, [name("ok")], "only the gateway that passed is in external mode");

    // The gateway that passed is a source of every session of Berth's own gateway.
    let gateway = berth.http_gateway(&[]);
    let mut headers = std::collections::HashMap::new();
    headers.insert(
        reqwest::header::HeaderName::from_static("authorization"),
        reqwest::header::HeaderValue::from_str(&format!("Bearer {}", gateway.token)).unwrap(),
    );
    let config = rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig::with_uri(
        gateway.url.as_str(),
    )
    .custom_headers(headers);
    let transport = rmcp::transport::StreamableHttpClientTransport::from_config(config);
    let client = rmcp::serve_client((), transport).await.expect("MCP handshake with Berth's gateway");
    let tools = client.list_all_tools().await.unwrap();
    assert!(
        tools.iter().any(|t| t.name == "sandbox_echo"),
        "{:?}",
        tools.iter().map(|t| &t.name).collect::<Vec<_>>()
    );
    let args = json!({"text": "hello"}).as_object().unwrap().clone();
    let r = client.call_tool(CallToolRequestParams::new("sandbox_echo").with_arguments(args)).await.unwrap();
    let text: String = r.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect();
    assert_eq!(text, "sandbox: hello");
    let sessions = json_of(&run(&berth, &["--json", "session", "ls"], None));
    let servers = &sessions.as_array().unwrap()[0]["servers"];
    let source = servers.as_array().unwrap().iter().find(|s| s["external_gateway"] == name("ok").as_str());
    assert!(source.is_some_and(|s| s["server"] == format!("ext:{}", name("ok")).as_str()), "{servers}");
    client.cancel().await.unwrap();
    assert!(fixture.stats()["mcp"].as_u64().unwrap() >= 2, "{}", fixture.stats());

    // Its host taken off the allowed list, it is turned off at once, by policy.
    let removed = run(&berth, &["gateway-ext", "allow", "rm", "127.0.0.1"], None);
    assert!(removed.status.success(), "{}", said(&removed));
    let g = json_of(&run(&berth, &["--json", "gateway-ext", "ls"], None));
    let ok = g.as_array().unwrap().iter().find(|g| g["name"] == name("ok").as_str()).unwrap().clone();
    assert_eq!(
        (ok["external_mode"].clone(), ok["last_test"]["failure"].clone()),
        (json!(false), json!("policy"))
    );
    assert!(run(&berth, &["gateway-ext", "allow", "add", "127.0.0.1"], None).status.success());
    assert!(run(&berth, &["gateway-ext", "test", &name("ok")], None).status.success());

    // The gateway goes away: its next test fails, turns external mode off and says so.
    fixture.process.terminate(std::time::Duration::from_secs(5));
    let tested = run(&berth, &["gateway-ext", "test", &name("ok"), "--timeout", "2"], None);
    assert_eq!(tested.status.code(), Some(1), "{}", said(&tested));
    assert!(said(&tested).contains("was turned off"), "{}", said(&tested));
    let g = json_of(&run(&berth, &["--json", "gateway-ext", "ls"], None));
    let ok = g.as_array().unwrap().iter().find(|g| g["name"] == name("ok").as_str()).unwrap().clone();
    assert_eq!(ok["external_mode"], false);
    assert_eq!(ok["last_test"]["turned_off"], true);
    assert_eq!(ok["last_test"]["failure"], "connect");
    let events = said(&run(&berth, &["events", "--limit", "5"], None));
    assert!(events.contains("external mode was turned off"), "{events}");

    for (role, ..) in &cases {
        let removed = run(&berth, &["gateway-ext", "rm", &name(role)], None);
        assert!(removed.status.success(), "{}", said(&removed));
    }
    assert!(!berth_testkit::in_keychain(&format!("gateway-ext/{}", name("ok"))), "rm forgets the token");
}

/// Names that resolve into ranges an external gateway may not be in, in the namespace's
/// `/etc/hosts`, and one public name as the control.
const HOSTS: &str = "\
127.0.0.1 localhost
10.0.0.7 private.e2b.app
169.254.169.254 metadata.e2b.app
127.0.0.1 home.e2b.app
100.64.0.9 cgnat.e2b.app
fd00::7 ula.e2b.app
fe80::1 linklocal.e2b.app
0.0.0.0 zero.e2b.app
8.8.8.8 mixed.e2b.app
192.168.1.10 mixed.e2b.app
::ffff:10.0.0.1 mapped.e2b.app
203.0.113.9 docs.e2b.app
8.8.4.4 public.e2b.app
";

/// Hostile addresses and a word of the reason each must be refused with.
const HOSTILE: &[(&str, &str)] = &[
    // IPv4 in other spellings: decimal, hex, octal, short, percent-encoded.
    ("http://2130706433:8080/", "unusual form"),
    ("http://0x7f000001/", "unusual form"),
    ("http://0177.0.0.1/", "unusual form"),
    ("http://127.1/", "unusual form"),
    ("https://0xa9.0xfe.0xa9.0xfe/", "unusual form"),
    ("https://%31%30.0.0.1/", "unusual form"),
    // Private, metadata, shared, unspecified and loopback-alias addresses.
    ("https://169.254.169.254/latest/meta-data/", "metadata"),
    ("https://10.0.0.1/", "private-network"),
    ("https://192.168.1.1/", "private-network"),
    ("https://172.16.0.1/", "private-network"),
    ("https://100.64.0.1/", "private-network"),
    ("https://0.0.0.0/", "private-network"),
    ("http://127.0.0.2:8080/", "loopback alias"),
    // IPv6, and IPv4 inside IPv6.
    ("http://[::1]:8080/", "not in the allowed hosts"),
    ("https://[::ffff:127.0.0.1]/", "loopback alias"),
    ("https://[::ffff:169.254.169.254]/", "metadata"),
    ("https://[::ffff:a9fe:a9fe]/", "metadata"),
    ("https://[fd00:ec2::254]/", "metadata"),
    ("https://[fe80::1]/", "link-local"),
    ("https://[fc00::1]/", "private-network"),
    ("https://[64:ff9b::a9fe:a9fe]/", "metadata"),
    ("https://[::]/", "private-network"),
    // This computer by name, in its spellings.
    ("http://localhost:8080/", "localhost"),
    ("http://localhost.:8080/", "dot"),
    ("http://LOCALHOST/", "localhost"),
    ("http://LocalHost./", "dot"),
    ("http://sandbox.localhost/", "localhost"),
    ("http://%6c%6f%63%61%6c%68%6f%73%74/", "unusual form"),
    // User info and parser confusion.
    ("https://x.e2b.app@evil.example/", "user name"),
    ("https://user:pass@x.e2b.app/", "user name"),
    ("https://@x.e2b.app/", "user name"),
    ("https://x.e2b.app%2f@evil.example/", "user name"),
    ("https://evil.example#@x.e2b.app/", "fragment"),
    ("https://evil.example\\@x.e2b.app/", "backslash"),
    // Around the allowlist.
    ("https://x.e2b.app.evil.example/", "not in the allowed hosts"),
    ("https://e2b.app/", "not in the allowed hosts"),
    ("https://xe2b.app/", "not in the allowed hosts"),
    ("https://x.e2b.app./", "dot"),
    ("https://ｘ.e2b.app/", "unusual form"),
    ("http://x.e2b.app/", "plain http"),
    ("ftp://x.e2b.app/", "scheme"),
    ("file:///etc/passwd", "scheme"),
    ("javascript:alert(1)", "scheme"),
    ("https://x.e2b.app/?next=http://10.0.0.1/", "query"),
    ("https://x.e2b.app/ mcp", "spaces"),
    // Names that resolve into those ranges (or do not resolve).
    ("https://private.e2b.app/", "resolves to 10.0.0.7"),
    ("https://metadata.e2b.app/", "metadata"),
    ("https://home.e2b.app/", "loopback"),
    ("https://cgnat.e2b.app/", "resolves to 100.64.0.9"),
    ("https://ula.e2b.app/", "resolves to fd00::7"),
    ("https://linklocal.e2b.app/", "link-local"),
    ("https://zero.e2b.app/", "resolves to 0.0.0.0"),
    ("https://mixed.e2b.app/", "resolves to 192.168.1.10"),
    ("https://mapped.e2b.app/", "resolves to"),
    ("https://docs.e2b.app/", "resolves to 203.0.113.9"),
    ("https://nowhere.e2b.app/", "cannot be resolved"),
];

/// The table runs in its own network namespace (loopback only, `HOSTS` as `/etc/hosts`, its own
/// D-Bus and keychain), so names resolve into private ranges and nothing can leave the machine.
#[test]
fn hostile_addresses_are_refused_with_a_reason_and_nothing_is_stored() {
    if std::env::var_os("BERTH_IN_NAMESPACE").is_some() {
        return hostile_table();
    }
    let dir = tempfile::tempdir().unwrap();
    let hosts = dir.path().join("hosts");
    std::fs::write(&hosts, HOSTS).unwrap();
    let keyring = dir.path().join("keyring");
    std::fs::create_dir_all(&keyring).unwrap();
    let probe = Command::new("unshare").args(["-n", "-m", "true"]).output();
    let ok = probe.as_ref().is_ok_and(|o| o.status.success());
    if !berth_testkit::require(
        "hostile external-gateway addresses",
        ok,
        "unshare -n -m is not permitted here",
    ) {
        return;
    }
    let script = r#"ip link set lo up && mount --bind "$0" /etc/hosts && keyring="$1" && shift && exec dbus-run-session -- sh -c '
        eval "$(printf berth-test | HOME="$0" XDG_DATA_HOME="$0/.local/share" gnome-keyring-daemon --unlock --components=secrets)"
        export GNOME_KEYRING_CONTROL
        exec "$@"' "$keyring" "$@""#;
    let out = Command::new("unshare")
        .args(["-n", "-m", "sh", "-c", script])
        .arg(&hosts)
        .arg(&keyring)
        .arg(std::env::current_exe().unwrap())
        .args(["hostile_addresses_are_refused_with_a_reason_and_nothing_is_stored", "--exact", "--nocapture"])
        .env("BERTH_IN_NAMESPACE", "1")
        .output()
        .unwrap();
    println!("{}", String::from_utf8_lossy(&out.stdout));
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the table failed in its namespace");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("hostile addresses refused:"),
        "the table did not run"
    );
}

fn hostile_table() {
    let data = tempfile::tempdir().unwrap();
    let berth = berth_testkit::Berth::verifying(BIN, data.path());
    assert!(run(&berth, &["gateway-ext", "allow", "add", "127.0.0.1"], None).status.success());
    // The control: a public name is accepted, and is what the hostile ones try to replace.
    let saved = run(
        &berth,
        &["--json", "gateway-ext", "add", "keep", "https://public.e2b.app/mcp"],
        Some("keep-token"),
    );
    assert!(saved.status.success(), "{}", said(&saved));
    let before = json_of(&run(&berth, &["--json", "gateway-ext", "ls"], None));
    let secrets_before = json_of(&run(&berth, &["--json", "secret", "ls"], None));
    assert_eq!(before[0]["url"], "https://public.e2b.app/");
    println!("{:<45} reason", "address");
    for (url, reason) in HOSTILE {
        for name in ["keep", "hostile"] {
            let out = run(&berth, &["gateway-ext", "add", name, url], Some("hostile-token"));
            let text = said(&out);
            assert!(!out.status.success(), "{url} was accepted");
            assert!(text.contains(reason), "{url}: the reason should mention {reason:?}: {text}");
            if name == "keep" {
                let first = text.lines().next().unwrap_or_default();
                let reason = first.split_once(" is refused: ").map_or(first, |(_, r)| r);
                println!("{url:<45} {}", reason.split(". An external").next().unwrap());
            }
        }
    }
    let after = json_of(&run(&berth, &["--json", "gateway-ext", "ls"], None));
    assert_eq!(after, before, "a refused address changed what was stored");
    let secrets_after = json_of(&run(&berth, &["--json", "secret", "ls"], None));
    assert_eq!(secrets_after, secrets_before, "a refused address touched the keychain");
    println!(
        "hostile addresses refused: {} (each twice: over a saved gateway and as a new one)",
        HOSTILE.len()
    );
}
