//! The subcommands, one file per area as `src-tauri/commands/` has them: each parses its
//! arguments, calls the `berth_api` facade and prints the result.

pub mod app;
pub mod catalog;
pub mod clients;
pub mod gateway;
pub mod secrets;
pub mod servers;
pub mod sessions;
pub mod settings;
