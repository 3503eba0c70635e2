//! The database survives a writer being SIGKILLed mid-transaction, two processes (the app and
//! the CLI) can write to it at the same time, and many processes can create it at once.
//!
//! The writers are this test binary re-executed with `BERTH_STORE_WRITER` set, so the children run
//! exactly the store code under test in a separate process.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use berth_store::Store;

const WRITER_ENV: &str = "BERTH_STORE_WRITER";

/// In a child: write `count` transactions (forever when 0), printing each committed sequence number.
async fn run_writer(db_dir: &Path, tag: &str, count: u64) {
    let store = Store::open_in(db_dir).await.expect("writer opens the database");
    let blob = "x".repeat(16 * 1024);
    let mut seq = 0u64;
    loop {
        seq += 1;
        let key = format!("{tag}.{}", seq % 64);
        store.set_setting(&key, &format!("{seq}:{blob}")).await.expect("setting write");
        store.set_setting(&format!("{tag}.last"), &seq).await.expect("sequence write");
        store.put_secret_ref(&format!("berth/test/{tag}/{}", seq % 256), "test").await.expect("ref write");
        println!("committed {seq}");
        if count != 0 && seq >= count {
            break;
        }
    }
    store.close().await;
}

fn spawn_writer(test_name: &str, dir: &Path, tag: &str, count: u64) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test_name, "--nocapture", "--test-threads=1"])
        .env(WRITER_ENV, format!("{}|{tag}|{count}", dir.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn writer")
}

/// Returns true when this process is a writer child (and has done its work).
async fn act_as_writer_if_asked() -> bool {
    let Ok(spec) = std::env::var(WRITER_ENV) else { return false };
    let mut parts = spec.splitn(3, '|');
    let dir = parts.next().unwrap().to_owned();
    let tag = parts.next().unwrap().to_owned();
    let count: u64 = parts.next().unwrap().parse().unwrap();
    run_writer(Path::new(&dir), &tag, count).await;
    true
}

/// Reads the child's stdout until it reports at least `n` commits; returns the last one seen.
fn wait_for_commits(child: &mut Child, n: u64) -> u64 {
    let stdout = child.stdout.as_mut().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(seq) = line.strip_prefix("committed ") {
            let seq: u64 = seq.trim().parse().unwrap();
            if seq >= n {
                return seq;
            }
        }
    }
    panic!("writer did not reach {n} commits within 60 s");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_mid_write_leaves_a_sound_database() {
    if act_as_writer_if_asked().await {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Kill at several points so some kills land inside a transaction or a WAL write.
    for (round, commits) in [5u64, 23, 61, 97, 150].into_iter().enumerate() {
        let mut child = spawn_writer("sigkill_mid_write_leaves_a_sound_database", dir.path(), "w", 0);
        let acknowledged = wait_for_commits(&mut child, commits);
        child.kill().expect("SIGKILL the writer");
        child.wait().unwrap();

        let store = Store::open_in(dir.path()).await.expect("database opens after SIGKILL");
        assert_eq!(store.integrity_check().await.unwrap(), vec!["ok".to_string()], "round {round}");
        // Every transaction the writer reported as committed survived the kill.
        let last: u64 = store.setting("w.last").await.unwrap().expect("sequence present");
        assert!(last >= acknowledged, "round {round}: last {last} < acknowledged {acknowledged}");
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_write_concurrently_without_errors() {
    if act_as_writer_if_asked().await {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let name = "two_processes_write_concurrently_without_errors";
    let a = spawn_writer(name, dir.path(), "app", 150);
    let b = spawn_writer(name, dir.path(), "cli", 150);
    // The parent reads while both write, as the UI does while the CLI changes things.
    let reader = Store::open_in(dir.path()).await.unwrap();
    let waiter =
        tokio::task::spawn_blocking(move || (a.wait_with_output().unwrap(), b.wait_with_output().unwrap()));
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut reads = 0u32;
    while !waiter.is_finished() {
        assert!(Instant::now() < deadline, "writers did not finish within 120 s");
        reader.setting::<u64>("app.last").await.expect("read during concurrent writes");
        reads += 1;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (out_a, out_b) = waiter.await.unwrap();
    assert!(reads > 0);
    assert!(out_a.status.success(), "app writer failed");
    assert!(out_b.status.success(), "cli writer failed");
    assert_eq!(reader.setting::<u64>("app.last").await.unwrap(), Some(150));
    assert_eq!(reader.setting::<u64>("cli.last").await.unwrap(), Some(150));
    assert_eq!(reader.integrity_check().await.unwrap(), vec!["ok".to_string()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn many_processes_creating_one_database_at_once_all_open_it() {
    if act_as_writer_if_asked().await {
        return;
    }
    // As when an AI client starts a CLI gateway per session against a new data folder: every
    // process brings the new file's schema up to date, and none may fail for another doing so.
    let dir = tempfile::tempdir().unwrap();
    let name = "many_processes_creating_one_database_at_once_all_open_it";
    let children: Vec<Child> = (0..32).map(|i| spawn_writer(name, dir.path(), &format!("p{i}"), 1)).collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "process {i} could not open the new database");
    }
    let store = Store::open_in(dir.path()).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), Store::latest_schema_version());
    for i in 0..32 {
        assert_eq!(store.setting::<u64>(&format!("p{i}.last")).await.unwrap(), Some(1), "p{i}");
    }
    assert_eq!(store.integrity_check().await.unwrap(), vec!["ok".to_string()]);
}
