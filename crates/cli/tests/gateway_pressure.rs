//! `berth gateway run --port 0` under pressure: out of file handles it waits instead of spinning,
//! says so once and answers again as soon as connections close; slow or idle connections are
//! closed; one client's sessions past its cap close the least recently used; a body that is not
//! JSON-RPC gets 400.

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use berth_testkit::{Berth, Process};

/// A CLI gateway whose stderr goes to `stderr`, started with `args` and at most `files` open files.
fn gateway(berth: &Berth, args: &[&str], files: Option<u64>, stderr: &Path) -> (Process, u16, String) {
    let mut cmd = berth.command();
    cmd.args(["gateway", "run", "--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(stderr).unwrap());
    if let Some(files) = files {
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let limit = libc::rlimit { rlim_cur: files, rlim_max: files };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let mut child = cmd.spawn().unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let process = Process(child);
    let url = lines.next().unwrap().unwrap().trim_start_matches("Berth gateway on ").to_owned();
    let token = lines.next().unwrap().unwrap().trim_start_matches("Authorization: Bearer ").to_owned();
    let port = url.trim_end_matches("/mcp").rsplit(':').next().unwrap().parse().unwrap();
    (process, port, token)
}

/// CPU time (user + system) the process has used so far.
fn cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    let ticks: u64 = rest[11].parse::<u64>().unwrap() + rest[12].parse::<u64>().unwrap();
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    Duration::from_millis(ticks * 1000 / per_second)
}

/// All the bytes logged so far: stderr plus the log folder's files.
fn logged(data: &Path, stderr: &Path) -> (u64, String) {
    let mut text = std::fs::read_to_string(stderr).unwrap();
    if let Ok(dir) = std::fs::read_dir(data.join("logs")) {
        for file in dir {
            text.push_str(&std::fs::read_to_string(file.unwrap().path()).unwrap_or_default());
        }
    }
    (text.len() as u64, text)
}

fn health(port: u16, within: Duration) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(within))?;
    write!(s, "GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")?;
    let mut answer = String::new();
    s.read_to_string(&mut answer)?;
    Ok(answer)
}

#[test]
fn out_of_file_handles_the_gateway_waits_says_so_once_and_recovers() {
    let data = tempfile::tempdir().unwrap();
    let berth = Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    let stderr = data.path().join("stderr.txt");
    let (process, port, _) = gateway(&berth, &[], Some(256), &stderr);
    let pid = process.0.id();

    // 300 connections that send nothing: the gateway runs out of its 256 file handles.
    let idle: Vec<TcpStream> = (0..300).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(500));
    let (before_bytes, _) = logged(data.path(), &stderr);
    let before = cpu(pid);
    std::thread::sleep(Duration::from_secs(2));
    let used = cpu(pid) - before;
    let (after_bytes, text) = logged(data.path(), &stderr);
    assert!(
        used < Duration::from_millis(300),
        "the gateway used {used:?} of CPU in 2 s while out of file handles"
    );
    let said = text.matches("cannot accept connections").count();
    // Once on stderr and once in the file log, for the one spell.
    assert!((1..=2).contains(&said), "the failure was logged {said} times:\n{text}");
    assert!(after_bytes - before_bytes < 1024, "{} bytes logged in 2 s", after_bytes - before_bytes);

    drop(idle);
    let closed = Instant::now();
    let answer = health(port, Duration::from_secs(1)).expect("/health answers within a second");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(closed.elapsed() < Duration::from_secs(1), "{:?}", closed.elapsed());
    let (_, text) = logged(data.path(), &stderr);
    assert!(text.matches("cannot accept connections").count() <= 2, "{text}");
}

#[test]
fn slow_headers_and_idle_connections_are_closed() {
    let data = tempfile::tempdir().unwrap();
    let berth = Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    let (_process, port, _) =
        gateway(&berth, &["--header-timeout", "1"], None, &data.path().join("stderr.txt"));
    let closes = |mut s: TcpStream| {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let started = Instant::now();
        let mut rest = Vec::new();
        let read = s.read_to_end(&mut rest);
        assert!(read.is_ok(), "the connection was not closed: {read:?}");
        started.elapsed()
    };
    // Headers that never end.
    let mut slow = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(slow, "GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n").unwrap();
    let waited = closes(slow);
    assert!(waited < Duration::from_secs(5), "{waited:?}");

    // A kept-alive connection after its answer.
    let mut kept = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(kept, "GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").unwrap();
    let mut first = [0u8; 64];
    let n = kept.read(&mut first).unwrap();
    assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
    let waited = closes(kept);
    assert!(waited < Duration::from_secs(5), "{waited:?}");
}

