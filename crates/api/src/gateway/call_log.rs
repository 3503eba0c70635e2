//! The call log of one gateway session, written off the path of the calls themselves: a call after
//! a quiet spell at once, under load at most a few multi-row transactions a second.

use berth_gateway::CallReport;

/// The least time between two call-log transactions of one session. A call made after a quiet
/// spell is written at once; under load, calls queue for at most this long and go in together,
/// so the log costs a few transactions a second instead of one per call, whose CPU time would
/// otherwise be taken from the calls themselves.
const LOG_SPACING: std::time::Duration = std::time::Duration::from_millis(250);

/// A call as the log keeps it, stamped when it was reported.
pub(crate) struct Logged {
    pub report: CallReport,
    /// When the call started (Unix ms).
    pub started_ms: i64,
}

/// The writer of one session's calls.
pub(crate) struct CallLog {
    sender: std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedSender<Logged>>>,
    writer: tokio::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl CallLog {
    pub(crate) fn start(store: berth_store::Store, session: String) -> Self {
        let (sender, reports) = tokio::sync::mpsc::unbounded_channel();
        let writer = tokio::spawn(write_call_log(store, session, reports));
        Self { sender: std::sync::Mutex::new(Some(sender)), writer: tokio::sync::Mutex::new(Some(writer)) }
    }

    pub(crate) fn record(&self, logged: Logged) {
        if let Some(sender) = self.sender.lock().expect("call log").as_ref() {
            let _ = sender.send(logged);
        }
    }

    /// Returns once everything recorded so far is written.
    pub(crate) async fn close(&self) {
        drop(self.sender.lock().expect("call log").take());
        if let Some(writer) = self.writer.lock().await.take() {
            let _ = writer.await;
        }
    }
}

/// Writes reported calls, as many per transaction as have queued up.
async fn write_call_log(
    store: berth_store::Store,
    session: String,
    mut reports: tokio::sync::mpsc::UnboundedReceiver<Logged>,
) {
    let mut batch = Vec::new();
    let mut last_write: Option<tokio::time::Instant> = None;
    while reports.recv_many(&mut batch, 1024).await > 0 {
        if let Some(at) = last_write {
            // Whatever comes in meanwhile joins this transaction. The session ending (the channel
            // closing) ends the wait, so closing a session is not held up by it.
            let wait = tokio::time::sleep_until(at + LOG_SPACING);
            tokio::pin!(wait);
            loop {
                tokio::select! {
                    _ = &mut wait => break,
                    received = reports.recv_many(&mut batch, 1024) => if received == 0 { break },
                }
            }
        }
        let records: Vec<berth_store::CallRecord> = batch
            .iter()
            .map(|l: &Logged| berth_store::CallRecord {
                session_id: Some(&session),
                server: &l.report.server,
                tool: &l.report.tool,
                arg_names: &l.report.arg_names,
                exit_code: i64::from(l.report.exit.code()),
                started_at: l.started_ms,
                duration_ms: l.report.duration.as_millis() as i64,
            })
            .collect();
        if let Err(e) = store.log_calls(&records).await {
            tracing::warn!("could not record {} calls in the call log: {e}", records.len());
        }
        batch.clear();
        last_write = Some(tokio::time::Instant::now());
    }
}

/// `2026-11-21T08:16:00.123Z` from Unix milliseconds (UTC, no calendar crate needed).
pub fn iso8601(unix_ms: i64) -> String {
    let (secs, ms) = (unix_ms.div_euclid(1000), unix_ms.rem_euclid(1000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_servers::CallExit;

    #[test]
    fn formats_utc_timestamps() {
        assert_eq!(iso8601(1_795_249_396_886), "2026-11-21T08:23:16.886Z");
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(&iso8601(951_782_400_000)[..10], "2000-02-29");
    }

    fn logged(tool: &str) -> Logged {
        Logged {
            report: CallReport {
                server: "everything".into(),
                tool: tool.into(),
                arg_names: vec!["message".into()],
                exit: CallExit::Ok,
                duration: std::time::Duration::from_millis(3),
            },
            started_ms: 1_795_249_396_886,
        }
    }

    #[tokio::test]
    async fn the_call_log_writer_keeps_every_call_in_order_and_ends_with_the_session() {
        let dir = tempfile::tempdir().unwrap();
        let store = berth_store::Store::open_in(dir.path()).await.unwrap();
        store.start_session("s1", "http", None, "me").await.unwrap();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let writer = tokio::spawn(write_call_log(store.clone(), "s1".into(), rx));
        // The first call after a quiet spell is written without waiting for company.
        tx.send(logged("first")).unwrap();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while store.calls(10).await.unwrap().is_empty() {
            assert!(tokio::time::Instant::now() < deadline, "the first call was never written");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        // A burst, some of it arriving while the writer waits out its spacing, then the end.
        for i in 0..300 {
            tx.send(logged(&format!("burst-{i}"))).unwrap();
            if i % 100 == 0 {
                tokio::task::yield_now().await;
            }
        }
        drop(tx);
        tokio::time::timeout(std::time::Duration::from_secs(10), writer).await.unwrap().unwrap();
        let rows = store.calls(1_000).await.unwrap();
        let tools: Vec<&str> = rows.iter().rev().map(|r| r.tool.as_str()).collect();
        let expected: Vec<String> =
            std::iter::once("first".to_owned()).chain((0..300).map(|i| format!("burst-{i}"))).collect();
        assert_eq!(tools, expected);
        assert!(
            rows.iter().all(|r| r.session_id.as_deref() == Some("s1") && r.arg_names == r#"["message"]"#)
        );
    }
}
