-- Settings are small JSON values keyed by a dotted name ("ui.locale").
CREATE TABLE settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Which secrets exist, never their values: the values live in the OS keychain under `key`.
CREATE TABLE secret_refs (
    key        TEXT PRIMARY KEY NOT NULL,
    kind       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX secret_refs_kind ON secret_refs (kind);