fn post(
    port: u16,
    token: &str,
    session: Option<&str>,
    content_type: &str,
    body: &str,
) -> (u16, String, Option<String>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let session = session.map(|id| format!("Mcp-Session-Id: {id}\r\nMcp-Protocol-Version: 2025-06-18\r\n"));
    write!(
        s,
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n{}\
         Content-Type: {content_type}\r\nAccept: application/json, text/event-stream\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        session.unwrap_or_default(),
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let id = answer.lines().find_map(|l| {
        l.to_ascii_lowercase().starts_with("mcp-session-id:").then(|| l[15..].trim().to_owned())
    });
    (status, answer, id)
}

const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#;

#[test]
fn a_body_that_is_not_json_rpc_gets_400_with_a_parse_error() {
    let data = tempfile::tempdir().unwrap();
    let berth = Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    let (_process, port, token) = gateway(&berth, &[], None, &data.path().join("stderr.txt"));
    for bad in ["{\"jsonrpc\":\"2.0\",", "[[[[", "not json", "{\"jsonrpc\":\"2.0\",\"id\":1}"] {
        let (status, answer, _) = post(port, &token, None, "application/json", bad);
        assert_eq!(status, 400, "{bad}: {answer}");
        assert!(answer.contains("-32700") && answer.contains("not a JSON-RPC message"), "{answer}");
    }
    // A body that does not say it is JSON is still refused for its type.
    let (status, _, _) = post(port, &token, None, "text/plain", INIT);
    assert_eq!(status, 415);
}

#[test]
fn one_client_cannot_open_sessions_without_end() {
    let data = tempfile::tempdir().unwrap();
    let berth = Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    let (_process, port, token) = gateway(&berth, &[], None, &data.path().join("stderr.txt"));
    let most = berth_api::GatewayLimits::default().sessions_per_caller;
    let list = r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#;
    let mut sessions = Vec::new();
    for _ in 0..most {
        let (status, answer, id) = post(port, &token, None, "application/json", INIT);
        assert_eq!(status, 200, "{answer}");
        sessions.push(id.expect("a session id"));
    }
    // Used just now, so not the least recently used.
    let (status, _, _) = post(port, &token, Some(&sessions[0]), "application/json", list);
    assert_eq!(status, 200);

    // One more: the client's least recently used session is closed, as if it had timed out.
    let (status, answer, newest) = post(port, &token, None, "application/json", INIT);
    assert_eq!(status, 200, "{answer}");
    let newest = newest.expect("a session id");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, _, _) = post(port, &token, Some(&sessions[1]), "application/json", list);
        if status == 404 {
            break;
        }
        assert!(Instant::now() < deadline, "the least recently used session is still open ({status})");
        std::thread::sleep(Duration::from_millis(100));
    }
    for id in [&sessions[0], &sessions[2], &newest] {
        let (status, answer, _) = post(port, &token, Some(id), "application/json", list);
        assert_eq!(status, 200, "{answer}");
    }
}

#[test]
fn an_initialize_larger_than_a_client_sends_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let berth = Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    let (_process, port, token) = gateway(&berth, &[], None, &data.path().join("stderr.txt"));
    let name = "x".repeat(berth_gateway::MOST_INITIALIZE);
    let big = INIT.replace("\"raw\"", &format!("\"{name}\""));
    for _ in 0..3 {
        let (status, answer, id) = post(port, &token, None, "application/json", &big);
        assert_eq!(status, 413, "{}", &answer[..answer.len().min(300)]);
        assert!(answer.contains("initialize request may hold at most") && id.is_none());
    }
    // A large stateless call is not an initialize, and a normal initialize opens a session.
    let call = format!(
        r#"{{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{{"_meta":{{"pad":"{name}"}}}}}}"#
    );
    let (status, _, _) = post(port, &token, None, "application/json", &call);
    assert_ne!(status, 413);
    let (status, _, id) = post(port, &token, None, "application/json", INIT);
    assert_eq!(status, 200);
    assert!(id.is_some());
}

#[test]
fn a_session_is_listed_by_the_client_that_opened_it() {
    let data = tempfile::tempdir().unwrap();
    let berth = Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    let (_process, port, token) = gateway(&berth, &[], None, &data.path().join("stderr.txt"));
    let init = INIT.replace("\"raw\"", "\"Claude Code\"");
    let (status, _, id) = post(port, &token, None, "application/json", &init);
    assert_eq!(status, 200);
    assert!(id.is_some());
    let listed = berth.command().args(["--json", "session", "ls"]).output().unwrap();
    let sessions: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let clients: Vec<&str> =
        sessions.as_array().unwrap().iter().filter_map(|s| s["client"].as_str()).collect();
    assert!(clients.contains(&"Claude Code"), "{sessions}");
}
