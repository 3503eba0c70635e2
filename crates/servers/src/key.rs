//! `ServerKey`: which running server a request means, an installed server or one a gateway
//! session added, so two sessions can each run the same catalog server.

use std::fmt;

/// A running server's key: the server's name, within a session when a session started it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerKey {
    /// The gateway session that started it; `None` for an installed server run on its own.
    pub session: Option<String>,
    /// The installed or catalog server's name.
    pub server: String,
}

impl ServerKey {
    /// An installed server, run by itself (the Servers page, `berth server start`).
    pub fn installed(server: impl Into<String>) -> Self {
        Self { session: None, server: server.into() }
    }

    /// A server a gateway session added.
    pub fn in_session(session: impl Into<String>, server: impl Into<String>) -> Self {
        Self { session: Some(session.into()), server: server.into() }
    }

    /// Whether this server belongs to `session`.
    pub fn belongs_to(&self, session: &str) -> bool {
        self.session.as_deref() == Some(session)
    }
}

impl fmt::Display for ServerKey {
    /// `<session>/<server>`, or the server's name alone.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.session {
            Some(session) => write!(f, "{session}/{}", self.server),
            None => f.write_str(&self.server),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_their_session() {
        assert_eq!(ServerKey::installed("time").to_string(), "time");
        let k = ServerKey::in_session("http-1-0", "time");
        assert_eq!(k.to_string(), "http-1-0/time");
        assert!(k.belongs_to("http-1-0") && !k.belongs_to("http-1-1"));
        assert!(!ServerKey::installed("time").belongs_to("time"));
    }
}
