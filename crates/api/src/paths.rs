//! Where Berth keeps its files on each OS.

use std::path::{Path, PathBuf};

/// The per-OS data directory (`~/.local/share/berth` on Linux, `~/Library/Application
/// Support/dev.berth.Berth` on macOS, `%APPDATA%\berth\Berth\data` on Windows). The desktop app
/// and the CLI both use it, so they share one database.
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("dev", "berth", "Berth").map(|d| d.data_dir().to_owned())
}

/// The log directory inside a data directory.
pub fn log_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("logs")
}
