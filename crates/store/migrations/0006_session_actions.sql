-- Actions on a gateway session asked for by another process (the desktop app's Sessions page, or
-- `berth session ...`) and carried out by the process serving the session. A row lives only until
-- the asker has read the outcome: tool arguments and output may be private.
CREATE TABLE session_actions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id   TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    action       TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    claimed_at   INTEGER,
    done_at      INTEGER,
    outcome      TEXT
) STRICT;

CREATE INDEX session_actions_unclaimed ON session_actions (session_id) WHERE claimed_at IS NULL;
