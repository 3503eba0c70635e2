//! `StdioPipes`: a container's stdin and stdout as a byte stream pair for an MCP client, with the
//! tail of its stderr kept for error messages.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bollard::container::{AttachContainerResults, LogOutput};
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::io::StreamReader;

/// A container's stdout as a byte stream.
pub type ContainerStdout = Pin<Box<dyn AsyncRead + Send>>;
/// A container's stdin as a byte sink.
pub type ContainerStdin = Pin<Box<dyn AsyncWrite + Send>>;

/// How many stderr lines are kept for diagnostics.
const STDERR_LINES: usize = 50;

/// The attached standard streams of one container.
pub struct StdioPipes {
    /// The container's stdout (demultiplexed: stderr never appears here).
    pub stdout: ContainerStdout,
    /// The container's stdin.
    pub stdin: ContainerStdin,
    stderr: Arc<Mutex<VecDeque<String>>>,
}

impl StdioPipes {
    pub(crate) fn from_attach(results: AttachContainerResults) -> Self {
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let tail = stderr.clone();
        let stdout = results.output.filter_map(move |frame| {
            let tail = tail.clone();
            async move {
                match frame {
                    Ok(LogOutput::StdOut { message }) | Ok(LogOutput::Console { message }) => {
                        Some(Ok(message))
                    }
                    Ok(LogOutput::StdErr { message }) => {
                        let mut t = tail.lock().expect("stderr tail lock");
                        for line in String::from_utf8_lossy(&message).lines() {
                            if t.len() == STDERR_LINES {
                                t.pop_front();
                            }
                            t.push_back(line.to_owned());
                        }
                        None
                    }
                    Ok(LogOutput::StdIn { .. }) => None,
                    Err(e) => Some(Err(io::Error::other(e))),
                }
            }
        });
        Self { stdout: Box::pin(StreamReader::new(Box::pin(stdout))), stdin: results.input, stderr }
    }

    /// A handle to the last stderr lines, usable after the pipes were handed to a client.
    pub fn stderr_tail(&self) -> StderrTail {
        StderrTail(self.stderr.clone())
    }

    /// Splits into (stdout, stdin) for an MCP client transport.
    pub fn into_split(self) -> (ContainerStdout, ContainerStdin) {
        (self.stdout, self.stdin)
    }
}

/// The last lines a container wrote to stderr.
#[derive(Clone)]
pub struct StderrTail(Arc<Mutex<VecDeque<String>>>);

impl StderrTail {
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().expect("stderr tail lock").iter().cloned().collect()
    }
}
