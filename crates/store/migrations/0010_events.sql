-- What happened, for the Logs page: servers started, stopped or failed, sessions opened and
-- ended, servers added to sessions or refused. The message is kept by key and parameters so the
-- page shows it in the user's language, and in English for anyone reading the database.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    level TEXT NOT NULL,
    kind TEXT NOT NULL,
    server TEXT,
    session TEXT,
    key TEXT NOT NULL,
    params TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX events_server ON events (server, id);
CREATE INDEX events_session ON events (session, id);
