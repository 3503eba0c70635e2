//! Client setup: the config entry that points an AI client at Berth's gateway (launching
//! `berth gateway run --stdio`, or the desktop gateway over HTTP with a token of the client's
//! own), written into the client's config file (after a backup) or printed for the user to paste.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use ts_rs::TS;

use crate::{ApiError, Berth, ErrorCode};

/// The AI clients Berth knows how to configure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ClientKind {
    ClaudeDesktop,
    ClaudeCode,
    Cursor,
    Vscode,
}

/// How a client reaches the gateway.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ClientTransport {
    /// The client launches `berth gateway run --stdio`: one session per launch.
    #[default]
    Stdio,
    /// The client connects to the desktop app's gateway over streamable HTTP with a token issued
    /// to it, which also names its session when it speaks stateless MCP (2026-07-28).
    Http,
}

/// Where an entry points the client.
pub enum GatewayTarget<'a> {
    /// The `berth` binary to launch.
    Stdio(&'a Path),
    /// The gateway's MCP URL and the client's token.
    Http { url: &'a str, token: &'a str },
}

/// What `connect` did or would do.
#[derive(Clone, Debug, Serialize, TS)]
pub struct ClientSetup {
    pub client: ClientKind,
    pub transport: ClientTransport,
    /// The file the entry belongs in.
    pub path: String,
    /// The entry, as the client expects it under its servers key.
    pub entry: Value,
    pub written: bool,
    /// Where the previous file was copied before it was changed.
    pub backup: Option<String>,
}

/// The entry's name in the client's server list.
const ENTRY: &str = "berth";

impl ClientKind {
    /// The client's user-level config file under `home` (and `config`, the OS config folder).
    pub fn config_path(self, home: &Path, config: &Path) -> PathBuf {
        match self {
            Self::ClaudeDesktop => {
                if cfg!(target_os = "macos") {
                    home.join("Library/Application Support/Claude/claude_desktop_config.json")
                } else {
                    config.join("Claude/claude_desktop_config.json")
                }
            }
            Self::ClaudeCode => home.join(".claude.json"),
            Self::Cursor => home.join(".cursor/mcp.json"),
            Self::Vscode => config.join("Code/User/mcp.json"),
        }
    }

    /// VS Code lists servers under `servers` with a `type`; the others under `mcpServers`.
    fn servers_key(self) -> &'static str {
        if self == Self::Vscode { "servers" } else { "mcpServers" }
    }

    fn entry(self, target: &GatewayTarget) -> Result<Value, ApiError> {
        let typed = matches!(self, Self::Vscode | Self::ClaudeCode);
        Ok(match target {
            GatewayTarget::Stdio(berth) => {
                let mut e =
                    json!({ "command": berth.display().to_string(), "args": ["gateway", "run", "--stdio"] });
                if typed {
                    e["type"] = "stdio".into();
                }
                e
            }
            GatewayTarget::Http { url, token } => {
                self.check_http()?;
                let mut e = json!({ "url": url, "headers": { "Authorization": format!("Bearer {token}") } });
                if typed {
                    e["type"] = "http".into();
                }
                e
            }
        })
    }

    /// Whether the client's config file can name a streamable HTTP server.
    pub fn speaks_http(self) -> bool {
        self != Self::ClaudeDesktop
    }

    fn check_http(self) -> Result<(), ApiError> {
        if self.speaks_http() {
            return Ok(());
        }
        Err(ApiError::msg(ErrorCode::Validation, crate::msg!("msg.client.desktop_stdio")))
    }

    /// The client's name as the CLI, the token store and session records spell it.
    pub fn id(self) -> &'static str {
        match self {
            Self::ClaudeDesktop => "claude-desktop",
            Self::ClaudeCode => "claude-code",
            Self::Cursor => "cursor",
            Self::Vscode => "vscode",
        }
    }
}

/// Whether client setup writes the entry into the client's config file or only shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum WriteMode {
    /// Merge the entry into the file, after copying it aside.
    Write,
    /// Return the entry and where it goes; touch nothing.
    Print,
}

/// What happens to a client's existing gateway token when its HTTP entry is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TokenPolicy {
    /// Use the token the client has, issuing one the first time.
    Keep,
    /// Issue a new token; the old one stops working at once.
    Replace,
}

