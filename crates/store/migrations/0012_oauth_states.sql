-- A sign-in in progress: the `state` sent to the authorization server and what comes back with
-- it (the PKCE verifier, the expected issuer), kept until the redirect arrives (10 minutes at
-- most) and used once.
CREATE TABLE oauth_states (
    csrf TEXT PRIMARY KEY NOT NULL,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
