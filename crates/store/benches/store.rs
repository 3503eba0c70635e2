//! Store write and read latency, side by side with a baseline in the same run: Berth's
//! `set_setting` (an IMMEDIATE transaction that also returns the old value) against a bare
//! single-statement upsert on the same database, and `setting` reads.

use std::time::{Duration, Instant};

use berth_store::Store;

const N: usize = 2_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let total: Duration = samples.iter().sum();
    println!(
        "{name:<34} n={:<5} p50={:>8.1?} p99={:>8.1?} ops/s={:>8.0}",
        samples.len(),
        percentile(&samples, 0.50),
        percentile(&samples, 0.99),
        samples.len() as f64 / total.as_secs_f64()
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).await.unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", store.path().display())).await.unwrap();
    println!("inputs: {N} operations each, 64 distinct keys, 256-byte JSON values, WAL, synchronous=NORMAL");
    let value = "v".repeat(256);

    let mut berth = Vec::with_capacity(N);
    for i in 0..N {
        let t = Instant::now();
        store.set_setting(&format!("bench.{}", i % 64), &value).await.unwrap();
        berth.push(t.elapsed());
    }
    let mut baseline = Vec::with_capacity(N);
    let json = serde_json::to_string(&value).unwrap();
    for i in 0..N {
        let t = Instant::now();
        sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 0) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(format!("base.{}", i % 64))
        .bind(&json)
        .execute(&pool)
        .await
        .unwrap();
        baseline.push(t.elapsed());
    }
    let mut reads = Vec::with_capacity(N);
    for i in 0..N {
        let t = Instant::now();
        let v: Option<String> = store.setting(&format!("bench.{}", i % 64)).await.unwrap();
        assert!(v.is_some());
        reads.push(t.elapsed());
    }
    report("berth set_setting (returns old)", berth);
    report("baseline single upsert", baseline);
    report("berth setting (read)", reads);
}
