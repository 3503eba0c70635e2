-- External MCP gateways (an E2B sandbox's, another team's): where each is, the keychain reference
-- of its bearer token (never the token), whether its tools join gateway sessions (external mode),
-- and the last health check with its time.
CREATE TABLE external_gateways (
    name          TEXT PRIMARY KEY NOT NULL,
    url           TEXT NOT NULL,
    token_key     TEXT NOT NULL,
    external_mode INTEGER NOT NULL DEFAULT 0 CHECK (external_mode IN (0, 1)),
    last_test     TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
