//! Idle memory of the desktop app, side by side in one run with a bare Tauri window app built the
//! same way (`tests/fixtures/bare-window`: the same Tauri and features, both in the release profile
//! with assets embedded, as the packages are built; one window with a static page). Berth runs as a user has it: Docker's catalog of 328 servers added to the
//! built-in one, the first-run check done, and its gateway on. Each app is started on the display,
//! left to settle, and measured as the sum over its process and every process under it (the web
//! view's WebKit processes) of the proportional set size (PSS: shared pages split between the
//! processes that share them), and of the resident set size for reference. Rounds alternate
//! between the two. Target: Berth at most 1.3× the bare window.
//!
//! With `STARTUP_TRACER` set (`make startup-order`), it instead launches Berth once in the same
//! state with that start-up tracer preloaded, lets it settle, and stops: the functions Berth ran
//! from launch to idle are then in `STARTUP_TRACE_OUT`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ROUNDS: usize = 5;
const TARGET: f64 = 1.3;
/// Samples taken once the app has settled, one a second; the median is the round's figure.
const SAMPLES: usize = 5;

/// One process's memory, in KiB.
#[derive(Clone, Default)]
struct Usage {
    pss: u64,
    rss: u64,
}

/// PSS and RSS of `pid` from `/proc/<pid>/smaps_rollup`.
fn usage(pid: u32) -> Option<Usage> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some(Usage { pss: field("Pss:")?, rss: field("Rss:")? })
}

/// `pid` and every process under it, with each one's name.
fn tree(pid: u32) -> Vec<(u32, String)> {
    let mut parents: Vec<(u32, u32, String)> = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(p) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else { continue };
        // `pid (comm) state ppid …`; comm may hold spaces and parentheses, so split at the last ')'.
        let Some(close) = stat.rfind(')') else { continue };
        let name = stat[stat.find('(').unwrap() + 1..close].to_owned();
        let ppid = stat[close + 2..].split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0);
        parents.push((p, ppid, name));
    }
    let mut out: Vec<(u32, String)> =
        parents.iter().filter(|(p, ..)| *p == pid).map(|(p, _, n)| (*p, n.clone())).collect();
    let mut i = 0;
    while i < out.len() {
        let parent = out[i].0;
        out.extend(parents.iter().filter(|(_, pp, _)| *pp == parent).map(|(p, _, n)| (*p, n.clone())));
        i += 1;
    }
    out
}

/// The whole tree's memory, and each process's by name.
fn measure(pid: u32) -> (Usage, BTreeMap<String, Usage>) {
    let mut total = Usage::default();
    let mut by_name: BTreeMap<String, Usage> = BTreeMap::new();
    for (p, name) in tree(pid) {
        if let Some(u) = usage(p) {
            total.pss += u.pss;
            total.rss += u.rss;
            let e = by_name.entry(name).or_default();
            e.pss += u.pss;
            e.rss += u.rss;
        }
    }
    (total, by_name)
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}

/// Waits until the tree's PSS holds within 2% over three seconds (at least `least`, at most a
/// minute), then takes [`SAMPLES`] samples a second apart. The median sample, and the processes
/// of the last one.
fn settle_and_sample(pid: u32, least: Duration) -> (Usage, BTreeMap<String, Usage>) {
    let started = Instant::now();
    let mut history: Vec<u64> = Vec::new();
    loop {
        std::thread::sleep(Duration::from_secs(1));
        history.push(measure(pid).0.pss);
        let last = &history[history.len().saturating_sub(4)..];
        let (lo, hi) = (*last.iter().min().unwrap(), *last.iter().max().unwrap());
        let steady = last.len() == 4 && hi as f64 <= lo as f64 * 1.02;
        if (steady && started.elapsed() >= least) || started.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    let mut pss = Vec::new();
    let mut rss = Vec::new();
    let mut last = BTreeMap::new();
    for _ in 0..SAMPLES {
        let (total, by_name) = measure(pid);
        pss.push(total.pss);
        rss.push(total.rss);
        last = by_name;
        std::thread::sleep(Duration::from_secs(1));
    }
    (Usage { pss: median(pss), rss: median(rss) }, last)
}

/// Ends `child` as logout does (SIGTERM), then for certain.
fn stop(mut child: Child) {
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !matches!(child.try_wait(), Ok(Some(_))) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    // The web view's helpers go with their app; give them a moment so the next round starts clean.
    std::thread::sleep(Duration::from_secs(1));
}

/// The app at `bin` with its data under `data`, ready to spawn.
fn command(bin: &Path, data: &Path) -> Command {
    std::fs::create_dir_all(data.join("home/.config")).unwrap();
    let mut command = Command::new(bin);
    command
        .env("BERTH_DATA_DIR", data)
        .env("HOME", data.join("home"))
        .env("XDG_CONFIG_HOME", data.join("home/.config"))
        .env("LANG", "en_US.UTF-8")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn launch(bin: &Path, data: &Path) -> Child {
    command(bin, data).spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()))
}

