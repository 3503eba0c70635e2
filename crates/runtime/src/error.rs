//! Errors of the runtime crate.

/// What can go wrong talking to the container engine.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// No engine answers at the configured host.
    #[error("the Docker engine at {host} is not reachable: {reason}")]
    Unavailable { host: String, reason: String },
    /// The image could not be found or pulled.
    #[error("the image {image} could not be pulled: {reason}")]
    Pull { image: String, reason: String },
    /// A container does not exist (any more).
    #[error("container {0} does not exist")]
    NoSuchContainer(String),
    /// The spec asks for something unsafe or malformed.
    #[error("invalid container spec: {0}")]
    InvalidSpec(String),
    /// The engine answered with an error.
    #[error("the Docker engine reported an error: {0}")]
    Engine(String),
}

impl RuntimeError {
    pub(crate) fn from_bollard(host: &str, e: bollard::errors::Error) -> Self {
        use bollard::errors::Error as B;
        match e {
            B::DockerResponseServerError { status_code: 404, message } => Self::NoSuchContainer(message),
            B::DockerResponseServerError { message, .. } => Self::Engine(message),
            B::IOError { .. }
            | B::HyperResponseError { .. }
            | B::RequestTimeoutError
            | B::SocketNotFoundError(_) => Self::Unavailable { host: host.to_owned(), reason: e.to_string() },
            other => Self::Engine(other.to_string()),
        }
    }
}
