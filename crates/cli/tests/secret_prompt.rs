//! `berth secret set` at a real terminal (a pseudo-terminal through `script`): the prompt says
//! how to pipe the value in instead, and what the user types is never echoed.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[test]
fn a_secret_typed_at_a_terminal_is_not_echoed() {
    let keychain = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if !berth_testkit::require("secret prompt", keychain, "needs a Secret Service") {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let key = format!("berth/server/prompt{}/prompt.token", std::process::id());
    let typed = "tok-typed-at-the-terminal-42";
    let line = format!("{} secret set {key}", env!("CARGO_BIN_EXE_berth"));
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("BERTH_DATA_DIR", data.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script runs");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut stdout = child.stdout.take().unwrap();
    let reader = {
        let seen = seen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 1024];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    let text = |seen: &Arc<Mutex<Vec<u8>>>| String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
    // Typed only once the prompt is up: echo is off by then, as for a person at the keyboard.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !text(&seen).contains("not shown as you type") {
        assert!(Instant::now() < deadline, "no prompt: {:?}", text(&seen));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(text(&seen).contains("| berth secret set"), "the prompt says how to pipe the value in");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{typed}\r").as_bytes()).unwrap();
    stdin.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !text(&seen).contains("Stored") {
        assert!(Instant::now() < deadline, "not stored: {:?}", text(&seen));
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(stdin);
    let _ = child.wait();
    reader.join().unwrap();
    let all = text(&seen);
    assert!(!all.contains(typed), "the secret was echoed: {all:?}");
    assert!(all.contains(&format!("Stored {key} in the OS keychain.")), "{all:?}");

    // It is stored whole.
    let listed = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path())
        .command()
        .args(["secret", "ls"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&listed.stdout).contains(&key));
    let removed = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path())
        .command()
        .args(["secret", "rm", &key])
        .output()
        .unwrap();
    assert!(removed.status.success());
}
