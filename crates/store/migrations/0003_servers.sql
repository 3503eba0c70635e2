-- Installed servers: a snapshot of the catalog entry, the user's configuration and settings, and
-- the last known state. Secret values are never here; they are in the OS keychain.
CREATE TABLE servers (
    name          TEXT PRIMARY KEY NOT NULL,
    item          TEXT NOT NULL,
    config        TEXT NOT NULL,
    settings      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('stopped', 'pulling', 'starting', 'running', 'error')),
    status_reason TEXT,
    container_id  TEXT,
    owner         TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