/// Waits for Berth's gateway to answer on `health`.
fn wait_for_gateway(health: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Command::new("curl")
        .args(["-sf", "-o", "/dev/null", health])
        .status()
        .map_or(true, |s| !s.success())
    {
        assert!(Instant::now() < deadline, "Berth's gateway did not answer within 60 s");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn main() {
    let bare = std::env::var_os("BERTH_BARE_WINDOW").map(PathBuf::from);
    let tracer = std::env::var_os("STARTUP_TRACER").map(PathBuf::from);
    let ready = std::env::var_os("DISPLAY").is_some()
        && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
        && (tracer.is_some() || bare.as_ref().is_some_and(|b| b.exists()));
    if !ready {
        eprintln!(
            "skipped: needs DISPLAY, a D-Bus session and BERTH_BARE_WINDOW (make bench gives all three)"
        );
        return;
    }
    // `make bench` names the release builds; run alone, the build of this package is measured.
    let berth_bin = std::env::var_os("BERTH_DESKTOP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_berth-desktop")));
    let shared = berth_testkit::shared_data();
    let servers = shared.join("docker-mcp-registry/servers");
    let data = tempfile::tempdir().unwrap();
    let port = berth_testkit::free_port();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let entries = rt.block_on(async {
        let berth = berth_api::Berth::open(berth_api::BerthOptions::new(
            data.path().to_owned(),
            berth_api::Redactor::new(),
        ))
        .await
        .expect("Berth opens");
        let added = berth
            .catalog_source_add(servers.to_str().unwrap(), Some("docker"))
            .await
            .expect("Docker's catalog");
        berth.set_gateway_port(port).await.unwrap();
        berth.set_gateway_enabled(true).await.unwrap();
        berth.set_first_run_done().await.unwrap();
        berth.close().await;
        added.item_count
    });
    let health = format!("http://127.0.0.1:{port}/health");
    if let Some(tracer) = tracer {
        let mut traced = command(&berth_bin, data.path());
        traced.env("LD_PRELOAD", &tracer).env("STARTUP_TRACE_EXE", berth_bin.file_name().unwrap());
        let child = traced.spawn().expect("Berth starts with the tracer");
        wait_for_gateway(&health);
        settle_and_sample(child.id(), Duration::from_secs(8));
        stop(child);
        println!("traced one launch of {} to idle", berth_bin.display());
        return;
    }
    let bare = bare.expect("checked above");
    let bare_data = tempfile::tempdir().unwrap();
    println!(
        "inputs: {} vs {} (the same Tauri {}, built together); Berth with the built-in catalog and Docker's registry ({entries} of its {} servers usable), its gateway on 127.0.0.1:{port}, first-run check done; {ROUNDS} rounds, alternating; each app settled (PSS within 2% over 3 s, at least 8 s), then the median of {SAMPLES} samples a second apart",
        berth_bin.display(),
        bare.display(),
        tauri_version(),
        std::fs::read_dir(&servers).map(|d| d.count()).unwrap_or(0),
    );

    let mut berth_rounds: Vec<(Usage, BTreeMap<String, Usage>)> = Vec::new();
    let mut bare_rounds: Vec<(Usage, BTreeMap<String, Usage>)> = Vec::new();
    for _ in 0..ROUNDS {
        let child = launch(&berth_bin, data.path());
        wait_for_gateway(&health);
        berth_rounds.push(settle_and_sample(child.id(), Duration::from_secs(8)));
        stop(child);

        let child = launch(&bare, bare_data.path());
        bare_rounds.push(settle_and_sample(child.id(), Duration::from_secs(8)));
        stop(child);
    }
    let pick = |rounds: &[(Usage, BTreeMap<String, Usage>)]| {
        let pss = median(rounds.iter().map(|r| r.0.pss).collect());
        let rss = median(rounds.iter().map(|r| r.0.rss).collect());
        (pss, rss)
    };
    let (berth_pss, berth_rss) = pick(&berth_rounds);
    let (bare_pss, bare_rss) = pick(&bare_rounds);
    println!("idle memory, all processes of the app, median of {ROUNDS} rounds:");
    println!("  {:<22} {:>9} {:>9}", "", "PSS MiB", "RSS MiB");
    println!("  {:<22} {:>9.1} {:>9.1}", "berth-desktop", mib(berth_pss), mib(berth_rss));
    println!("  {:<22} {:>9.1} {:>9.1}", "bare Tauri window", mib(bare_pss), mib(bare_rss));
    for (label, rounds) in [("berth-desktop", &berth_rounds), ("bare Tauri window", &bare_rounds)] {
        println!("  {label}, by process (last round):");
        for (name, u) in &rounds.last().unwrap().1 {
            println!("    {:<20} {:>9.1} {:>9.1}", name, mib(u.pss), mib(u.rss));
        }
    }
    let ratio = berth_pss as f64 / bare_pss as f64;
    let verdict = if ratio <= TARGET { "meets" } else { "MISSES" };
    println!("  ratio (PSS) {ratio:.2}× [target ≤ {TARGET}×]: {verdict} the target");
    if ratio > TARGET {
        std::process::exit(1);
    }
}

/// The Tauri version both apps are built with, from the lock file.
fn tauri_version() -> String {
    let lock =
        std::fs::read_to_string(berth_testkit::workspace_root().join("Cargo.lock")).unwrap_or_default();
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"tauri\"" {
            return lines
                .next()
                .unwrap_or_default()
                .trim_start_matches("version = ")
                .trim_matches('"')
                .to_owned();
        }
    }
    "2".into()
}
