-- A catalog source may be a folder of per-server files. SQLite cannot change a CHECK constraint in
-- place, so the table is rebuilt with the wider one and its rows copied over.
CREATE TABLE catalog_sources_new (
    id             TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('url', 'file', 'folder')),
    location       TEXT NOT NULL UNIQUE,
    position       INTEGER NOT NULL,
    etag           TEXT,
    last_modified  TEXT,
    -- The last content that imported without a file-level error, and when it was fetched.
    body           BLOB,
    fetched_at     INTEGER,
    -- The last attempt, successful or not, and why it failed.
    checked_at     INTEGER,
    last_error     TEXT,
    item_count     INTEGER NOT NULL DEFAULT 0,
    rejected_count INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
) STRICT;
INSERT INTO catalog_sources_new
    SELECT id, kind, location, position, etag, last_modified, body, fetched_at, checked_at, last_error,
           item_count, rejected_count, created_at
    FROM catalog_sources;
DROP TABLE catalog_sources;
ALTER TABLE catalog_sources_new RENAME TO catalog_sources;