impl ClientKind {
    pub const ALL: [ClientKind; 4] = [Self::ClaudeDesktop, Self::ClaudeCode, Self::Cursor, Self::Vscode];
}

/// Builds, and when `write` is set writes, the entry that points `client` at `target`; `now_ms`
/// names the backup.
pub fn connect_client(
    client: ClientKind,
    target: &GatewayTarget,
    home: &Path,
    config: &Path,
    write: WriteMode,
    now_ms: i64,
) -> Result<ClientSetup, ApiError> {
    let path = client.config_path(home, config);
    let entry = client.entry(target)?;
    let mut setup = ClientSetup {
        client,
        transport: match target {
            GatewayTarget::Stdio(_) => ClientTransport::Stdio,
            GatewayTarget::Http { .. } => ClientTransport::Http,
        },
        path: path.display().to_string(),
        entry: entry.clone(),
        written: false,
        backup: None,
    };
    if write == WriteMode::Print {
        return Ok(setup);
    }
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().is_empty() => Value::Object(Map::new()),
        Ok(text) => serde_json::from_str::<Value>(&text).map_err(|e| {
            ApiError::msg(
                ErrorCode::Validation,
                crate::msg!("msg.client.bad_json", path = path.display(), reason = e, entry = &entry),
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Value::Object(Map::new()),
        Err(e) => {
            return Err(ApiError::msg(
                ErrorCode::Storage,
                crate::msg!("msg.file.unreadable", path = path.display(), reason = e),
            ));
        }
    };
    let Value::Object(mut doc) = existing else {
        return Err(ApiError::msg(
            ErrorCode::Validation,
            crate::msg!("msg.client.not_object", path = path.display()),
        ));
    };
    let servers = doc.entry(client.servers_key()).or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(servers) = servers else {
        return Err(ApiError::msg(
            ErrorCode::Validation,
            crate::msg!("msg.client.servers_not_object", field = client.servers_key(), path = path.display()),
        ));
    };
    servers.insert(ENTRY.to_owned(), entry);
    let io = |e: std::io::Error| {
        ApiError::msg(
            ErrorCode::Storage,
            crate::msg!("msg.file.unwritable", path = path.display(), reason = e),
        )
    };
    if path.exists() {
        let backup = path.with_extension(format!("json.berth-backup-{now_ms}"));
        std::fs::copy(&path, &backup).map_err(io)?;
        setup.backup = Some(backup.display().to_string());
    } else if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    // Write beside and rename, so a crash never leaves half a config file.
    let tmp = path.with_extension("json.berth-tmp");
    std::fs::write(&tmp, serde_json::to_string_pretty(&Value::Object(doc)).expect("JSON") + "\n")
        .map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)?;
    setup.written = true;
    Ok(setup)
}

/// [`connect_client`] for this user: their home and config folders; `now_ms` names the backup.
pub fn connect_client_for_user(
    client: ClientKind,
    target: &GatewayTarget,
    write: WriteMode,
    now_ms: i64,
) -> Result<ClientSetup, ApiError> {
    let dirs = directories::BaseDirs::new()
        .ok_or_else(|| ApiError::msg(ErrorCode::Validation, crate::msg!("msg.client.no_home")))?;
    connect_client(client, target, dirs.home_dir(), dirs.config_dir(), write, now_ms)
}

impl Berth {
    /// The entry that points `client` at the gateway, written into its config when `write` is
    /// set. Over stdio it launches `berth` (the binary at that path); over HTTP it names the
    /// desktop gateway's port and carries the client's own token, issued the first time (or anew
    /// with [`TokenPolicy::Replace`], which ends the old one).
    pub async fn connect_client(
        &self,
        client: ClientKind,
        transport: ClientTransport,
        berth: &Path,
        write: WriteMode,
        token: TokenPolicy,
    ) -> Result<ClientSetup, ApiError> {
        let now = self.now_ms();
        match transport {
            ClientTransport::Stdio => {
                connect_client_for_user(client, &GatewayTarget::Stdio(berth), write, now)
            }
            ClientTransport::Http => {
                // Refused before a token exists for a client that could not use it.
                client.check_http()?;
                let token = self.client_token(client, token).await?;
                let url = format!("http://127.0.0.1:{}/mcp", self.gateway_port().await?);
                let target = GatewayTarget::Http { url: &url, token: &token };
                connect_client_for_user(client, &target, write, now)
            }
        }
    }

    /// The entry for every client that can use `transport`, none written.
    pub async fn client_setups(
        &self,
        transport: ClientTransport,
        berth: &Path,
    ) -> Result<Vec<ClientSetup>, ApiError> {
        let mut out = Vec::new();
        for client in ClientKind::ALL {
            if transport == ClientTransport::Http && !client.speaks_http() {
                continue;
            }
            out.push(
                self.connect_client(client, transport, berth, WriteMode::Print, TokenPolicy::Keep).await?,
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_into_existing_configs_after_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let (home, config) = (dir.path().join("home"), dir.path().join("config"));
        let berth = &GatewayTarget::Stdio(Path::new("/usr/local/bin/berth"));
        // A Cursor config with another server: kept, and backed up first.
        let cursor = ClientKind::Cursor.config_path(&home, &config);
        std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
        std::fs::write(&cursor, r#"{"mcpServers": {"other": {"command": "x"}}, "theme": "dark"}"#).unwrap();
        let s = connect_client(ClientKind::Cursor, berth, &home, &config, WriteMode::Write, 42).unwrap();
        assert!(s.written);
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&cursor).unwrap()).unwrap();
        assert_eq!(doc["mcpServers"]["other"]["command"], "x");
        assert_eq!(doc["theme"], "dark");
        assert_eq!(doc["mcpServers"]["berth"]["args"], json!(["gateway", "run", "--stdio"]));
        let backup = std::fs::read_to_string(s.backup.unwrap()).unwrap();
        assert!(backup.contains("other") && !backup.contains("berth"));

        // VS Code: `servers` with a type; a missing file is created.
        let s = connect_client(ClientKind::Vscode, berth, &home, &config, WriteMode::Write, 43).unwrap();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&s.path).unwrap()).unwrap();
        assert_eq!(doc["servers"]["berth"]["type"], "stdio");
        assert!(s.backup.is_none());

        // Print only: nothing written.
        let s =
            connect_client(ClientKind::ClaudeDesktop, berth, &home, &config, WriteMode::Print, 44).unwrap();
        assert!(!s.written && !Path::new(&s.path).exists());
        assert_eq!(s.entry["command"], "/usr/local/bin/berth");
    }

    #[test]
    fn http_entries_carry_the_url_and_the_clients_token() {
        let dir = tempfile::tempdir().unwrap();
        let (home, config) = (dir.path().join("home"), dir.path().join("config"));
        let target = GatewayTarget::Http { url: "http://127.0.0.1:8811/mcp", token: "t0k" };
        let s = connect_client(ClientKind::Vscode, &target, &home, &config, WriteMode::Write, 1).unwrap();
        assert_eq!(s.transport, ClientTransport::Http);
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&s.path).unwrap()).unwrap();
        assert_eq!(
            doc["servers"]["berth"],
            json!({"type": "http", "url": "http://127.0.0.1:8811/mcp", "headers": {"Authorization": "Bearer t0k"}})
        );
        let s = connect_client(ClientKind::Cursor, &target, &home, &config, WriteMode::Print, 2).unwrap();
        assert_eq!(
            s.entry,
            json!({"url": "http://127.0.0.1:8811/mcp", "headers": {"Authorization": "Bearer t0k"}})
        );
        // Claude Desktop cannot take one, and its file is not touched.
        let e = connect_client(ClientKind::ClaudeDesktop, &target, &home, &config, WriteMode::Write, 3)
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        assert!(e.message.contains("stdio"), "{}", e.message);
        assert!(!ClientKind::ClaudeDesktop.config_path(&home, &config).exists());
    }

    #[test]
    fn malformed_configs_are_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let (home, config) = (dir.path().join("home"), dir.path().join("config"));
        let path = ClientKind::ClaudeCode.config_path(&home, &config);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        for bad in ["{not json", "[1, 2]", r#"{"mcpServers": 3}"#] {
            std::fs::write(&path, bad).unwrap();
            let e = connect_client(
                ClientKind::ClaudeCode,
                &GatewayTarget::Stdio(Path::new("/b")),
                &home,
                &config,
                WriteMode::Write,
                1,
            )
            .unwrap_err();
            assert_eq!(e.code, ErrorCode::Validation, "{bad}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), bad, "the file is unchanged");
        }
    }
}
