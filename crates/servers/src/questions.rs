//! Questions a server asks its client (sampling, elicitation, roots) when the client can only be
//! reached through input-required results: a stateless client (protocol 2026-07-28) cannot be
//! sent a request, so the question goes back in the result of the call that caused it, and the
//! answer arrives with the client's retry of that call. Meanwhile the server's call waits,
//! parked under an opaque request state.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use rmcp::ErrorData;
use rmcp::model::{InputRequest, InputRequests, InputResponses, ServerResult};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

/// How long a server's question, and the call parked on it, waits for the client's retry.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(600);

/// The request states this gateway issues start with this, so a client's retry of a server's own
/// input-required result (a server that speaks the newest protocol itself) passes through.
pub const STATE_PREFIX: &str = "berth-parked-";

/// One question and where its answer goes.
pub struct Question {
    pub request: InputRequest,
    answer: oneshot::Sender<Value>,
}

/// A forwarded call running on its own task, so it can outlive the HTTP request that started
/// it. Dropping it cancels the call.
pub struct Call(tokio::task::JoinHandle<Result<ServerResult, ErrorData>>);

impl Call {
    pub fn spawn(call: impl Future<Output = Result<ServerResult, ErrorData>> + Send + 'static) -> Self {
        Self(tokio::spawn(call))
    }
}

impl Future for Call {
    type Output = Result<ServerResult, ErrorData>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx).map(|joined| {
            joined.unwrap_or_else(|e| {
                Err(ErrorData::internal_error(format!("the forwarded call ended: {e}"), None))
            })
        })
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A call waiting for the client's answers.
struct Parked {
    call: Call,
    asked: HashMap<String, oneshot::Sender<Value>>,
    since: Instant,
}

/// The questions of one gateway session's servers and the calls parked on them.
pub struct Questions {
    tx: mpsc::UnboundedSender<Question>,
    rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<Question>>,
    parked: Mutex<HashMap<String, Parked>>,
    next: AtomicU64,
}

impl Default for Questions {
    fn default() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self { tx, rx: tokio::sync::Mutex::new(rx), parked: Default::default(), next: AtomicU64::new(1) }
    }
}

/// What a call came to: its result, or questions for the client and the state to retry with.
// One per call, returned at once and taken apart by the caller: boxing the result buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum Round {
    Done(Result<ServerResult, ErrorData>),
    Asking { requests: InputRequests, state: String },
}

impl Questions {
    /// Puts `request` to the client and waits for its answer.
    pub async fn ask(&self, request: InputRequest) -> Result<Value, ErrorData> {
        let (answer, answered) = oneshot::channel();
        self.tx
            .send(Question { request, answer })
            .map_err(|_| ErrorData::internal_error("the gateway session has ended", None))?;
        match tokio::time::timeout(ANSWER_TIMEOUT, answered).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) => {
                Err(ErrorData::invalid_params("the client's retry did not answer this request", None))
            }
            Err(_) => Err(ErrorData::internal_error("the client did not answer in time", None)),
        }
    }

    /// Runs `call` until it finishes or a server asks the client something; then the call is
    /// parked and the questions returned with the state that resumes it.
    pub async fn round(&self, mut call: Call) -> Round {
        // Waiting for the queue must not hold up a call that finishes meanwhile.
        let first = tokio::select! {
            done = &mut call => return Round::Done(done),
            q = self.next_open() => match q {
                Some(q) => q,
                None => return Round::Done(call.await),
            },
        };
        let mut parked = Parked { call, asked: HashMap::new(), since: Instant::now() };
        let mut requests = InputRequests::new();
        let mut question = Some(first);
        while let Some(q) = question {
            let id = format!("q{}", self.next.fetch_add(1, Ordering::Relaxed));
            requests.insert(id.clone(), q.request);
            parked.asked.insert(id, q.answer);
            // Questions asked together go back together.
            question =
                self.rx.try_lock().ok().and_then(|mut rx| {
                    std::iter::from_fn(|| rx.try_recv().ok()).find(|q| !q.answer.is_closed())
                });
        }
        let state = format!("{STATE_PREFIX}{}", self.next.fetch_add(1, Ordering::Relaxed));
        let mut all = self.parked.lock().expect("parked calls");
        // Calls whose client never came back are cancelled.
        all.retain(|_, p| p.since.elapsed() < ANSWER_TIMEOUT);
        all.insert(state.clone(), parked);
        Round::Asking { requests, state }
    }

    /// The next question whose asker still waits for the answer.
    async fn next_open(&self) -> Option<Question> {
        let mut rx = self.rx.lock().await;
        loop {
            let q = rx.recv().await?;
            if !q.answer.is_closed() {
                return Some(q);
            }
        }
    }

    /// The parked call `state` names, given the client's answers; unanswered questions fail.
    pub fn resume(&self, state: &str, mut answers: InputResponses) -> Result<Call, ErrorData> {
        let parked = self.parked.lock().expect("parked calls").remove(state).ok_or_else(|| {
            ErrorData::invalid_params(
                "this requestState is unknown or has expired; send the request again without it",
                None,
            )
        })?;
        for (id, answer) in parked.asked {
            if let Some(value) = answers.remove(&id) {
                let _ = answer.send(value);
            }
        }
        Ok(parked.call)
    }
}
