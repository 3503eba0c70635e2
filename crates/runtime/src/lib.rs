//! Berth's container runtime: the only crate that talks to the Docker engine.
//!
//! Today it connects to the engine and reports what it is; creating and supervising MCP server
//! containers builds on the same connection.

mod engine;
mod error;

pub use engine::{DockerEngine, EngineInfo};
pub use error::RuntimeError;
