-- Tokens issued to AI clients that reach the HTTP gateway (`berth client connect --http`). Only a
-- SHA-256 of each token is kept here, to recognise it; the token itself is in the OS keychain.
CREATE TABLE client_tokens (
    client     TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
) STRICT;
