-- Admin console sessions (SPEC §14): the environment's secret key, exchanged at sign-in for a
-- random token kept in an HttpOnly cookie. Only the token's SHA-256 is stored; sign-out
-- deletes the row, expiry makes it useless.

CREATE TABLE admin_sessions (
    token_hash     TEXT   PRIMARY KEY NOT NULL,
    environment_id BIGINT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);

CREATE INDEX admin_sessions_expires_at ON admin_sessions (expires_at);
