//! Tracing setup shared by the desktop app and the CLI: a daily-rotating file in the data
//! directory plus stderr, both behind a writer that masks every value registered as secret.
//!
//! Redaction happens on the formatted bytes, after every field and message has been rendered, so
//! no formatting path (a `Debug` of a struct, an error's `Display`) can route around it.

mod redacting_writer;

use std::path::PathBuf;

use berth_secrets::Redactor;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

pub use redacting_writer::RedactingMakeWriter;

/// How many daily log files are kept before the oldest is deleted.
pub const KEEP_FILES: usize = 7;

/// Lines the file writer holds while the disk catches up. The channel behind it allocates every
/// slot up front, so the library's default (128,000 lines, 4 MiB) would sit resident for the life
/// of the process; Berth logs a few lines a second at most, and a burst beyond this is dropped
/// rather than stalling the thread that logs.
pub const BUFFERED_LINES: usize = 8_192;

/// Where and how much to log.
#[derive(Clone, Debug)]
pub struct LogConfig {
    /// Directory of the rotating log files; `None` logs to stderr only.
    pub dir: Option<PathBuf>,
    /// File name prefix: `berth-desktop` or `berth`, so app and CLI logs sit side by side.
    pub file_prefix: String,
    /// An `EnvFilter` directive for the file ("info", "berth=debug", ...).
    pub file_filter: String,
    /// An `EnvFilter` directive for stderr.
    pub stderr_filter: String,
}

/// The file log's filter: Berth at info; the MCP library only at warn, because at info it logs
/// every message a peer sends, and those carry whatever the model and the servers exchange.
pub const FILE_FILTER: &str = "info,rmcp=warn";

/// Keeps the background file writer alive; dropping it flushes the log file.
pub struct LogGuard {
    _file: Option<WorkerGuard>,
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("cannot create the log directory {path}: {source}")]
    Dir { path: PathBuf, source: std::io::Error },
    #[error("cannot open the log file in {path}: {source}")]
    File { path: PathBuf, source: tracing_appender::rolling::InitError },
    #[error("invalid log filter {filter:?}: {source}")]
    Filter { filter: String, source: tracing_subscriber::filter::ParseError },
}

/// Builds the subscriber without installing it (tests scope it with `with_default`).
pub fn subscriber(
    config: &LogConfig,
    redactor: Redactor,
) -> Result<(impl tracing::Subscriber + Send + Sync + 'static, LogGuard), LogError> {
    let filter =
        |f: &str| EnvFilter::try_new(f).map_err(|source| LogError::Filter { filter: f.to_owned(), source });
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(RedactingMakeWriter::new(std::io::stderr, redactor.clone()))
        .with_target(false)
        .with_filter(filter(&config.stderr_filter)?);

    let (file_layer, guard) = match &config.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|source| LogError::Dir { path: dir.clone(), source })?;
            let appender = RollingFileAppender::builder()
                .rotation(Rotation::DAILY)
                .filename_prefix(&config.file_prefix)
                .filename_suffix("log")
                .max_log_files(KEEP_FILES)
                .build(dir)
                .map_err(|source| LogError::File { path: dir.clone(), source })?;
            let (writer, guard) =
                NonBlockingBuilder::default().buffered_lines_limit(BUFFERED_LINES).finish(appender);
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(RedactingMakeWriter::new(writer, redactor))
                .with_filter(filter(&config.file_filter)?);
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };
    let subscriber = Registry::default().with(stderr).with(file_layer);
    Ok((subscriber, LogGuard { _file: guard }))
}

/// Installs the subscriber for the whole process. Call once, early in `main`.
pub fn init(config: &LogConfig, redactor: Redactor) -> Result<LogGuard, LogError> {
    let (subscriber, guard) = subscriber(config, redactor)?;
    // A second init (tests, or a library that set one) keeps the first; that is not an error.
    let _ = subscriber.try_init();
    Ok(guard)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_log_never_contains_a_registered_secret() {
        let dir = tempfile::tempdir().unwrap();
        let redactor = Redactor::new();
        let config = LogConfig {
            dir: Some(dir.path().to_owned()),
            file_prefix: "berth-test".into(),
            file_filter: "info".into(),
            stderr_filter: "off".into(),
        };
        let (subscriber, guard) = subscriber(&config, redactor.clone()).unwrap();
        let secret = "ghp_SuperSecretToken123";
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("before registration: {}", "plain-value");
            redactor.register(secret);
            tracing::info!(token = secret, "calling the API with {secret}");
            tracing::warn!(header = ?format!("Bearer {secret}"), "debug-formatted field");
            let err = std::io::Error::other(format!("server said {secret} is invalid"));
            tracing::error!(error = %err, "an error that quotes the secret");
        });
        drop(guard);

        let mut text = String::new();
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            text.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
        assert!(text.contains("plain-value"), "log file has the ordinary lines: {text}");
        assert_eq!(text.matches("[REDACTED]").count(), 4, "every occurrence masked: {text}");
        assert!(!text.contains(secret), "secret leaked into the log: {text}");
        assert!(!text.contains("SuperSecret"), "part of the secret leaked: {text}");
    }
}
