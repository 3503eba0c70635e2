-- Gateway client sessions, the servers each added (with configuration), and the call log.
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY NOT NULL,
    transport  TEXT NOT NULL,
    client     TEXT,
    owner      TEXT,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER
) STRICT;

CREATE TABLE session_servers (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    server     TEXT NOT NULL,
    config     TEXT NOT NULL,
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (session_id, server)
) STRICT;

-- Argument names only: values may be private and are never stored.
CREATE TABLE call_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id  TEXT,
    server      TEXT NOT NULL,
    tool        TEXT NOT NULL,
    arg_names   TEXT NOT NULL,
    exit_code   INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX call_log_started ON call_log (started_at);
