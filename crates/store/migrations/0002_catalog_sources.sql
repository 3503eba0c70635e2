-- Catalog sources the user added (URLs and local files), with the last good copy of each.
-- The built-in catalog is part of the binary and has no row.
CREATE TABLE catalog_sources (
    id             TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('url', 'file')),
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
