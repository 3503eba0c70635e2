-- A remote server, or a container server whose OAuth provider is not signed in to, waits for its
-- user to sign in: its own state, `needs_auth`. SQLite cannot change a CHECK in place, so the
-- table is made again with the same rows.
CREATE TABLE servers_new (
    name          TEXT PRIMARY KEY NOT NULL,
    item          TEXT NOT NULL,
    config        TEXT NOT NULL,
    settings      TEXT NOT NULL,
    status        TEXT NOT NULL
                  CHECK (status IN ('stopped', 'pulling', 'starting', 'running', 'error', 'needs_auth')),
    status_reason TEXT,
    container_id  TEXT,
    owner         TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
INSERT INTO servers_new
    SELECT name, item, config, settings, status, status_reason, container_id, owner, created_at, updated_at
    FROM servers;
DROP TABLE servers;
ALTER TABLE servers_new RENAME TO servers;
