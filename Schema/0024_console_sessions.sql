-- Sessions of the staff console (/console): a staff member signs in with a bearer token and
-- gets a random session id in an HttpOnly cookie. Only its SHA-256 is kept, with the token
-- it came from: revoking that token or disabling the account ends the session at once.
-- Sign-out deletes the row; expired rows are deleted at the next sign-in.

CREATE TABLE console_sessions (
    hash        bytea PRIMARY KEY,
    token_hash  bytea NOT NULL REFERENCES tokens (hash),
    -- Every state-changing form carries it (hidden field), compared with this.
    csrf        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    expires_at  timestamptz NOT NULL
);

CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
CREATE INDEX console_sessions_token ON console_sessions (token_hash);

GRANT SELECT, INSERT, DELETE ON console_sessions TO muamala_app;
