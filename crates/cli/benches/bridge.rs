//! `make bench`: `berth bridge` against `mcp-remote` (npm), side by side in one run. Both bridge
//! a client on stdio to the same streamable HTTP backend: a trivial rmcp server in this
//! (release) process on loopback with TCP_NODELAY, which answers `echo` at once and is not the
//! bottleneck; its figures reached directly over HTTP are printed beside. The client is the stdio
//! load generator (JSON lines, `concurrency` calls in flight on one session). The two bridges are
//! measured in alternating rounds, so a noisy spell of the machine falls on both.
//!
//! Target: `berth bridge` at least 2× `mcp-remote`'s calls/s at concurrency 16 and a lower p50 at
//! concurrency 1. The run fails if Berth is slower than `mcp-remote` on either figure.

use std::process::{ExitCode, Stdio};

mod common;
use common::*;

/// `calls` echo calls through a bridge process started with `program` and `args`, its stdio
/// being the client's connection; the process ends with its stdin.
fn bridge_calls(program: &str, args: &[String], concurrency: usize, data: &std::path::Path) -> Figures {
    on_own_thread(|| async {
        let mut child = tokio::process::Command::new(program)
            .args(args)
            .env("BERTH_DATA_DIR", data)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
        let (stdout, stdin) = (child.stdout.take().unwrap(), child.stdin.take().unwrap());
        let figures = line_calls(stdout, stdin, concurrency).await;
        let _ = child.kill().await;
        figures
    })
}

fn row(name: &str, concurrency: usize, f: &Figures) {
    println!(
        "  {name:34} c={concurrency:<3} {:>9.0} calls/s   p50 {:>7.3} ms   p99 {:>7.3} ms",
        f.calls_per_s, f.p50_ms, f.p99_ms
    );
}

fn total(samples: Vec<Figures>) -> Figures {
    let n = samples.len() as f64;
    let calls_per_s = samples.iter().map(|f| f.calls_per_s).sum::<f64>() / n;
    let mut p50: Vec<f64> = samples.iter().map(|f| f.p50_ms).collect();
    let mut p99: Vec<f64> = samples.iter().map(|f| f.p99_ms).collect();
    p50.sort_by(f64::total_cmp);
    p99.sort_by(f64::total_cmp);
    Figures { calls_per_s, p50_ms: p50[p50.len() / 2], p99_ms: p99[p99.len() / 2] }
}

fn main() -> ExitCode {
    let peers = match berth_testkit::node_peers() {
        Ok(p) => p,
        Err(why) => {
            eprintln!("bridge benchmark skipped: {why}");
            return if std::env::var_os("BERTH_REQUIRE_SERVICES").is_some() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let (node, dir) = (peers.0.to_string_lossy().to_string(), &peers.1);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let url = runtime.block_on(serve_trivial());
    let data = tempfile::tempdir().unwrap();
    let berth = env!("CARGO_BIN_EXE_berth").to_owned();
    let mcp_remote = dir.join("node_modules/mcp-remote/dist/proxy.js").to_string_lossy().to_string();
    let berth_args = vec!["bridge".to_owned(), url.clone()];
    let remote_args = vec![
        mcp_remote,
        url.clone(),
        "--allow-http".to_owned(),
        "--transport".to_owned(),
        "http-only".to_owned(),
    ];

    println!("bridge benchmark: stdio client → bridge → streamable HTTP backend ({url})");
    println!(
        "  inputs: `echo` calls, {WARMUP} warm-up then {CALLS} per row and bridge, in {ROUNDS} alternating rounds; \
         backend: rmcp in this release process, TCP_NODELAY; mcp-remote 0.15.1 on Node ({node})"
    );
    let mut ok = true;
    for concurrency in [1, 16] {
        let direct = {
            let session = load_session(&url, None);
            load_calls(&session, concurrency, CALLS).figures()
        };
        let (mut b, mut m) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            m.push(bridge_calls(&node, &remote_args, concurrency, data.path()));
            b.push(bridge_calls(&berth, &berth_args, concurrency, data.path()));
        }
        let (b, m) = (total(b), total(m));
        row("backend directly (HTTP)", concurrency, &direct);
        row("berth bridge", concurrency, &b);
        row("mcp-remote", concurrency, &m);
        let ratio = b.calls_per_s / m.calls_per_s;
        if concurrency == 16 {
            println!(
                "  c=16: berth bridge {ratio:.2}× mcp-remote's calls/s (target ≥ 2×): {}",
                if ratio >= 2.0 { "met" } else { "NOT met" }
            );
            ok &= b.calls_per_s >= m.calls_per_s;
        } else {
            let lower = b.p50_ms < m.p50_ms;
            println!(
                "  c=1: p50 {:.3} ms vs {:.3} ms (target: lower): {}",
                b.p50_ms,
                m.p50_ms,
                if lower { "met" } else { "NOT met" }
            );
            ok &= lower;
        }
    }
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
