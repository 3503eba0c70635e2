//! "Start server → tools listed", side by side in one run with the same image: Berth's supervisor
//! (inspect, create, attach, start, MCP handshake, tools/list) against `docker run -i --rm` with an
//! initialize and a tools/list written by hand. Target: Berth at most 1.15× the baseline.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use berth_servers::{LaunchPlan, LaunchRequest, RuntimeSource, ServerKey, Supervisor};

const ROUNDS: usize = 15;

fn by_hand(image: &str) -> Duration {
    let t = Instant::now();
    let mut child = Command::new("docker")
        .args(["run", "-i", "--rm", "--network", "none", image])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("docker run");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    writeln!(stdin, r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"protocolVersion":"2025-06-18","capabilities":{{}},"clientInfo":{{"name":"bench","version":"1"}}}}}}"#).unwrap();
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.contains("\"id\":1"), "{line}");
    writeln!(stdin, r#"{{"jsonrpc":"2.0","method":"notifications/initialized"}}"#).unwrap();
    writeln!(stdin, r#"{{"jsonrpc":"2.0","id":2,"method":"tools/list"}}"#).unwrap();
    line.clear();
    stdout.read_line(&mut line).unwrap();
    assert!(line.contains("\"tools\""), "{line}");
    let elapsed = t.elapsed();
    drop(stdin); // EOF: the server exits and --rm removes the container
    child.wait().unwrap();
    elapsed
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let image = berth_testkit::fixture_image();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let yaml = format!("registry:\n  bench:\n    image: {image}\n    disableNetwork: true\n");
    let item = berth_catalog::import_bytes(yaml.as_bytes(), None).unwrap().items.remove(0);
    let supervisor = Supervisor::new(RuntimeSource::Docker);
    let key = ServerKey::installed("bench");
    println!(
        "inputs: fixture MCP server image {image} (FROM scratch, static), network none, {ROUNDS} rounds each, alternating"
    );

    // One warm-up of each, so neither side pays first-use costs.
    let _ = by_hand(&image);
    let mut berth = Vec::new();
    let mut baseline = Vec::new();
    for round in 0..=ROUNDS {
        let plan = LaunchPlan::build(LaunchRequest::new(&item, &serde_json::Value::Null)).unwrap();
        let t = Instant::now();
        let tools = rt.block_on(async {
            supervisor.start(plan, Arc::new(|_| {})).await.unwrap();
            supervisor.tools(&key).await.unwrap()
        });
        let d = t.elapsed();
        assert_eq!(tools.len(), 4);
        rt.block_on(supervisor.stop(&key)).unwrap();
        let b = by_hand(&image);
        if round > 0 {
            berth.push(d);
            baseline.push(b);
        }
    }
    let (m_berth, m_base) = (median(berth.clone()), median(baseline.clone()));
    println!("start → tools listed, median of {ROUNDS}:");
    println!(
        "  berth supervisor               {m_berth:>9.1?}   (min {:?}, max {:?})",
        berth.iter().min().unwrap(),
        berth.iter().max().unwrap()
    );
    println!(
        "  docker run -i --rm by hand     {m_base:>9.1?}   (min {:?}, max {:?})",
        baseline.iter().min().unwrap(),
        baseline.iter().max().unwrap()
    );
    println!(
        "  ratio berth / by hand          {:.2}   [target ≤ 1.15]",
        m_berth.as_secs_f64() / m_base.as_secs_f64()
    );
}
